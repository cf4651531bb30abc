import { DAY_MS, popularityOf, type InterestParameters, type ProductFacts } from '@o2o/shared/rules/interest';
import { addToTest, historyRanking, MacroAverage, popularityRanking, relativeMargin, type MetricTotals } from '@o2o/shared/rules/interest-evaluation';
import { InterestEngine } from './interest-engine';
import { syntheticCatalogue, syntheticOrders, type SyntheticOptions } from './synthetic-chain';

export const EVALUATION_METHODS = ['interest', 'popularity', 'history'] as const;
export type EvaluationMethod = (typeof EVALUATION_METHODS)[number];

export interface EvaluationReport {
  cutoff: string;
  testEnd: string;
  ks: number[];
  trainPurchases: number;
  /** Residents with train history and at least one test purchase: the macro-average base. */
  residents: number;
  methods: Record<EvaluationMethod, MetricTotals>;
  /** Relative margin of the interest label over each baseline, per metric@K (0.2 = 20% better). */
  margins: Record<'popularity' | 'history', { precision: Record<number, number>; recall: Record<number, number> }>;
  /** True when the interest label is strictly better than both baselines on every metric@K. */
  beatsBothBaselines: boolean;
}

/**
 * A time split being filled from one pass over purchases: lines before the cut-off train the
 * engine, lines in [cutoff, testEnd) become each resident's test set.
 */
export class SplitCollector {
  readonly engine: InterestEngine;
  readonly test = new Map<string, Set<string>>();
  trainPurchases = 0;

  constructor(products: readonly ProductFacts[], parameters: InterestParameters, readonly cutoff: number, readonly testEnd: number) {
    this.engine = new InterestEngine(products, parameters);
  }

  add(resident: string, product: string, at: number): void {
    if (at < this.cutoff) {
      if (this.engine.addPurchase(resident, product, at)) this.trainPurchases += 1;
    } else if (at < this.testEnd) {
      addToTest(this.test, { resident, product });
    }
  }
}

/** Trains at the cut-off and scores the three methods on every resident with history and test purchases. */
export function evaluateSplit(split: SplitCollector, ks: number[] = [5, 10]): EvaluationReport {
  const model = split.engine.build(split.cutoff);
  const products = split.engine.products;
  const buyers = new Int32Array(products.length);
  for (let r = 0; r < model.residentCount; r += 1) for (const entry of model.history(r)) buyers[entry.product] += 1;
  const popularFirst = popularityOf(buyers, products.length).top;
  const depth = Math.max(...ks);
  const averages = Object.fromEntries(EVALUATION_METHODS.map((method) => [method, new MacroAverage(ks)])) as Record<EvaluationMethod, MacroAverage>;
  for (const [residentKey, relevant] of split.test) {
    const resident = split.engine.residentOf(residentKey);
    if (resident === undefined) continue;
    const history = model.history(resident);
    if (history.length === 0) continue;
    const ids = (indexes: number[]) => indexes.map((p) => products[p].id);
    averages.interest.add(ids(model.score(resident).products.map((entry) => entry.product)), relevant);
    averages.popularity.add(ids(popularityRanking(history, popularFirst, products, depth)), relevant);
    averages.history.add(ids(historyRanking(history, popularFirst, products, depth)), relevant);
  }
  return report(split, ks, averages);
}

function report(split: SplitCollector, ks: number[], averages: Record<EvaluationMethod, MacroAverage>): EvaluationReport {
  const methods = Object.fromEntries(EVALUATION_METHODS.map((method) => [method, averages[method].totals()])) as Record<EvaluationMethod, MetricTotals>;
  const marginOver = (baseline: 'popularity' | 'history') => ({
    precision: Object.fromEntries(ks.map((k) => [k, relativeMargin(methods.interest.precision[k], methods[baseline].precision[k])])),
    recall: Object.fromEntries(ks.map((k) => [k, relativeMargin(methods.interest.recall[k], methods[baseline].recall[k])])),
  });
  const margins = { popularity: marginOver('popularity'), history: marginOver('history') };
  const beatsBothBaselines = methods.interest.residents > 0 && (['popularity', 'history'] as const).every((baseline) => ks.every((k) => margins[baseline].precision[k] > 0 && margins[baseline].recall[k] > 0));
  return {
    cutoff: new Date(split.cutoff).toISOString(),
    testEnd: new Date(split.testEnd).toISOString(),
    ks,
    trainPurchases: split.trainPurchases,
    residents: methods.interest.residents,
    methods,
    margins,
    beatsBothBaselines,
  };
}

/** The synthetic chain split `testDays` before its end. */
export function evaluateSynthetic(options: SyntheticOptions, parameters: InterestParameters, testDays: number, ks: number[] = [5, 10]): EvaluationReport {
  const catalogue = syntheticCatalogue(options);
  const products: ProductFacts[] = catalogue.map((product) => ({ ...product, active: true }));
  const testEnd = options.startAt + options.days * DAY_MS;
  const split = new SplitCollector(products, parameters, testEnd - testDays * DAY_MS, testEnd);
  for (const order of syntheticOrders(catalogue, options)) {
    for (const line of order.lines) split.add(String(order.resident), line.productId, order.at);
  }
  return evaluateSplit(split, ks);
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const signed = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%` : '+inf');

/** The report as a plain-text table. */
export function formatReport(report: EvaluationReport): string {
  const header = ['method', ...report.ks.flatMap((k) => [`P@${k}`, `R@${k}`])];
  const rows = EVALUATION_METHODS.map((method) => [method, ...report.ks.flatMap((k) => [percent(report.methods[method].precision[k]), percent(report.methods[method].recall[k])])]);
  const marginRows = (['popularity', 'history'] as const).map((baseline) => [`margin vs ${baseline}`, ...report.ks.flatMap((k) => [signed(report.margins[baseline].precision[k]), signed(report.margins[baseline].recall[k])])]);
  const table = [header, ...rows, ...marginRows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const lines = table.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
  return [
    `train before ${report.cutoff}, test until ${report.testEnd}; ${report.trainPurchases} train purchases; ${report.residents} residents evaluated (train history and test purchases)`,
    ...lines,
    report.beatsBothBaselines ? 'the interest label beats both baselines on every metric' : 'the interest label does NOT beat both baselines on every metric',
  ].join('\n');
}
