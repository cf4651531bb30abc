/**
 * Offline evaluation of the interest label (issue 8): splits purchases by time, trains the same
 * engine the rebuild uses on the part before the cut-off, and prints precision@K and recall@K
 * (K = 5, 10) for the interest label, a popularity baseline and a history-only baseline, with the
 * label's margins over each.
 *
 *   node server/dist/components/interest/evaluate-interest.js [--synthetic] [--residents 20000]
 *        [--orders 100000] [--days 120] [--seed 8] [--test-days 30]
 *   node server/dist/components/interest/evaluate-interest.js --database <mongodb-uri> [--db o2o]
 *        [--test-days 30] [--cutoff <ISO time>]
 *
 * On the synthetic chain it exits with status 1 when the label does not beat both baselines on
 * every metric. On a database (products and orders imported through the APIs) it only reports.
 */
import mongoose from 'mongoose';
import { DAY_MS, type InterestParameters, type ProductFacts } from '@o2o/shared/rules/interest';
import { connectDatabase } from '../../db/connection';
import { interestParameters } from './interest.service';
import { evaluateSplit, evaluateSynthetic, formatReport, SplitCollector, type EvaluationReport } from './interest-evaluator';
import { DEFAULT_SYNTHETIC_OPTIONS } from './synthetic-chain';

interface Arguments {
  database?: string;
  db: string;
  residents: number;
  orders: number;
  days: number;
  seed: number;
  testDays: number;
  cutoff?: string;
}

function parseArguments(argv: string[]): Arguments {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const number = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
    return parsed;
  };
  return {
    database: value('database'),
    db: value('db') ?? 'o2o',
    residents: number('residents', DEFAULT_SYNTHETIC_OPTIONS.residents),
    orders: number('orders', DEFAULT_SYNTHETIC_OPTIONS.orders),
    days: number('days', DEFAULT_SYNTHETIC_OPTIONS.days),
    seed: number('seed', DEFAULT_SYNTHETIC_OPTIONS.seed),
    testDays: number('test-days', 30),
    cutoff: value('cutoff'),
  };
}

/** The split on a database: the cut-off defaults to `testDays` before the last completed order. */
async function evaluateDatabase(args: Arguments, parameters: InterestParameters): Promise<EvaluationReport> {
  await connectDatabase(args.database!, args.db, 10_000);
  try {
    const productRows = await mongoose.connection.collection('products').find({}, { projection: { category: 1, subcategory: 1, repeatNature: 1, active: 1 } }).toArray();
    const products: ProductFacts[] = productRows.map((row) => ({ id: String(row._id), category: row.category, subcategory: row.subcategory ?? '', repeatNature: row.repeatNature, active: row.active !== false }));
    const orders = mongoose.connection.collection('orders');
    const last = await orders.find({ state: 'completed', completedAt: { $ne: null } }, { projection: { completedAt: 1 } }).sort({ completedAt: -1 }).limit(1).next();
    if (!last) throw new Error('no completed orders in this database');
    const cutoff = args.cutoff ? Date.parse(args.cutoff) : (last.completedAt as Date).getTime() + 1 - args.testDays * DAY_MS;
    if (!Number.isFinite(cutoff)) throw new Error(`--cutoff is not a time: ${args.cutoff}`);
    const split = new SplitCollector(products, parameters, cutoff, cutoff + args.testDays * DAY_MS);
    for await (const order of orders.find({ state: 'completed' }, { projection: { residentId: 1, completedAt: 1, lines: 1 }, batchSize: 1000 })) {
      if (!order.residentId || !order.completedAt) continue;
      for (const line of order.lines ?? []) split.add(String(order.residentId), line.productId, (order.completedAt as Date).getTime());
    }
    return evaluateSplit(split);
  } finally {
    await mongoose.disconnect();
  }
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const parameters = interestParameters();
  if (args.database) {
    console.log(`interest label evaluation on ${args.db} (products and completed orders in the database)`);
    console.log(formatReport(await evaluateDatabase(args, parameters)));
    return;
  }
  const options = { ...DEFAULT_SYNTHETIC_OPTIONS, residents: args.residents, orders: args.orders, days: args.days, seed: args.seed };
  console.log(`interest label evaluation on the synthetic chain: ${options.residents} residents, ${options.orders} orders over ${options.days} days, seed ${options.seed}, last ${args.testDays} days held out`);
  const report = evaluateSynthetic(options, parameters, args.testDays);
  console.log(formatReport(report));
  if (!report.beatsBothBaselines) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
