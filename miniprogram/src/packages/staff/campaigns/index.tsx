import { Input, Picker, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { fieldValueProblem, type TemplateFieldKind } from '@o2o/shared/rules/campaigns';
import { pushInputSchema, type DeliveryCounts } from '@o2o/shared/schemas/campaigns';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { staffApi, type PushListItemView, type PushView, type SendReportView, type StaffAudience, type TemplateView } from '../../../services/staff-api';
import { HoldoutView } from '../components/holdout-view';
import '../staff.css';

/** What a value of each WeChat keyword kind must look like, as the person filling it in reads it. */
const KIND_HINT: Record<TemplateFieldKind, string> = {
  thing: '不超过 20 个字',
  number: '数字，如 100',
  letter: '英文字母，不超过 32 个',
  symbol: '符号，不超过 5 个',
  character_string: '字母、数字或符号，不超过 32 个',
  time: '时间，如 2026年12月5日 09:00',
  date: '日期，如 2026年12月5日',
  amount: '金额，如 ¥12.50',
  phone_number: '电话号码，如 021-12345678',
  name: '姓名，不超过 10 个汉字',
  phrase: '不超过 5 个汉字，如 已到货',
};

/** Resident pages a message may open. */
const MESSAGE_PAGES = [
  { path: 'pages/offers/index', name: '优惠活动' },
  { path: 'pages/home/index', name: '首页（任务和积分）' },
  { path: 'pages/store/index', name: '门店和社群' },
  { path: 'pages/coupons/index', name: '我的优惠券' },
  { path: 'pages/rewards/index', name: '积分兑换' },
] as const;

const STATUS_TEXT: Record<PushView['status'], { text: string; className: string }> = {
  created: { text: '未发送', className: 'tag tag-warn' },
  sending: { text: '发送中', className: 'tag tag-grey' },
  paused_quota: { text: '今日额度已用完，待续发', className: 'tag tag-warn' },
  completed: { text: '已发送', className: 'tag' },
};

/** The delivery outcomes in the order staff read them, with what each means. */
const COUNT_TEXT: { key: keyof DeliveryCounts; name: string }[] = [
  { key: 'sent', name: '已发送' },
  { key: 'no_grant', name: '未授权跳过' },
  { key: 'refused', name: '已拒收' },
  { key: 'failed', name: '发送失败' },
  { key: 'invalid_openid', name: '账号无效' },
  { key: 'unknown', name: '结果不确定' },
  { key: 'held_out', name: '对照组不发' },
  { key: 'pending', name: '待发送' },
  { key: 'sending', name: '正在发送' },
];

/** How much of the audience to hold out as a control group, so the push's effect can be measured against it. */
const HOLDOUT_OPTIONS = [
  { share: 0, name: '不留' },
  { share: 0.1, name: '10%' },
  { share: 0.2, name: '20%' },
];

const pageName = (path: string) => MESSAGE_PAGES.find((page) => page.path === path)?.name ?? path;

function AudienceCount({ audienceId }: { audienceId: string }) {
  const count = useRequest(() => staffApi.audienceCount(audienceId), [audienceId]);
  return <Text>{count.data ? ` · ${count.data.count} 人` : count.error ? ' · 人数暂不可用' : ' · 计算中…'}</Text>;
}

/** The message as the resident's WeChat shows it: the template's title, its fields, and the page it opens. */
function MessagePreview({ template, data, page }: { template: TemplateView; data: Record<string, string>; page: string }) {
  return (
    <View className='message-card' data-testid='push-preview'>
      <Text className='text-body weight-500 block'>{template.title}</Text>
      {template.fields.map((field) => (
        <View key={field.name} className='message-row'>
          <Text className='message-key'>{field.label}</Text>
          <Text className='grow'>{data[field.name]?.trim() || '（未填写）'}</Text>
        </View>
      ))}
      <View className='divider' />
      <Text className='caption'>{`进入小程序查看：${pageName(page)}`}</Text>
    </View>
  );
}

function Composer({ templates, audiences, onCreated }: { templates: TemplateView[]; audiences: StaffAudience[]; onCreated: (push: PushView) => void }) {
  const [templateId, setTemplateId] = useState(templates[0]?.id ?? '');
  const [audienceId, setAudienceId] = useState<string | null>(null);
  const [data, setData] = useState<Record<string, string>>({});
  const [name, setName] = useState('');
  const [pageIndex, setPageIndex] = useState(0);
  const [previewing, setPreviewing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [holdoutShare, setHoldoutShare] = useState(0);
  const template = templates.find((candidate) => candidate.id === templateId) ?? null;
  const problems = template ? template.fields.filter((field) => fieldValueProblem(field.kind, data[field.name] ?? '') !== null) : [];
  const ready = Boolean(template && audienceId && name.trim() && problems.length === 0);
  const page = MESSAGE_PAGES[pageIndex].path;

  const create = async () => {
    if (!template || !audienceId) return;
    const fields = Object.fromEntries(template.fields.map((field) => [field.name, (data[field.name] ?? '').trim()]));
    const checked = pushInputSchema.safeParse({ name, target: { audienceId }, templateId: template.id, data: fields, page, ...(holdoutShare > 0 ? { holdoutShare } : {}) });
    if (!checked.success) {
      toast('请检查推送内容');
      return;
    }
    setSaving(true);
    try {
      const push = await staffApi.createPush(checked.data);
      toast('推送已创建，确认后发送', 'success');
      setName('');
      setData({});
      setHoldoutShare(0);
      setPreviewing(false);
      onCreated(push);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <View className='card' data-testid='push-form'>
      <Text className='card-title'>新建订阅消息</Text>
      <Text className='caption block mb-16'>只有授权过该模板的居民会收到，每次授权可收一条</Text>
      <Text className='field-label'>消息模板</Text>
      <View className='chips'>
        {templates.map((option) => (
          <View
            key={option.id}
            className={`chip ${option.id === templateId ? 'chip-on' : ''}`}
            onClick={() => {
              setTemplateId(option.id);
              setData({});
            }}
            data-testid={`push-template-${option.key}`}
          >
            <Text>{option.title}</Text>
          </View>
        ))}
      </View>
      {template ? <Text className='caption block mb-16'>{template.purpose}</Text> : null}
      {template?.fields.map((field) => {
        const value = data[field.name] ?? '';
        const wrong = value !== '' && fieldValueProblem(field.kind, value) !== null;
        return (
          <View key={field.name} className='field' data-testid='push-field' data-field={field.name}>
            <Text className='field-label'>{field.label}</Text>
            <Input
              className={`input ${wrong ? 'input-error' : ''}`}
              placeholder={KIND_HINT[field.kind]}
              maxlength={40}
              value={value}
              onInput={(event) => setData((current) => ({ ...current, [field.name]: event.detail.value }))}
              data-testid={`push-field-${field.name}`}
            />
            {wrong ? <Text className='field-error'>{`格式不对：${KIND_HINT[field.kind]}`}</Text> : null}
          </View>
        );
      })}
      <Text className='field-label mt-16'>发给哪个人群</Text>
      {audiences.length === 0 ? (
        <Text className='muted block mb-16'>还没有保存的人群，先到「人群」页圈选并保存</Text>
      ) : (
        <View className='chips'>
          {audiences.map((audience) => (
            <View key={audience.id} className={`chip ${audience.id === audienceId ? 'chip-on' : ''}`} onClick={() => setAudienceId(audience.id)} data-testid='push-audience' data-audience={audience.id}>
              <Text>{audience.name}</Text>
              <AudienceCount audienceId={audience.id} />
            </View>
          ))}
        </View>
      )}
      <Picker mode='selector' range={MESSAGE_PAGES.map((option) => option.name)} value={pageIndex} onChange={(event) => setPageIndex(Number(event.detail.value))}>
        <View className='row choice' data-testid='push-page'>
          <Text>点开后进入</Text>
          <Text className='muted'>{`${MESSAGE_PAGES[pageIndex].name} ›`}</Text>
        </View>
      </Picker>
      <Text className='field-label mt-16'>留出对照组</Text>
      <View className='chips'>
        {HOLDOUT_OPTIONS.map((option) => (
          <View key={option.name} className={`chip ${option.share === holdoutShare ? 'chip-on' : ''}`} onClick={() => setHoldoutShare(option.share)} data-testid={`push-holdout-${option.share * 100}`}>
            <Text>{option.name}</Text>
          </View>
        ))}
      </View>
      <Text className='caption block mb-16'>{holdoutShare > 0 ? `随机留出 ${holdoutShare * 100}% 的居民不发，之后对比两组下单，算出这条消息真正带来的变化` : '全部发送：只能看到收到的人买了多少，看不出是不是消息带来的'}</Text>
      <Input className='input' placeholder='推送名称（居民看不到），如：周末菠菜特价' maxlength={60} value={name} onInput={(event) => setName(event.detail.value)} data-testid='push-name' />
      {previewing && template ? <MessagePreview template={template} data={data} page={page} /> : null}
      <View className='row mt-24'>
        <Btn small variant='plain' disabled={!template} testId='push-preview-button' onClick={() => setPreviewing(true)}>
          预览
        </Btn>
        <Btn small disabled={saving || !ready} testId='push-create' onClick={() => void create()}>
          {saving ? '创建中…' : '创建推送'}
        </Btn>
      </View>
    </View>
  );
}

function Counts({ counts }: { counts: DeliveryCounts }) {
  return (
    <View className='count-grid' data-testid='push-counts'>
      {COUNT_TEXT.filter(({ key }) => key === 'sent' || key === 'no_grant' || key === 'pending' || (counts[key] ?? 0) > 0).map(({ key, name }) => (
        <View key={key} className='count-cell' data-testid={`push-count-${key}`}>
          <Text className='count-number'>{counts[key]}</Text>
          <Text className='caption'>{name}</Text>
        </View>
      ))}
    </View>
  );
}

/** A sent push with a control group: orders in the 7 days after it went out, reached vs held out. */
function PushEffect({ pushId }: { pushId: string }) {
  const effect = useRequest(() => staffApi.pushEffect(pushId, 7), [pushId]);
  return (
    <StateView loading={effect.loading} error={effect.error} data={effect.data} onRetry={() => void effect.reload()}>
      {(data) => (
        <View>
          <HoldoutView holdout={data.comparison} period={`发送后 ${data.days} 天`} testId='push-holdout' />
          {!data.complete ? <Text className='caption block'>发送还不到 7 天，数字还会变化</Text> : null}
        </View>
      )}
    </StateView>
  );
}

function PushCard({ item, opened, onOpen }: { item: PushListItemView; opened: boolean; onOpen: () => void }) {
  const detail = useRequest(() => staffApi.push(item.id), [item.id, opened], opened);
  const [sending, setSending] = useState(false);
  const [report, setReport] = useState<SendReportView | null>(null);
  const push = report?.push ?? detail.data;
  const status = push?.status ?? item.status;

  const send = async () => {
    const { confirm } = await Taro.showModal({
      title: '发送订阅消息',
      content: `发给「${item.target.audienceName ?? '人群'}」的 ${item.targeted} 位居民，只有授权过「${item.templateTitle}」的居民会收到，每人最多一条。确定发送？`,
      confirmText: '发送',
    });
    if (!confirm) return;
    setSending(true);
    try {
      const result = await staffApi.sendPush(item.id);
      setReport(result);
      onOpen();
      toast(result.stoppedBy === 'quota' ? `今日额度已用完，已发 ${result.run.sent} 条` : `已发送 ${result.run.sent} 条`, 'success');
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSending(false);
    }
  };

  return (
    <View className='bar-row' data-testid='push-item' data-push={item.id}>
      <View className='row'>
        <Text className='bar-label'>{item.name}</Text>
        <Text className={STATUS_TEXT[status].className} data-testid='push-status'>{STATUS_TEXT[status].text}</Text>
      </View>
      <Text className='caption block'>{`${item.templateTitle} · 发给「${item.target.audienceName ?? '商品兴趣人群'}」${item.targeted} 人`}</Text>
      <Text className='caption block'>{`创建于 ${formatDateTime(item.createdAt)}${push?.lastSentAt ? ` · 最近发送 ${formatDateTime(push.lastSentAt)}` : ''}`}</Text>
      {item.holdoutShare > 0 ? <Text className='caption block'>{`留出 ${Math.round(item.holdoutShare * 100)}% 对照组`}</Text> : null}
      {opened ? (
        report ? (
          <Counts counts={report.push.counts} />
        ) : (
          <StateView loading={detail.loading} error={detail.error} data={detail.data} onRetry={() => void detail.reload()}>
            {(data) => <Counts counts={data.counts} />}
          </StateView>
        )
      ) : null}
      {opened && item.holdoutShare > 0 && (push?.lastSentAt ?? item.lastSentAt) ? <PushEffect pushId={item.id} /> : null}
      {!opened || status !== 'completed' ? (
        <View className='row mt-16'>
          {opened ? (
            <View />
          ) : (
            <Btn small variant='plain' testId='push-open' onClick={onOpen}>
              发送情况
            </Btn>
          )}
          {status !== 'completed' ? (
            <Btn small disabled={sending} testId='push-send' onClick={() => void send()}>
              {sending ? '发送中…' : status === 'created' ? '发送' : '继续发送'}
            </Btn>
          ) : null}
        </View>
      ) : null}
    </View>
  );
}

function CampaignsBody() {
  const templates = useRequest(() => staffApi.pushTemplates());
  const audiences = useRequest(() => staffApi.audiences());
  const pushes = useRequest(() => staffApi.pushes());
  const [opened, setOpened] = useState<Set<string>>(new Set());
  const open = (id: string) => setOpened((current) => new Set(current).add(id));
  return (
    <>
      <StateView loading={templates.loading || audiences.loading} error={templates.error ?? audiences.error} data={templates.data && audiences.data ? { templates: templates.data, audiences: audiences.data } : null} onRetry={() => void Promise.all([templates.reload(), audiences.reload()])} skeletonRows={4}>
        {(data) => (
          <Composer
            templates={data.templates}
            audiences={data.audiences}
            onCreated={(push) => {
              open(push.id);
              void pushes.reload();
            }}
          />
        )}
      </StateView>
      <View className='card'>
        <Text className='card-title'>推送记录</Text>
        <StateView loading={pushes.loading} error={pushes.error} data={pushes.data} onRetry={() => void pushes.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有订阅消息推送'>
          {(list) => (
            <View>
              {list.map((item) => (
                <PushCard key={item.id} item={item} opened={opened.has(item.id)} onOpen={() => open(item.id)} />
              ))}
            </View>
          )}
        </StateView>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Campaigns() {
  return (
    <StaffPage page='campaigns'>
      <CampaignsBody />
    </StaffPage>
  );
}
