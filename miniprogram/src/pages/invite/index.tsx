import { Image, Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useShareAppMessage } from '@tarojs/taro';
import { useEffect, useState } from 'react';
import { chinaMonthKey } from '@o2o/shared/rules/china-time';
import { INVITE_TIER_NAMES, type InviteLeaderboard, type InviteStage, type InviteTierConfig } from '@o2o/shared/schemas/invites';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { ErrorState, LoadingState, StateView } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { sharedPath } from '../../services/touches';
import { api, type MyInvites } from '../../services/api';
import { errorText } from '../../services/errors';
import { formatDate } from '../../services/format';
import { toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';
import { renderPoster, savePoster } from '../../services/poster-image';
import { qrMatrix } from '../../services/qr';

const STAGE_TAG: Record<InviteStage, string> = { registered: 'tag tag-warn', first_order: 'tag', rewarded: 'tag tag-solid', lapsed: 'tag tag-grey' };
const STAGES: InviteStage[] = ['registered', 'first_order', 'rewarded', 'lapsed'];
const STAGE_SHORT: Record<InviteStage, string> = { registered: '已注册', first_order: '已下首单', rewarded: '奖励已到账', lapsed: '已失效' };

function Poster({ invite }: { invite: MyInvites }) {
  const [source, setSource] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    let alive = true;
    renderPoster({
      storeName: invite.store?.name ?? '邻里鲜生',
      inviterName: invite.inviterName,
      inviteeRewardText: invite.inviteeRewardText,
      inviterRewardPoints: invite.rewardPoints,
      inviteCode: invite.inviteCode,
      qr: qrMatrix(invite.h5Url),
    }).then(
      (src) => alive && setSource(src),
      (error: unknown) => alive && setFailure(error),
    );
    return () => {
      alive = false;
    };
  }, [invite]);

  const save = async () => {
    if (!source) return;
    setSaving(true);
    try {
      toast((await savePoster(source)) === 'saved' ? '海报已保存到相册' : '海报已下载');
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  const copyLink = () => {
    void Taro.setClipboardData({ data: isH5 ? invite.h5Url : invite.inviteCode }).then(() => toast(isH5 ? '邀请链接已复制' : '邀请码已复制'));
  };

  return (
    <View className='card center' data-testid='invite-poster'>
      {failure ? <ErrorState error={failure} /> : null}
      {!failure && !source ? <LoadingState rows={3} /> : null}
      {source ? <Image className='poster' src={source} mode='scaleToFill' showMenuByLongpress data-testid='invite-poster-image' /> : null}
      <View className='btn-row mt-24'>
        {isH5 ? null : (
          <Btn small openType='share' testId='invite-share'>
            分享给邻居
          </Btn>
        )}
        <Btn small variant={isH5 ? 'primary' : 'plain'} disabled={!source || saving} onClick={() => void save()} testId='invite-save'>
          {isH5 ? '下载海报' : '保存到相册'}
        </Btn>
        <Btn small variant='plain' onClick={copyLink} testId='invite-copy'>
          {isH5 ? '复制链接' : '复制邀请码'}
        </Btn>
      </View>
    </View>
  );
}

function Rules({ invite, tiers }: { invite: MyInvites; tiers: InviteTierConfig | null }) {
  return (
    <View className='card' data-testid='invite-rules'>
      <Text className='card-title'>邀请规则</Text>
      <View className='list-row'>
        <Icon name='invite' size={40} />
        <View className='gap-16 grow'>
          <Text className='text-body block'>{`邻居扫你的海报或打开你分享的链接注册，${invite.qualifyDays} 天内完成首单算邀请成功`}</Text>
          <Text className='text-strong block mt-8' data-testid='invite-tiers'>
            {tiers ? tiers.summaryText : `邻居首单你得 ${invite.rewardPoints} 积分`}
          </Text>
          {tiers
            ? tiers.tiers.map((tier) => (
                <Text className='caption block' key={tier.key} data-testid='invite-tier'>
                  {`${INVITE_TIER_NAMES[tier.key]}：你得 ${tier.inviterPoints} 积分，邻居得 ${tier.inviteePoints} 积分`}
                </Text>
              ))
            : null}
          <Text className='caption block mt-8'>被风控标记或邀请质量低的账号不参与档位奖励和排行榜</Text>
        </View>
      </View>
      <View className='list-row'>
        <Icon name='gift' color={COLORS.warn} size={40} />
        <Text className='text-body gap-16 grow'>{`邻居得：${invite.inviteeRewardText}`}</Text>
      </View>
      <View className='list-row'>
        <Icon name='key' color={COLORS.muted} size={40} />
        <View className='gap-16 grow'>
          <Text className='muted block'>我的邀请码</Text>
          <Text className='code-text' data-testid='invite-code'>
            {invite.inviteCode}
          </Text>
        </View>
      </View>
    </View>
  );
}

function Leaderboard({ board }: { board: InviteLeaderboard }) {
  const mine = board.mine;
  const mineText = mine?.excludedReason
    ? `暂不参与排名：${mine.excludedReason}`
    : mine?.rank
      ? `我的排名：第 ${mine.rank} 名，${mine.qualifiedInvitees} 位邻居完成首单`
      : '本月还没有你邀请的邻居完成首单';
  return (
    <View className='card' data-testid='invite-leaderboard'>
      <View className='card-header'>
        <Text className='card-title'>{`${Number(board.month.slice(5))}月邀请榜`}</Text>
        <Text className='caption'>只计完成首单的邻居</Text>
      </View>
      <Text className='text-body block' data-testid='leaderboard-mine'>
        {mineText}
      </Text>
      {board.rows.length === 0 ? <Text className='muted block mt-16'>本月还没有人上榜，邀请邻居完成首单就能上榜</Text> : null}
      {board.rows.map((row) => (
        <View className='list-row rank-row' key={`${row.rank}-${row.displayName}-${row.qualifiedInvitees}`} data-testid='leaderboard-row'>
          <Text className={row.rank <= 3 ? 'rank-number rank-top' : 'rank-number'}>{row.rank}</Text>
          <Text className='text-body grow gap-16'>{row.displayName}</Text>
          <Text className='text-body'>{`${row.qualifiedInvitees} 位邻居`}</Text>
        </View>
      ))}
    </View>
  );
}

function Invitees({ invite }: { invite: MyInvites }) {
  const count = (stage: InviteStage) => invite.invited.filter((entry) => entry.stage === stage).length;
  return (
    <View className='card' data-testid='invitees'>
      <View className='card-header'>
        <Text className='card-title'>{`我邀请的邻居（${invite.invited.length}）`}</Text>
      </View>
      <View className='stats'>
        {STAGES.map((stage) => (
          <View className='stat' key={stage}>
            <Text className='stat-number'>{count(stage)}</Text>
            <Text className='stat-label'>{STAGE_SHORT[stage]}</Text>
          </View>
        ))}
      </View>
      {invite.invited.length === 0 ? <Text className='muted block mt-16'>还没有邻居通过你的邀请注册，把海报分享到小区群试试吧</Text> : null}
      {invite.invited.map((invitee) => (
        <View className='list-row' key={invitee.inviteeId} data-testid='invitee' data-stage={invitee.stage}>
          <View className='avatar avatar-small'>
            <Text>{[...invitee.displayName][0]}</Text>
          </View>
          <View className='grow gap-16'>
            <Text className='text-body block'>{invitee.displayName}</Text>
            <Text className='caption block'>
              {invitee.stage === 'registered' ? `${formatDate(invitee.qualifyBy)}前完成首单，你得 ${invitee.rewardPoints} 积分` : `${formatDate(invitee.registeredAt)}注册`}
            </Text>
          </View>
          <Text className={STAGE_TAG[invitee.stage]}>{invitee.stage === 'rewarded' ? `${invitee.stageText} +${invitee.rewardPoints}` : invitee.stageText}</Text>
        </View>
      ))}
    </View>
  );
}

export default function Invite() {
  const allowed = useResidentPage();
  const invites = useRequest(() => api.invites(), [], allowed);
  const tiers = useRequest(() => api.inviteTiers(), [], allowed);
  const month = chinaMonthKey(new Date());
  const board = useRequest(() => api.inviteLeaderboard(month), [month], allowed);

  useShareAppMessage(() => ({
    title: invites.data ? `${invites.data.inviterName}邀你一起逛${invites.data.store?.name ?? '邻里鲜生'}，新人注册领积分` : '邻居邀你一起逛邻里鲜生',
    path: sharedPath(invites.data?.sharePath ?? '/pages/landing/index'),
  }));
  usePullDownRefresh(() => {
    void Promise.all([invites.reload(), tiers.reload(), board.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-invite'>
      <StateView loading={invites.loading} error={invites.error} data={invites.data} onRetry={() => void invites.reload()} skeletonRows={4}>
        {(data) => (
          <View>
            <Poster invite={data} />
            <Rules invite={data} tiers={tiers.data} />
            {board.data ? <Leaderboard board={board.data} /> : null}
            {board.error ? (
              <View className='card'>
                <ErrorState error={board.error} onRetry={() => void board.reload()} />
              </View>
            ) : null}
            <Invitees invite={data} />
          </View>
        )}
      </StateView>
    </View>
  );
}
