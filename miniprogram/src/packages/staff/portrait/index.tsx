import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { communityPortraitSchema } from '@o2o/shared/schemas/organisation';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api, type Community, type CommunityPortrait } from '../../../services/api';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';
import { myCommunities } from '../../../services/staff-api';
import '../staff.css';

type Choice<K extends keyof CommunityPortrait> = { field: K; label: string; options: { value: NonNullable<CommunityPortrait[K]>; text: string }[] };
const CHOICES = [
  { field: 'ageMix', label: '年龄结构', options: [{ value: 'young', text: '年轻' }, { value: 'mixed', text: '混合' }, { value: 'elderly', text: '老龄' }] } as Choice<'ageMix'>,
  { field: 'incomeLevel', label: '收入水平', options: [{ value: 'low', text: '较低' }, { value: 'middle', text: '中等' }, { value: 'high', text: '较高' }] } as Choice<'incomeLevel'>,
  { field: 'priceSensitivity', label: '价格敏感度', options: [{ value: 'low', text: '低' }, { value: 'medium', text: '中' }, { value: 'high', text: '高' }] } as Choice<'priceSensitivity'>,
];

function PortraitForm({ community, onSaved }: { community: Community; onSaved: () => void }) {
  const [portrait, setPortrait] = useState<CommunityPortrait>(community.portrait);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    const checked = communityPortraitSchema.safeParse(portrait);
    if (!checked.success) {
      toast('请检查填写内容');
      return;
    }
    setSaving(true);
    try {
      await api.updatePortrait(community.id, checked.data);
      toast('已保存', 'success');
      onSaved();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <View className='card'>
      <Text className='card-title'>{`${community.name} 画像`}</Text>
      {CHOICES.map((choice) => (
        <View key={choice.field}>
          <Text className='muted'>{choice.label}</Text>
          <View className='row'>
            {choice.options.map((option) => (
              <View
                key={option.value}
                className={`choice ${portrait[choice.field] === option.value ? 'choice-selected' : ''}`}
                onClick={() => setPortrait({ ...portrait, [choice.field]: option.value })}
              >
                <Text>{option.text}</Text>
              </View>
            ))}
          </View>
        </View>
      ))}
      <Text className='muted'>物业联系人</Text>
      <Input className='input' maxlength={100} value={portrait.propertyManagementContact ?? ''} onInput={(event) => setPortrait({ ...portrait, propertyManagementContact: event.detail.value })} />
      <Text className='muted'>进出小区须知</Text>
      <Input className='input' maxlength={500} value={portrait.accessNotes ?? ''} onInput={(event) => setPortrait({ ...portrait, accessNotes: event.detail.value })} />
      <Text className='muted'>备注</Text>
      <Input className='input' maxlength={1000} value={portrait.notes ?? ''} onInput={(event) => setPortrait({ ...portrait, notes: event.detail.value })} />
      <Button className='btn' disabled={saving} onClick={() => void save()}>
        {saving ? '保存中…' : '保存画像'}
      </Button>
    </View>
  );
}

function PortraitBody() {
  const staff = currentSession()?.staff ?? null;
  const communities = useRequest(async () => (staff?.storeId ? myCommunities(staff.storeId, staff.id) : []));
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <>
      <StateView loading={communities.loading} error={communities.error} data={communities.data} onRetry={() => void communities.reload()} isEmpty={(list) => list.length === 0} emptyText='你还没有负责的片区，画像只能由片区负责人填写，请联系店长分配'>
        {(list) => {
          const entry = list.find((item) => item.community.id === selected);
          return (
            <View>
              <View className='card'>
                <Text className='card-title'>我负责的片区</Text>
                <Text className='caption'>只能填写自己负责片区所在小区的画像</Text>
                {list.map((item) => (
                  <View key={item.community.id} className={`choice ${item.community.id === selected ? 'choice-selected' : ''}`} onClick={() => setSelected(item.community.id)} data-testid='portrait-community'>
                    <Text>{item.community.name}</Text>
                    <View>
                      <Text className='caption'>{`片区：${item.mySections.map((section) => section.name).join('、')} · ${item.community.households} 户${item.community.portraitUpdatedAt ? ' · 已有画像' : ' · 还没有画像'}`}</Text>
                    </View>
                  </View>
                ))}
              </View>
              {entry ? <PortraitForm key={entry.community.id} community={entry.community} onSaved={() => void communities.reload()} /> : null}
            </View>
          );
        }}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Portrait() {
  return (
    <StaffPage page='portrait'>
      <PortraitBody />
    </StaffPage>
  );
}
