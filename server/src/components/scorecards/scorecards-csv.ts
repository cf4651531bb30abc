import { SCORECARD_DIMENSION_LABELS, type Scorecard, type ScorecardShare } from '@o2o/shared/schemas/scorecards';

/** A rate as a percentage with one decimal, blank when nothing was measured. */
const percent = (value: number | null | undefined): string => (value === null || value === undefined ? '' : `${(value * 100).toFixed(1)}%`);
const yuan = (cents: number): string => (cents / 100).toFixed(2);
const count = (value: number | null): string => (value === null ? '' : String(value));

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const shareCells = (value: ScorecardShare | null): string[] => [percent(value?.rate), percent(value?.low), percent(value?.high)];

/**
 * The scorecard as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads the
 * Chinese header as the local code page), a Chinese header row, CRLF line ends.
 */
export function scorecardCsv(scorecard: Scorecard): string {
  const name = SCORECARD_DIMENSION_LABELS[scorecard.dimension];
  const header = [
    '排名', name, '编号', '注册人数', '7日首单转化率', '7日转化下限', '7日转化上限', '30日首单转化率', '30日转化下限', '30日转化上限',
    '次月复购率', '复购下限', '复购上限', '归因订单数', '归因金额（元）', '样本偏少',
    '上期排名', '上期注册人数', '上期7日首单转化率', '上期次月复购率', '上期归因订单数', '上期归因金额（元）',
  ];
  const lines = [header, ...scorecard.rows.map((row) => [
    String(row.rank), row.label, row.value, count(row.registrations), ...shareCells(row.conversion7), ...shareCells(row.conversion30),
    ...shareCells(row.repurchase), String(row.ordersCredited), yuan(row.revenueCreditedCents), row.smallSample ? '是' : '否',
    count(row.previous.rank), count(row.previous.registrations), percent(row.previous.conversion7?.rate), percent(row.previous.repurchase?.rate),
    String(row.previous.ordersCredited), yuan(row.previous.revenueCreditedCents),
  ])];
  return `\uFEFF${lines.map((line) => line.map(cell).join(',')).join('\r\n')}\r\n`;
}
