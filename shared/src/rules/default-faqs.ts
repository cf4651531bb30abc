import { questionSimilarity } from './faq-match';

/**
 * The FAQ every store's bot starts with: refunds, returns, invoices and ways to pay, the questions
 * residents ask most in store groups. A store (or the brand) edits one by adding its own entry for
 * the same question: an entry whose question is nearly the same replaces the default.
 */
export interface DefaultFaq {
  key: string;
  questions: string[];
  answer: string;
}

export const DEFAULT_FAQS: DefaultFaq[] = [
  {
    key: 'refund_time',
    questions: ['退款多久到账', '退款多久能到账', '退款什么时候到账', '退的钱什么时候到', '退款几天到账', '钱什么时候退回来'],
    answer: '退款原路退回：微信支付一般 1-3 个工作日到账，银行卡 3-7 个工作日。超过 7 天还没到账，请 @店员 帮你查询。',
  },
  {
    key: 'refund_how',
    questions: ['怎么退款', '如何退款', '怎么申请退款', '退款怎么弄', '在哪里退款'],
    answer: '在小程序“我的订单”里找到这笔订单申请退款，店员审核后原路退回；有问题也可以直接 @店员。',
  },
  {
    key: 'returns',
    questions: ['怎么退货', '如何退货', '能退货吗', '可以退货吗', '退货流程', '怎么退换货', '可以换货吗', '买错了能退吗'],
    answer: '生鲜商品请签收时当面检查，有质量问题 24 小时内 @店员 或在小程序“我的订单”申请售后；非生鲜商品未拆封 7 天内可退换，带上小票或订单号到店办理。',
  },
  {
    key: 'invoice',
    questions: ['能开发票吗', '可以开发票吗', '怎么开发票', '发票怎么开', '能开专票吗', '发票在哪开'],
    answer: '可以开电子发票：到店结账时告诉收银员抬头和税号；线上订单请 @店员 提供订单号和抬头，店员开好后发给你。',
  },
  {
    key: 'medical_card',
    questions: ['可以用医保卡吗', '能刷医保卡吗', '医保卡能用吗', '支持医保卡吗', '能用社保卡吗', '医保能刷吗'],
    answer: '本店暂不支持医保卡（社保卡）支付，可以用微信、支付宝、银行卡或现金。',
  },
  {
    key: 'payment',
    questions: ['支持什么支付方式', '怎么付款', '能用支付宝吗', '可以刷卡吗', '收现金吗', '能用信用卡吗', '可以货到付款吗'],
    answer: '到店支持微信、支付宝、银行卡（含信用卡）和现金；小程序下单用微信支付，暂不支持货到付款。',
  },
];

/** A store's own entries replace the defaults they ask the same thing as (similarity at least this). */
const SAME_QUESTION = 0.9;

/** The defaults still in force next to the given entries (those no entry replaces). */
export function defaultFaqsBeside(entries: readonly { questions: readonly string[] }[]): DefaultFaq[] {
  const asked = entries.flatMap((entry) => entry.questions);
  return DEFAULT_FAQS.filter((faq) => !faq.questions.some((question) => asked.some((own) => questionSimilarity(question, own) >= SAME_QUESTION)));
}
