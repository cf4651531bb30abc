import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { LAST_TOUCH_DIMENSIONS, SCORECARD_DIMENSION_LABELS, type Scorecard, type ScorecardDimension, type ScorecardRow, type ScorecardShare } from '@o2o/shared/schemas/scorecards';
import { StaffPage, staffRole } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { percentText, yuan } from '../../../services/format';
import { chinaMonth, staffApi } from '../../../services/staff-api';
import { BarList } from '../components/charts';
import '../staff.css';

const ALL_DIMENSIONS: ScorecardDimension[] = ['code', 'placement', 'campaign', 'channel', 'advisor', 'inviter', 'group', 'broadcast'];
/** An advisor sees their own codes and their own row (the endpoint answers 403 for anything else). */
const ADVISOR_DIMENSIONS: ScorecardDimension[] = ['code', 'advisor'];
const RANGES = [1, 3, 6] as const;
const RANGE_LABELS: Record<(typeof RANGES)[number], string> = { 1: '本月', 3: '近 3 个月', 6: '近 6 个月' };

const intervalText = (share: ScorecardShare | null): string => (share && share.low !== null && share.high !== null ? `${percentText(share.low)}–${percentText(share.high)}` : '—');

/**
 * The 7-day conversion as a dot on a 0–100% track, its 95% interval drawn as the band around it:
 * a wide band is a small sample, whatever the dot says.
 */
function RangeBar({ share }: { share: ScorecardShare }) {
  if (share.rate === null || share.low === null || share.high === null) return <View className='range-track' />;
  return (
    <View className='range-track' data-testid='scorecard-range'>
      <View className='range-band' style={{ left: `${share.low * 100}%`, width: `${Math.max(0.01, share.high - share.low) * 100}%` }} />
      <View className='range-dot' style={{ left: `${share.rate * 100}%` }} />
    </View>
  );
}

function previousText(row: ScorecardRow, lastTouch: boolean): string {
  const rank = row.previous.rank === null ? '上期无数据' : `上期第 ${row.previous.rank} 名`;
  if (lastTouch || row.previous.rank === null) return `${rank} · 归因订单 ${row.previous.ordersCredited} 单`;
  return `${rank} · 7日转化 ${percentText(row.previous.conversion7?.rate)} · 注册 ${row.previous.registrations ?? 0}`;
}

function FirstTouchRow({ row }: { row: ScorecardRow }) {
  const conversion = row.conversion7!;
  return (
    <View className='scorecard-row' data-testid='scorecard-row' data-value={row.value}>
      <View className='row'>
        <Text className='ellipsis scorecard-name'>{`${row.rank}. ${row.label}`}</Text>
        {row.smallSample ? <Text className='tag tag-warn'>样本少</Text> : null}
      </View>
      <View className='row'>
        <Text className='scorecard-main' data-testid='scorecard-conversion7'>{`7日首单转化 ${percentText(conversion.rate)}`}</Text>
        <Text className='caption' data-testid='scorecard-interval'>{`区间 ${intervalText(conversion)}`}</Text>
      </View>
      <RangeBar share={conversion} />
      <Text className='caption scorecard-line' data-testid='scorecard-figures'>
        {`注册 ${row.registrations} · 30日转化 ${percentText(row.conversion30?.rate)} · 次月复购 ${percentText(row.repurchase?.rate)}（${row.repurchase?.count ?? 0}/${row.repurchase?.base ?? 0}）`}
      </Text>
      <Text className='caption scorecard-line' data-testid='scorecard-credited'>{`归因订单 ${row.ordersCredited} 单 · ${yuan(row.revenueCreditedCents)}`}</Text>
      <Text className='caption scorecard-line scorecard-previous' data-testid='scorecard-previous'>{previousText(row, false)}</Text>
    </View>
  );
}

function LastTouchList({ rows }: { rows: ScorecardRow[] }) {
  const most = Math.max(1, ...rows.map((row) => row.ordersCredited));
  return (
    <BarList
      testId='scorecard-bars'
      rows={rows.map((row) => ({
        key: row.value,
        label: `${row.rank}. ${row.label}`,
        share: row.ordersCredited / most,
        valueText: `${row.ordersCredited} 单 · ${yuan(row.revenueCreditedCents)}`,
        detail: previousText(row, true),
      }))}
    />
  );
}

/** An advisor's codes: the three that convert best and the three that most need work (only codes someone signed up through). */
function BestAndWorst({ rows }: { rows: ScorecardRow[] }) {
  const measured = rows.filter((row) => (row.registrations ?? 0) > 0);
  if (measured.length < 2) return null;
  const count = Math.min(3, Math.floor(measured.length / 2));
  const line = (row: ScorecardRow, testId: string) => (
    <View key={row.value} className='row' data-testid={testId} data-value={row.value}>
      <Text className='ellipsis scorecard-name'>{row.label}</Text>
      <Text className='bar-value'>{`${percentText(row.conversion7?.rate)}（${row.conversion7?.count}/${row.conversion7?.base}）`}</Text>
    </View>
  );
  return (
    <View className='card' data-testid='scorecard-best-worst'>
      <Text className='card-title'>我的码：最好和最需改进</Text>
      <Text className='caption'>按 7 日首单转化的区间下限排，样本少的码不会排到最前</Text>
      <Text className='scorecard-subtitle'>最好</Text>
      {measured.slice(0, count).map((row) => line(row, 'scorecard-best'))}
      <Text className='scorecard-subtitle'>最需改进</Text>
      {measured.slice(-count).reverse().map((row) => line(row, 'scorecard-worst'))}
    </View>
  );
}

function ScorecardList({ scorecard, advisor }: { scorecard: Scorecard; advisor: boolean }) {
  const lastTouch = LAST_TOUCH_DIMENSIONS.includes(scorecard.dimension);
  return (
    <View>
      {advisor && scorecard.dimension === 'code' ? <BestAndWorst rows={scorecard.rows} /> : null}
      <View className='card' data-testid='scorecard-list'>
        <Text className='card-title'>{`${SCORECARD_DIMENSION_LABELS[scorecard.dimension]}排名`}</Text>
        <Text className='caption'>
          {lastTouch
            ? `${scorecard.from} 至 ${scorecard.to}，按归因订单数排（订单最后一次点开的是它），上期 ${scorecard.previousFrom} 至 ${scorecard.previousTo}`
            : `${scorecard.from} 至 ${scorecard.to} 注册的居民，按 7 日首单转化 95% 区间的下限排；横条是区间，圆点是转化率。上期 ${scorecard.previousFrom} 至 ${scorecard.previousTo}`}
        </Text>
        {lastTouch ? <LastTouchList rows={scorecard.rows} /> : scorecard.rows.map((row) => <FirstTouchRow key={row.value} row={row} />)}
        {scorecard.total > scorecard.rows.length ? <Text className='caption scorecard-line'>{`共 ${scorecard.total} 个，显示前 ${scorecard.rows.length} 个`}</Text> : null}
        <Text className='caption scorecard-line'>{'不足 30 人（或 30 单）标“样本少”：看区间，别只看比率'}</Text>
      </View>
    </View>
  );
}

function ScorecardsBody() {
  const advisor = staffRole() === 'advisor';
  const dimensions = advisor ? ADVISOR_DIMENSIONS : ALL_DIMENSIONS;
  const [dimension, setDimension] = useState<ScorecardDimension>('code');
  const [months, setMonths] = useState<(typeof RANGES)[number]>(3);
  const scorecard = useRequest(() => staffApi.scorecard(dimension, chinaMonth(-(months - 1)), chinaMonth(0)), [dimension, months]);
  return (
    <>
      <View className='card scorecard-controls'>
        <View className='chips'>
          {dimensions.map((candidate) => (
            <View key={candidate} className={`chip ${candidate === dimension ? 'chip-on' : ''}`} onClick={() => setDimension(candidate)} data-testid={`scorecard-dimension-${candidate}`}>
              <Text>{advisor && candidate === 'code' ? '我的码' : advisor && candidate === 'advisor' ? '我' : SCORECARD_DIMENSION_LABELS[candidate]}</Text>
            </View>
          ))}
        </View>
        <View className='segmented'>
          {RANGES.map((range) => (
            <View key={range} className={`segment ${range === months ? 'segment-on' : ''}`} onClick={() => setMonths(range)} data-testid={`scorecard-range-${range}`}>
              <Text>{RANGE_LABELS[range]}</Text>
            </View>
          ))}
        </View>
      </View>
      <StateView
        loading={scorecard.loading}
        error={scorecard.error}
        data={scorecard.data}
        onRetry={() => void scorecard.reload()}
        isEmpty={(data) => data.rows.length === 0}
        emptyText='这段时间还没有数据：有居民扫码注册或下单后再来看'
      >
        {(data) => <ScorecardList scorecard={data} advisor={advisor} />}
      </StateView>
    </>
  );
}

/** The page's requests start only once the role may use it (no call that would answer 403). */
export default function Scorecards() {
  return (
    <StaffPage page='scorecards'>
      <ScorecardsBody />
    </StaffPage>
  );
}
