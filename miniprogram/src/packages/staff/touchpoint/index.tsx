import { Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { OFFLINE_TOUCH_KINDS } from '@o2o/shared/schemas/acquisition';
import { Btn } from '../../../components/button';
import { StaffPage } from '../../../components/staff-nav';
import { StateView, errorText } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { formatDate, formatDateTime } from '../../../services/format';
import { toast } from '../../../services/navigation';
import { currentSession } from '../../../services/session';
import { staffApi, type StaffResident } from '../../../services/staff-api';
import '../staff.css';

type Kind = (typeof OFFLINE_TOUCH_KINDS)[number];
const KIND_TEXT: Record<Kind, string> = { store_visit: '到店', delivery_contact: '配送接触', event: '线下活动' };

/** One line that tells two 王阿姨 apart: phone tail, building and unit, when they registered. */
function residentLine(resident: StaffResident, communityNames: Map<string, string>): string {
  const parts = [
    resident.phone ? `尾号 ${resident.phone.slice(-4)}` : '未留手机号',
    [resident.communityId ? communityNames.get(resident.communityId) : null, resident.building, resident.unit].filter(Boolean).join(' ') || '未填地址',
    `${formatDate(resident.registeredAt)}注册`,
  ];
  return parts.join(' · ');
}

function TouchpointBody() {
  const storeId = currentSession()?.staff?.storeId ?? null;
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const results = useRequest(async () => {
    const [page, communities] = await Promise.all([staffApi.searchResidents(searched), storeId ? staffApi.storeCommunities(storeId) : Promise.resolve([])]);
    return { page, communityNames: new Map(communities.map((community) => [community.id, community.name])) };
  }, [searched]);
  const history = useRequest(() => staffApi.myTouchpoints());
  const [resident, setResident] = useState<StaffResident | null>(null);
  const [kind, setKind] = useState<Kind>('store_visit');
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    if (!resident) return;
    setSaving(true);
    try {
      await api.recordTouchpoint(resident.id, { kind, ...(note.trim() ? { note: note.trim() } : {}) });
      toast('已记录', 'success');
      setNote('');
      setResident(null);
      void history.reload();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <View className='card'>
        <Text className='card-title'>1. 找到居民</Text>
        <View className='row'>
          <Input className='input grow' placeholder='姓名、手机尾号或楼号' maxlength={30} value={query} onInput={(event) => setQuery(event.detail.value)} onConfirm={() => setSearched(query)} data-testid='touch-search' />
          <Btn small testId='touch-search-submit' onClick={() => setSearched(query)}>搜索</Btn>
        </View>
        <StateView
          loading={results.loading}
          error={results.error}
          data={results.data}
          onRetry={() => void results.reload()}
          isEmpty={(data) => data.page.items.length === 0}
          emptyText={searched ? `没有找到「${searched}」，换个关键词试试` : '你的名下还没有居民'}
        >
          {(data) => (
            <View>
              <Text className='caption'>{searched ? `找到 ${data.page.total} 位` : `最近注册的 ${data.page.items.length} 位（共 ${data.page.total} 位）`}</Text>
              {data.page.items.map((item) => (
                <View key={item.id} className={`choice ${item.id === resident?.id ? 'choice-selected' : ''}`} onClick={() => setResident(item)} data-testid='touch-resident'>
                  <Text>{item.nickname ?? '未填写昵称'}</Text>
                  <View>
                    <Text className='caption'>{residentLine(item, data.communityNames)}</Text>
                  </View>
                </View>
              ))}
            </View>
          )}
        </StateView>
      </View>
      <View className='card'>
        <Text className='card-title'>{resident ? `2. 记录与 ${resident.nickname ?? '这位居民'} 的接触` : '2. 记录接触（先选居民）'}</Text>
        <View className='row row-start wrap'>
          {OFFLINE_TOUCH_KINDS.map((option) => (
            <View key={option} className={`choice ${option === kind ? 'choice-selected' : ''}`} onClick={() => setKind(option)} data-testid={`touch-kind-${option}`}>
              <Text>{KIND_TEXT[option]}</Text>
            </View>
          ))}
        </View>
        <Input className='input' placeholder='备注（可选），如：问了团购怎么下单' maxlength={500} value={note} onInput={(event) => setNote(event.detail.value)} data-testid='touch-note' />
        <Btn block disabled={saving || !resident} testId='touch-submit' onClick={() => void submit()}>
          {saving ? '提交中…' : '记录触点'}
        </Btn>
      </View>
      <View className='card'>
        <Text className='card-title'>我记录过的触点</Text>
        <StateView loading={history.loading} error={history.error} data={history.data} onRetry={() => void history.reload()} isEmpty={(list) => list.length === 0} emptyText='还没有记录过触点'>
          {(list) => (
            <View>
              {list.map((touch) => (
                <View key={touch.id} className='work-item' data-testid='touch-history'>
                  <View>
                    <Text>{`${touch.residentName ?? '未填写昵称'}${touch.residentBuilding ? ` · ${touch.residentBuilding}` : ''}`}</Text>
                    <View>
                      <Text className='caption'>{`${formatDateTime(touch.at)}${touch.note ? ` · ${touch.note}` : ''}`}</Text>
                    </View>
                  </View>
                  <Text className='tag'>{touch.offlineKind ? KIND_TEXT[touch.offlineKind] : '线下'}</Text>
                </View>
              ))}
            </View>
          )}
        </StateView>
      </View>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Touchpoint() {
  return (
    <StaffPage page='touchpoint'>
      <TouchpointBody />
    </StaffPage>
  );
}
