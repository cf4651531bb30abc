import { Text, View } from '@tarojs/components';
import { RULE_LABELS } from '@o2o/shared/rules/moderation';
import { StaffPage } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatDateTime } from '../../../services/format';
import { staffApi, type ModerationCase } from '../../../services/staff-api';
import '../staff.css';

const PENALTY_TEXT: Record<ModerationCase['penalty'], string> = { warn: '警告', report: '提醒店长处理', remove: '移出群' };
const OUTCOME_TEXT: Record<NonNullable<ModerationCase['outcome']>, string> = { warned: '已警告', reported: '已提醒店长', removed: '已移出', asked_staff: '已请店员处理', failed: '执行失败' };

function ModerationBody() {
  const cases = useRequest(() => Promise.all([staffApi.moderation(), staffApi.groups()]));
  return (
    <>
      <StateView loading={cases.loading} error={cases.error} data={cases.data} onRetry={() => void cases.reload()} isEmpty={([list]) => list.length === 0} emptyText='最近没有违规记录'>
        {([list, groups]) => {
          const topics = new Map(groups.map((group) => [group.id, group.topic]));
          return (
            <View>
              <View className='card'>
                <Text className='caption'>机器人按群规处理：第 1 次警告，再犯提醒店长，多次移出群。证据是原消息，保留备查。</Text>
              </View>
              {list.map((item) => (
                <View key={item.id} className='card' data-testid='moderation-case'>
                  <View className='row'>
                    <Text className='card-title' style={{ marginBottom: 0 }}>{`${item.name} · ${RULE_LABELS[item.rule]}`}</Text>
                    <Text className={item.penalty === 'warn' ? 'tag tag-warn' : 'tag tag-red'}>{`第 ${item.strike} 次 · ${PENALTY_TEXT[item.penalty]}`}</Text>
                  </View>
                  <Text className='caption'>{`${formatDateTime(item.at)} · ${(item.groupId && topics.get(item.groupId)) || '社群'} · ${item.outcome ? OUTCOME_TEXT[item.outcome] : '处理中'}`}</Text>
                  <View className='notice notice-block mt-24'>
                    <Text className='muted'>{`原消息：${item.evidence.text || '（非文字消息）'}`}</Text>
                  </View>
                </View>
              ))}
            </View>
          );
        }}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Moderation() {
  return (
    <StaffPage page='moderation'>
      <ModerationBody />
    </StaffPage>
  );
}
