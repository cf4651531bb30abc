import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { api } from '../../../services/api';
import { percentText } from '../../../services/format';
import { currentSession } from '../../../services/session';
import { chinaDay, chinaMonth, staffApi } from '../../../services/staff-api';
import { BarList, ColumnChart } from '../components/charts';
import '../staff.css';

type Dimension = 'store' | 'channel' | 'campaign' | 'placement' | 'codeType';
const DIMENSION_TEXT: Record<Dimension, string> = { store: '门店', channel: '渠道', campaign: '活动', placement: '投放位置', codeType: '码类型' };
const CODE_TYPES = [
  { id: 'brand', name: '品牌码' },
  { id: 'advisor', name: '顾问码' },
  { id: 'advisor_activity', name: '顾问活动码' },
  { id: 'store_activity', name: '门店活动码' },
];
const MONTHS = 6;

/** Channel, campaign, placement and code type cut across stores: only admins may read them (the metrics scope rule). */
function dimensionsFor(role: string | null): Dimension[] {
  return role === 'admin' ? ['store', 'channel', 'campaign', 'placement', 'codeType'] : ['store'];
}

async function valuesOf(dimension: Dimension): Promise<{ id: string; name: string }[]> {
  const cityId = currentSession()?.staff?.cityId ?? null;
  if (dimension === 'store') return (await api.stores()).filter((store) => staffRole() === 'admin' || store.cityId === cityId);
  if (dimension === 'channel') return api.channels();
  if (dimension === 'campaign') return api.campaigns();
  if (dimension === 'placement') return api.placements();
  return CODE_TYPES;
}

/** The latest month whose next month has ended: its repurchase figure is final. */
const REPURCHASE_MONTH = chinaMonth(-2);
const monthText = (month: string) => `${Number(month.slice(5, 7))}月`;

/**
 * The funnel per value of one dimension: registrations of the last 30 days → first order within
 * 7 days, and, for the latest closed month, residents whose first order was that month → an
 * order the month after (next-month repurchase).
 */
function Funnel() {
  const dimensions = dimensionsFor(staffRole());
  const [dimension, setDimension] = useState<Dimension>('store');
  const funnel = useRequest(async () => {
    const values = await valuesOf(dimension);
    const from = chinaDay(-29);
    const to = chinaDay(0);
    const rows = await Promise.all(
      values.map(async (value) => {
        const [conversion, repurchase] = await Promise.all([staffApi.conversionBy(from, to, dimension, value.id), staffApi.repurchaseBy(REPURCHASE_MONTH, dimension, value.id)]);
        return { value, conversion, repurchase };
      }),
    );
    return rows.sort((a, b) => b.conversion.registrations - a.conversion.registrations);
  }, [dimension]);
  return (
    <View className='card'>
      <Text className='card-title'>注册 → 首单 → 次月复购</Text>
      <Text className='caption'>{`注册和首单：近 30 天注册、7 天内下首单；复购：${monthText(REPURCHASE_MONTH)}首单的新居民，次月是否再下单`}</Text>
      {dimensions.length > 1 ? (
        <View className='row row-start wrap'>
          {dimensions.map((option) => (
            <View key={option} className={`choice ${option === dimension ? 'choice-selected' : ''}`} onClick={() => setDimension(option)} data-testid={`funnel-${option}`}>
              <Text>{DIMENSION_TEXT[option]}</Text>
            </View>
          ))}
        </View>
      ) : null}
      <StateView loading={funnel.loading} error={funnel.error} data={funnel.data} onRetry={() => void funnel.reload()} isEmpty={(rows) => rows.length === 0} emptyText='暂无数据'>
        {(rows) => {
          const max = Math.max(1, ...rows.map((row) => row.conversion.registrations));
          return (
            <BarList
              testId='dashboard-funnel'
              rows={rows.map(({ value, conversion, repurchase }) => ({
                key: value.id,
                label: value.name,
                share: conversion.registrations / max,
                valueText: `${conversion.registrations} 人注册`,
                detail: [
                  `7 天内首单 ${conversion.converted} 人 · 首单转化率 ${percentText(conversion.rate)}`,
                  `${monthText(REPURCHASE_MONTH)}首单 ${repurchase.newResidents.base} 人 · 次月复购 ${repurchase.newResidents.count} 人（${percentText(repurchase.newResidents.rate)}）`,
                ],
              }))}
            />
          );
        }}
      </StateView>
    </View>
  );
}

function monthRange(offset: number): { month: string; from: string; to: string } {
  const month = chinaMonth(offset);
  const [year, monthNumber] = month.split('-').map(Number);
  const last = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  const today = chinaDay(0);
  const end = `${month}-${String(last).padStart(2, '0')}`;
  return { month, from: `${month}-01`, to: end < today ? end : today };
}

/** Per registration month: first order within 7 and 30 days; per order month: next-month repurchase. */
function Cohorts() {
  const cohorts = useRequest(() =>
    Promise.all(
      Array.from({ length: MONTHS }, (_, index) => monthRange(index - MONTHS + 1)).map(async (range) => {
        const [seven, thirty, repurchase] = await Promise.all([staffApi.conversion(range.from, range.to, 7), staffApi.conversion(range.from, range.to, 30), staffApi.repurchase(range.month)]);
        return { ...range, seven, thirty, repurchase };
      }),
    ),
  );
  return (
    <View className='card'>
      <Text className='card-title'>按月：首单转化与次月复购</Text>
      <StateView loading={cohorts.loading} error={cohorts.error} data={cohorts.data} onRetry={() => void cohorts.reload()}>
        {(rows) => (
          <View>
            <ColumnChart testId='dashboard-cohort-chart' unit='人' outerLabel='当月注册' innerLabel='30 天内首单' points={rows.map((row) => ({ label: `${Number(row.month.slice(5))}月`, value: row.thirty.registrations, inner: row.thirty.converted }))} />
            <View className='table-row table-head'>
              <Text className='table-cell-name'>月份</Text>
              <Text className='table-cell'>7 天首单</Text>
              <Text className='table-cell'>30 天首单</Text>
              <Text className='table-cell'>次月复购</Text>
            </View>
            {rows.map((row) => (
              <View key={row.month} className='table-row' data-testid='cohort-row'>
                <Text className='table-cell-name'>{`${row.month.slice(0, 4)}年${Number(row.month.slice(5))}月`}</Text>
                <Text className='table-cell'>{percentText(row.seven.rate)}</Text>
                <Text className='table-cell'>{percentText(row.thirty.rate)}</Text>
                <Text className='table-cell'>{row.repurchase.complete ? percentText(row.repurchase.all.rate) : `${percentText(row.repurchase.all.rate)}*`}</Text>
              </View>
            ))}
            <Text className='caption'>* 下个月还没过完，复购率还会上升；近期注册的居民还在转化窗口内</Text>
          </View>
        )}
      </StateView>
    </View>
  );
}

function Rankings() {
  const staff = currentSession()?.staff ?? null;
  const ranks = useRequest(() => Promise.all([staffApi.penetration(staff?.role === 'city_ops' && staff.cityId ? { cityId: staff.cityId } : {}, 10), staffApi.advisorsProgress(undefined)]));
  return (
    <StateView loading={ranks.loading} error={ranks.error} data={ranks.data} onRetry={() => void ranks.reload()}>
      {([penetration, advisors]) => (
        <View>
          <View className='card'>
            <Text className='card-title'>最难渗透的小区</Text>
            <Text className='caption'>消费渗透 = 下过单的居民 ÷ 户数</Text>
            <BarList testId='dashboard-communities' rows={penetration.communities.map((community) => ({ key: community.id, label: community.name, share: community.consumerRate, valueText: `消费渗透 ${percentText(community.consumerRate)}`, detail: `${community.households} 户 · 注册渗透 ${percentText(community.registeredRate)}` }))} />
          </View>
          <View className='card'>
            <Text className='card-title'>离目标最远的顾问</Text>
            <BarList testId='dashboard-advisors' rows={advisors.slice(0, 10).map((advisor) => ({ key: advisor.advisorId, label: advisor.name, share: advisor.progress, valueText: `${advisor.consumers} / ${advisor.goal}`, detail: `还差 ${advisor.remaining} 位消费用户` }))} />
          </View>
        </View>
      )}
    </StateView>
  );
}

function DashboardBody() {
  return (
    <>
      <Funnel />
      <Cohorts />
      <Rankings />
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Dashboard() {
  return (
    <StaffPage page='dashboard'>
      <DashboardBody />
    </StaffPage>
  );
}
