import { Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { fraudDecisionSchema, fraudReviewSchema, type FraudReview } from '@o2o/shared/schemas/invites';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDate, formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { client } from '../../../services/session';
import { staffApi, type StaffFraudFlag } from '../../../services/staff-api';
import '../staff.css';

const RULE_TEXT: Record<StaffFraudFlag['rule'], string> = { burst_1d: '24 小时内邀请过多', burst_window: '短期内邀请过多', low_quality_invitees: '被邀请人大多只领积分或点赞' };
const QUALITY_TEXT = { substantive: '有消费、评论或发帖', point_collecting: '只领积分或点赞转发', inactive: '注册后没有动作' } as const;
const STATUS_TEXT = { open: '待审核', released: '已放行', cancelled: '已取消奖励' } as const;

/** The rule's evidence in a sentence (the numbers the rule fired on). */
function evidenceText(flag: StaffFraudFlag): string {
  const evidence = flag.evidence as Record<string, unknown>;
  const number = (key: string) => (typeof evidence[key] === 'number' ? (evidence[key] as number) : null);
  if (flag.rule === 'low_quality_invitees') {
    const share = number('threshold');
    return `已判断 ${number('judged') ?? '—'} 位被邀请人，其中 ${number('lowQuality') ?? '—'} 位只领积分、点赞转发或无动作（阈值 ${share !== null ? Math.round(share * 100) : '—'}%）`;
  }
  const start = typeof evidence.windowStart === 'string' ? formatDateTime(evidence.windowStart) : '';
  return `${start ? `自 ${start} 起` : ''}邀请了 ${number('count') ?? '—'} 人，超过阈值 ${number('threshold') ?? '—'} 人`;
}

const loadReview = async (flagId: string) => fraudReviewSchema.parse(await client.request({ method: 'GET', path: `/invites/flags/${flagId}/review` }));

function FlagCard({ flag, onDecided }: { flag: StaffFraudFlag; onDecided: () => void }) {
  const [open, setOpen] = useState(false);
  const review = useRequest<FraudReview>(() => loadReview(flag.id), [flag.id, open], open);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'release' | 'cancel') => {
    const checked = fraudDecisionSchema.safeParse({ decision, note: note.trim() });
    if (!checked.success) {
      toast('请写明理由（2 到 300 字）');
      return;
    }
    setBusy(true);
    try {
      await staffApi.decideFlag(flag.id, checked.data.decision, checked.data.note);
      toast(decision === 'release' ? '已放行' : '已取消奖励', 'success');
      onDecided();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='card' data-testid='flag-card' data-flag={flag.id}>
      <View className='row'>
        <Text className='card-title' style={{ marginBottom: 0 }}>{RULE_TEXT[flag.rule]}</Text>
        <Text className={flag.status === 'open' ? 'tag tag-warn' : 'tag tag-grey'}>{STATUS_TEXT[flag.status]}</Text>
      </View>
      <Text className='muted' data-testid='flag-evidence'>{evidenceText(flag)}</Text>
      <View>
        <Text className='caption'>{`${formatDateTime(flag.createdAt)} 标记 · 冻结奖励 ${flag.heldRewards} 笔`}</Text>
      </View>
      {flag.decisionNote ? <Text className='caption'>{`处理理由：${flag.decisionNote}`}</Text> : null}
      {!open ? (
        <View className='mt-24'>
          <Btn small variant='plain' testId='flag-open' onClick={() => setOpen(true)}>
            查看邀请人和被邀请人
          </Btn>
        </View>
      ) : (
        <StateView loading={review.loading} error={review.error} data={review.data} onRetry={() => void review.reload()}>
          {(data) => (
            <View data-testid='flag-review'>
              <View className='notice notice-block mt-24'>
                <View>
                  <Text className='text-body'>{`邀请人：${data.inviter.nickname ?? '未填写昵称'}${data.inviter.phoneTail ? `（尾号 ${data.inviter.phoneTail}）` : ''}`}</Text>
                  <View>
                    <Text className='caption'>{`${data.inviter.storeName ?? '未归属门店'}${data.inviter.registeredAt ? ` · ${formatDate(data.inviter.registeredAt)}注册` : ''}`}</Text>
                  </View>
                </View>
              </View>
              <Text className='section-title'>{`被邀请人（${data.invitees.length}）`}</Text>
              {data.invitees.map((invitee) => (
                <View key={invitee.id} className='bar-row' data-testid='flag-invitee'>
                  <View className='row'>
                    <Text>{invitee.nickname ?? '未填写昵称'}</Text>
                    <Text className={invitee.quality === 'substantive' ? 'tag' : 'tag tag-warn'}>{QUALITY_TEXT[invitee.quality]}</Text>
                  </View>
                  <View><Text className='caption'>{`${formatDate(invitee.registeredAt)}注册 · 订单 ${invitee.orders} · 评论 ${invitee.comments} · 发帖 ${invitee.posts}${invitee.orderShows > 0 ? `（晒单 ${invitee.orderShows}）` : ''}`}</Text></View>
                  <View><Text className='caption' data-testid='flag-invitee-cheap'>{`点赞/收藏/转发 ${invitee.reactions} · 只领积分 ${invitee.pointActions}`}</Text></View>
                </View>
              ))}
              {data.decision ? (
                <Text className='caption' data-testid='flag-decision'>{`${formatDateTime(data.decision.at)} ${data.decision.decision === 'release' ? '放行' : '取消'}：${data.decision.note}`}</Text>
              ) : null}
              {flag.status === 'open' ? (
                <View className='mt-24'>
                  <Input className='input' placeholder='处理理由（必填），如：电话核实为真实邻居' maxlength={300} value={note} onInput={(event) => setNote(event.detail.value)} data-testid='flag-note' />
                  <View className='row'>
                    <Btn small variant='plain' disabled={busy} testId='flag-release' onClick={() => void decide('release')}>
                      放行奖励
                    </Btn>
                    <Btn small variant='danger' disabled={busy} testId='flag-cancel' onClick={() => void decide('cancel')}>
                      取消奖励
                    </Btn>
                  </View>
                </View>
              ) : null}
            </View>
          )}
        </StateView>
      )}
    </View>
  );
}

function FlagsBody() {
  const [status, setStatus] = useState<'open' | 'all'>('open');
  const flags = useRequest(async () => {
    const list = await staffApi.flags();
    return status === 'open' ? list.filter((flag) => flag.status === 'open') : list;
  }, [status]);
  return (
    <>
      <View className='card row'>
        <Text>风控标记</Text>
        <View className='segmented segmented-inline'>
          <View className={`segment ${status === 'open' ? 'segment-on' : ''}`} onClick={() => setStatus('open')}>
            <Text>待审核</Text>
          </View>
          <View className={`segment ${status === 'all' ? 'segment-on' : ''}`} onClick={() => setStatus('all')} data-testid='flags-all'>
            <Text>全部</Text>
          </View>
        </View>
      </View>
      <StateView loading={flags.loading} error={flags.error} data={flags.data} onRetry={() => void flags.reload()} isEmpty={(list) => list.length === 0} emptyText='没有待审核的风控标记'>
        {(list) => (
          <View>
            {list.map((flag) => (
              <FlagCard key={flag.id} flag={flag} onDecided={() => void flags.reload()} />
            ))}
          </View>
        )}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Flags() {
  return (
    <StaffPage page='flags'>
      <FlagsBody />
    </StaffPage>
  );
}
