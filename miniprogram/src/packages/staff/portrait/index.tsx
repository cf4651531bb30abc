import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { communityPortraitSchema } from '@o2o/shared/schemas/organisation';
import { StaffNav, StaffOnly } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { ROUTES } from '../../../constants/routes';
import { useRequest } from '../../../hooks/use-request';
import { api, type Community, type CommunityPortrait } from '../../../services/api';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';

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

export default function Portrait() {
  const storeId = currentSession()?.staff?.storeId ?? null;
  const communities = useRequest(() => (storeId ? api.storeCommunities(storeId) : Promise.resolve([] as Community[])));
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <StaffOnly>
      <View className='page' data-testid='page-staff-portrait'>
        <StaffNav current={ROUTES.staffPortrait} />
        <StateView loading={communities.loading} error={communities.error} data={communities.data} onRetry={() => void communities.reload()} isEmpty={(list) => list.length === 0} emptyText='门店服务范围内暂无小区'>
          {(list) => {
            const community = list.find((item) => item.id === selected);
            return (
              <View>
                {community ? <PortraitForm key={community.id} community={community} onSaved={() => void communities.reload()} /> : null}
                <View className='card'>
                  <Text className='card-title'>选择小区</Text>
                  {list.map((item) => (
                    <View key={item.id} className={`choice ${item.id === selected ? 'choice-selected' : ''}`} onClick={() => setSelected(item.id)}>
                      <Text>{item.name}</Text>
                      <Text className='muted'>{`  ${item.households} 户${item.portraitUpdatedAt ? ' · 已有画像' : ''}`}</Text>
                    </View>
                  ))}
                </View>
              </View>
            );
          }}
        </StateView>
      </View>
    </StaffOnly>
  );
}
