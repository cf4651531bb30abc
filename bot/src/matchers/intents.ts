import { foldWidth, stripMentions } from '@o2o/shared/rules/text-normalize';

/** What a resident asks that the bot can answer from the store's data. */
export type Intent =
  | { kind: 'my_points' }
  | { kind: 'my_order' }
  | { kind: 'points_how' }
  | { kind: 'offers' }
  | { kind: 'hours' }
  | { kind: 'delivery_time' }
  | { kind: 'delivery' }
  | { kind: 'address' }
  | { kind: 'product'; keyword: string };

const QUESTION = /[?？]|吗|么|嘛|呢|几点|多少|几块|几毛|怎么|如何|咋|哪|什么|啥|有没有|有没|有木有|能不能|可不可以|是否|请问|想问|问下|问一下|求问|价格|怎么卖|多久|(\p{Script=Han})[不没]\1|^(帮我)?查|发一下|发下|告诉我/u;

const PATTERNS: [Intent['kind'], RegExp][] = [
  ['my_points', /(我的积分|我有多少积分|我还有多少积分|积分余额|查(一下|下)?积分|我.{0,2}积分(有)?多少)/],
  ['my_order', /(我的订单|订单状态|查(一下|下)?订单|订单.{0,6}(到哪|怎么样|到了|发货|送了|送到|进度)|我.{0,4}(买的|下的单).{0,6}(到哪|送了|到了))/],
  ['points_how', /(积分.{0,8}(怎么|如何|咋|怎样|哪里|在哪).{0,4}(赚|得|获得|拿|领|攒|挣|用|兑换|花|使用)|(怎么|如何|咋|怎样).{0,4}(赚|得|获得|拿|领|攒|挣|用|兑换|花|使用).{0,3}积分|积分(有什么用|有啥用|能干嘛|能干什么|能换|可以换|怎么用|兑换什么))/],
  ['offers', /((今天|今日|本周|这周|最近|现在|近期|周末|明天|后天|下周|周[一二三四五六日天]|星期[一二三四五六日天]).{0,6}(特价|特惠|优惠|活动|促销|打折|便宜)|有(什么|啥|哪些)(特价|特惠|优惠|活动|促销))/],
  ['hours', /(几点(开门|关门|营业|打烊|下班|开|关)|营业时间|开门时间|什么时候(开门|关门|营业|打烊)|(现在|今天|还|晚上|早上|明天|后天|周末|周[一二三四五六日天]|星期[一二三四五六日天]|过年|春节).{0,3}(开门|营业|开着|关门|打烊|休息)|开到几点|营业到几点|几点营业|(开门|营业|关门)了?(吗|没|不))/],
  ['delivery_time', /((\d{1,2}|[一二两三四五六七八九十]{1,2})\s*(点|:)\s*(半|\d{1,2})?[之以]?前.{0,6}(送|到)|(多久|多长时间|几点|什么时候|啥时候|几时).{0,4}(能|可以|会)?(送到|送达|到货|送过来|送来|配送)|(今天|明天|后天|早上|上午|中午|下午|晚上).{0,10}(能|可以)?(送到|送达|送过来|送来)(吗|么|不))/],
  ['delivery', /(配送费|运费|送货费|起送|包邮|免运费|免配送费|配送范围|送货范围|(能|可以|会|包)?(配送|送货|外送|送上门|送到家)|送不送|能不能送|(能|可以)送(吗|么|不)|delivery|多远.{0,3}送|送到.{0,8}(吗|不))/],
  ['address', /(地址|在哪(里|儿)?|怎么走|位置在|门店在|店在哪|具体位置|怎么去)/],
];

/** Words around a product name in a question (the frame), removed to leave the product phrase. */
const PRODUCT_FRAME = /(请问|想问下?|问一?下|你们|咱们|店里|店内|这里|这边|家里|现在|今天|最近|还|呀|啊|哦|呢|吗|么|嘛|的|有没有|有没|有木有|有卖|卖不卖|有货|没货|卖|多少钱|几块钱?|几毛钱?|什么价(格|钱)?|啥价|价格|价钱|怎么卖|一斤|每斤|一公斤|每公斤|一个|一袋|一箱|一瓶|一盒|一份|新鲜|贵不贵|贵吗|便宜|多少|有)/g;
/** A product question's shape: asking whether it is sold, in stock, or what it costs. */
const PRODUCT_QUESTION = /(有没有|有没|有木有|有卖|卖不卖|卖吗|有货|还有.{1,8}(吗|么|没)|有.{1,10}(吗|么|嘛|没有|卖)|.{1,10}(还)?有(吗|么|没|不)|多少钱|几块钱|几毛钱|什么价|啥价|价格|价钱|怎么卖|贵不贵|(一|每)(斤|公斤))/;
const NOT_PRODUCTS = new Set(['你', '你们', '人', '谁', '店员', '店长', '群主', '什么', '啥', '优惠', '活动', '积分', '配送', '订单', '这个', '那个', '东西', '问题', '时间', '空', '事', '发票', '医保卡', '医保', '会员', '群', '车位', '停车位']);
const NOT_PRODUCT_PARTS = /(一起|要不要|想|去|来|人|谁|哪位|大家|邻居|朋友|退|换|发票|支付|付款|医保|微信|支付宝|刷卡|现金|会员|积分|券|红包|快递|停车|厕所|空调|wifi|问题|办法|时间|意思|道理)/i;

function cleaned(text: string): string {
  return foldWidth(stripMentions(text)).replace(/\s+/g, ' ').trim();
}

/** Whether the text reads as a question (so unprompted chatter that only mentions a topic stays unanswered). */
export function looksLikeQuestion(text: string): boolean {
  return QUESTION.test(cleaned(text));
}

/** The product phrase of a product question ("店里的青菜几块钱一斤" -> "青菜"), or null. */
export function productPhrase(text: string): string | null {
  const body = cleaned(text).replace(/[\s?？!！。，,.~～、]/g, '');
  if (!PRODUCT_QUESTION.test(body)) return null;
  const phrase = body.replace(PRODUCT_FRAME, '').slice(0, 30);
  if ([...phrase].length < 1 || [...phrase].length > 12) return null;
  if (NOT_PRODUCTS.has(phrase) || NOT_PRODUCT_PARTS.test(phrase) || /^\d+$/.test(phrase)) return null;
  return phrase;
}

/** The answerable question in a message, or null. Personal questions come first, products last. */
export function detectIntent(text: string): Intent | null {
  const body = cleaned(text);
  if (!body || body.length > 200) return null;
  for (const [kind, pattern] of PATTERNS) {
    if (pattern.test(body)) return { kind } as Intent;
  }
  const keyword = productPhrase(body);
  return keyword ? { kind: 'product', keyword } : null;
}

/** 积分 / 订单 said privately: the member's own data. */
export function detectPrivateQuery(text: string): 'points' | 'order' | null {
  const body = cleaned(text).replace(/\s/g, '');
  if (/^(查?(我的)?积分(余额)?|我有多少积分|积分多少)[?？]?$/.test(body) || /我的积分|积分余额/.test(body)) return 'points';
  if (/^(查?(我的)?订单(状态)?|订单到哪了?)[?？]?$/.test(body) || /我的订单|订单状态/.test(body)) return 'order';
  const intent = detectIntent(body);
  if (intent?.kind === 'my_points') return 'points';
  if (intent?.kind === 'my_order') return 'order';
  return null;
}

/**
 * A complaint or after-sales problem staff must handle: something broken or missing, a refund the
 * resident wants, a complaint. Asking how refunds work ("退款多久能到账") is an FAQ question, not this.
 */
const COMPLAINT = [
  /(坏了|坏的|坏掉|烂了|烂的|发霉|变质|馊了|臭了|发臭|过期了?|不新鲜|有虫|破了|碎了|碎的|漏了|压坏|摔坏|有(股|点)?(怪|臭|异)?味道?了)/,
  /(投诉|差评|太差了|什么服务|服务态度)/,
  /(少送|漏送|送错|发错|少了(一|两|几|个)|缺了|没送到|还没送到|还没到|没收到|少给|给错)/,
  /(我要|给我|申请|要求|必须|赶紧)(退款|退钱|退货|赔)/,
];

export function detectComplaint(text: string): boolean {
  const body = cleaned(text).replace(/\s/g, '');
  if (!body || body.length > 300) return false;
  return COMPLAINT.some((pattern) => pattern.test(body));
}

const GREETING = /^(你好|您好|hello|hi|嗨|哈喽|哈啰|在吗|在不在|早上好|早安|早|中午好|下午好|晚上好|晚安|谢谢|谢谢你|多谢|辛苦了)[呀啊吖哈!！~～。,.，]*$/i;

/** A greeting said to the bot (after @-mentions are removed). */
export function isGreeting(text: string): boolean {
  return GREETING.test(cleaned(text).replace(/\s/g, ''));
}
