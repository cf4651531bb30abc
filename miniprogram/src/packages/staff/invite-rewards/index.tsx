import { Input, Switch, Text, View } from '@tarojs/components';
import { useEffect, useState } from 'react';
import { INVITE_TIER_NAMES, inviteTiersInputSchema, inviteTiersText, type InviteTier, type InviteTierConfig } from '@o2o/shared/schemas/invites';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { chinaMonth, staffApi } from '../../../services/staff-api';
import '../staff.css';

interface Draft {
  firstInviter: string;
  firstInvitee: string;
  repurchase: boolean;
  repurchaseInviter: string;
  repurchaseInvitee: string;
}

function draftOf(config: InviteTierConfig): Draft {
  const first = config.tiers.find((tier) => tier.key === 'first_order');
  const repurchase = config.tiers.find((tier) => tier.key === 'next_month_repurchase');
  return {
    firstInviter: String(first?.inviterPoints ?? 0),
    firstInvitee: String(first?.inviteePoints ?? 0),
    repurchase: Boolean(repurchase),
    repurchaseInviter: String(repurchase?.inviterPoints ?? 0),
    repurchaseInvitee: String(repurchase?.inviteePoints ?? 0),
  };
}

/** The tiers the draft describes; a field that is not a number stays one, so the schema names it. */
function tiersOf(draft: Draft): InviteTier[] {
  const points = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  const tiers: InviteTier[] = [{ key: 'first_order', inviterPoints: points(draft.firstInviter), inviteePoints: points(draft.firstInvitee) }];
  if (draft.repurchase) tiers.push({ key: 'next_month_repurchase', inviterPoints: points(draft.repurchaseInviter), inviteePoints: points(draft.repurchaseInvitee) });
  return tiers;
}

function PointsField({ label, value, onChange, testId }: { label: string; value: string; onChange: (value: string) => void; testId: string }) {
  return (
    <View className='row mb-16'>
      <Text>{label}</Text>
      <View className='row'>
        <Input className='input input-points' type='number' maxlength={5} value={value} onInput={(event) => onChange(event.detail.value)} data-testid={testId} />
        <Text className='muted'>积分</Text>
      </View>
    </View>
  );
}

/** Operations set what an invite pays at each tier; a save is a new version, for invitees who reach a tier after it. */
function TiersCard({ config, onSaved }: { config: InviteTierConfig; onSaved: (config: InviteTierConfig) => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(config));
  const [saving, setSaving] = useState(false);
  useEffect(() => setDraft(draftOf(config)), [config]);
  const set = (field: keyof Draft) => (value: string | boolean) => setDraft((current) => ({ ...current, [field]: value }));
  const checked = inviteTiersInputSchema.safeParse({ tiers: tiersOf(draft) });
  const problem = checked.success ? null : (checked.error.issues[0]?.message ?? '请检查积分');

  const save = async () => {
    if (!checked.success) return;
    setSaving(true);
    try {
      onSaved(await staffApi.setInviteTiers(checked.data));
      toast('奖励档位已保存', 'success');
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <View className='card' data-testid='invite-tiers'>
      <Text className='card-title'>奖励档位</Text>
      <Text className='block mb-16' data-testid='invite-tiers-summary'>{config.summaryText}</Text>
      <Text className='caption block mb-16'>
        {config.version === 0 ? '目前是系统默认设置（只有首单奖励）' : `第 ${config.version} 版，${config.setAt ? formatDateTime(config.setAt) : ''}保存`}
      </Text>
      <Text className='section-title'>{INVITE_TIER_NAMES.first_order}</Text>
      <PointsField label='邀请人得' value={draft.firstInviter} onChange={set('firstInviter')} testId='tier-first-inviter' />
      <PointsField label='被邀请的邻居得' value={draft.firstInvitee} onChange={set('firstInvitee')} testId='tier-first-invitee' />
      <View className='row mb-16'>
        <Text className='section-title' style={{ margin: 0 }}>{INVITE_TIER_NAMES.next_month_repurchase}</Text>
        <Switch checked={draft.repurchase} color='#1aad5c' onChange={(event) => set('repurchase')(event.detail.value)} data-testid='tier-repurchase-on' />
      </View>
      {draft.repurchase ? (
        <View>
          <PointsField label='邀请人再得' value={draft.repurchaseInviter} onChange={set('repurchaseInviter')} testId='tier-repurchase-inviter' />
          <PointsField label='被邀请的邻居再得' value={draft.repurchaseInvitee} onChange={set('repurchaseInvitee')} testId='tier-repurchase-invitee' />
        </View>
      ) : null}
      {problem ? (
        <Text className='field-error block mb-16' data-testid='invite-tiers-problem'>{problem}</Text>
      ) : (
        <Text className='caption block mb-16'>{`保存后居民看到：${inviteTiersText(tiersOf(draft))}`}</Text>
      )}
      <Text className='caption block mb-16'>有待审核或审核未通过的风控标记、或被标为低质邀请的邀请人不发档位奖励，被邀请的邻居照常得。首单奖励在邻居注册时按当时的档位冻结，改动只影响之后注册的邻居。</Text>
      <Btn disabled={saving || !checked.success} testId='invite-tiers-save' onClick={() => void save()}>
        {saving ? '保存中…' : '保存档位'}
      </Btn>
    </View>
  );
}

const MONTHS = [0, -1] as const;

function Leaderboard() {
  const [offset, setOffset] = useState<(typeof MONTHS)[number]>(0);
  const month = chinaMonth(offset);
  const board = useRequest(() => staffApi.inviteLeaderboard(month), [month]);
  return (
    <View className='card' data-testid='invite-leaderboard'>
      <View className='row'>
        <Text className='card-title' style={{ marginBottom: 0 }}>邀请榜</Text>
        <View className='segmented segmented-inline'>
          {MONTHS.map((option) => (
            <View key={option} className={`segment ${option === offset ? 'segment-on' : ''}`} onClick={() => setOffset(option)} data-testid={`leaderboard-month-${-option}`}>
              <Text>{option === 0 ? '本月' : '上月'}</Text>
            </View>
          ))}
        </View>
      </View>
      <Text className='caption block mb-16'>只计邻居已完成首单的邀请；有风控标记或低质邀请的邀请人不上榜</Text>
      <StateView loading={board.loading} error={board.error} data={board.data} onRetry={() => void board.reload()} isEmpty={(data) => data.rows.length === 0} emptyText='这个月还没有邻居通过邀请完成首单'>
        {(data) => (
          <View>
            {data.rows.map((row) => (
              <View key={row.inviterId ?? `${row.rank}:${row.displayName}`} className='table-row' style={{ justifyContent: 'space-between' }} data-testid='leaderboard-row'>
                <Text>{`第 ${row.rank} 名 · ${row.displayName}`}</Text>
                <Text className='muted' data-testid='leaderboard-count'>{`${row.qualifiedInvitees} 位邻居完成首单`}</Text>
              </View>
            ))}
          </View>
        )}
      </StateView>
    </View>
  );
}

function Body() {
  const tiers = useRequest(() => staffApi.inviteTiers());
  const [saved, setSaved] = useState<InviteTierConfig | null>(null);
  return (
    <>
      <StateView loading={tiers.loading} error={tiers.error} data={saved ?? tiers.data} onRetry={() => void tiers.reload()}>
        {(config) => <TiersCard config={config} onSaved={setSaved} />}
      </StateView>
      <Leaderboard />
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function InviteRewards() {
  return (
    <StaffPage page='invite-rewards'>
      <Body />
    </StaffPage>
  );
}
