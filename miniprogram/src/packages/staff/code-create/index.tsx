import { Button, Input, Picker, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState } from 'react';
import { createCodeSchema } from '@o2o/shared/schemas/acquisition';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import '../staff.css';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { toast } from '../../../services/navigation';

interface Option {
  id: string;
  name: string;
}

function OptionPicker({ label, options, index, onChange, testId }: { label: string; options: Option[]; index: number; onChange: (index: number) => void; testId: string }) {
  return (
    <Picker mode='selector' range={options.map((option) => option.name)} value={index} onChange={(event) => onChange(Number(event.detail.value))}>
      <View className='row choice' data-testid={testId}>
        <Text>{label}</Text>
        <Text className='muted'>{options[index]?.name ?? '请选择'} ›</Text>
      </View>
    </Picker>
  );
}

function CreateCodeBody() {
  const dimensions = useRequest(async () => {
    const [channels, campaigns, placements] = await Promise.all([api.channels(), api.campaigns(), api.placements()]);
    return { channels, campaigns, placements };
  });
  const [name, setName] = useState('');
  const [channel, setChannel] = useState(0);
  const [campaign, setCampaign] = useState(0);
  const [placement, setPlacement] = useState(0);
  const [saving, setSaving] = useState(false);
  const type = staffRole() === 'advisor' ? 'advisor_activity' : 'store_activity';

  const submit = async () => {
    const data = dimensions.data;
    if (!data) return;
    const input = { type, name: name.trim(), channelId: data.channels[channel]?.id, campaignId: data.campaigns[campaign]?.id, placementId: data.placements[placement]?.id };
    const checked = createCodeSchema.safeParse(input);
    if (!checked.success) {
      toast(checked.error.issues.some((issue) => issue.path[0] === 'name') ? '请填写名称' : '请选择渠道、活动和投放位置');
      return;
    }
    setSaving(true);
    try {
      await api.createCode(checked.data);
      toast('已创建', 'success');
      setTimeout(() => void Taro.navigateBack(), 600);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
        <StateView loading={dimensions.loading} error={dimensions.error} data={dimensions.data} onRetry={() => void dimensions.reload()}>
          {(data) => (
            <View className='card'>
              <Text className='card-title'>{type === 'advisor_activity' ? '新建顾问活动码' : '新建门店活动码'}</Text>
              <Text className='muted'>渠道、活动、投放位置分开记录，便于追踪每位新用户的来源</Text>
              <Input className='input' placeholder='名称，如：汇翠花园周末摆摊' maxlength={60} value={name} onInput={(event) => setName(event.detail.value)} data-testid='code-name' />
              <OptionPicker label='渠道' options={data.channels} index={channel} onChange={setChannel} testId='pick-channel' />
              <OptionPicker label='活动' options={data.campaigns} index={campaign} onChange={setCampaign} testId='pick-campaign' />
              <OptionPicker label='投放位置' options={data.placements} index={placement} onChange={setPlacement} testId='pick-placement' />
              <Button className='btn' disabled={saving} onClick={() => void submit()} data-testid='code-submit'>
                {saving ? '创建中…' : '创建'}
              </Button>
            </View>
          )}
        </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function CreateCode() {
  return (
    <StaffPage page='code-create' nav={false}>
      <CreateCodeBody />
    </StaffPage>
  );
}
