import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Model } from 'mongoose';
import { connectDatabase } from './connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';
import { hotQueries } from './hot-queries';
import { OrderModel } from '../components/orders/orders.model';

jest.setTimeout(180_000);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function explain(model: Model<never>, filter: Record<string, unknown>): Promise<{ pushedDown: boolean; scans: string[]; indexes: string[] }> {
  const answer = await mongoose.connection.db!.command({ explain: { find: model.collection.collectionName, filter } });
  const plan = nodes((answer.queryPlanner as { Plan: PlanNode }).Plan);
  return {
    pushedDown: answer.filterPushdown === true,
    scans: plan.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']!),
    indexes: plan.flatMap((node) => (node['Index Name'] ? [node['Index Name']] : [])),
  };
}

/*
 * With sequential scans disabled, PostgreSQL still plans one when no index can serve the
 * pushed-down filter: a "Seq Scan" in the plan means the query scans the whole collection, which
 * at 500,000 orders is seconds. (With them enabled, an empty test table would be scanned anyway.)
 */
describe('hot queries on the embedded database', () => {
  let dataDir: string;
  let database: EmbeddedDatabase;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'o2o-hot-queries-'));
    database = await startEmbeddedDatabase({ dataDir, durable: false, onLog: () => undefined, postgresSettings: ['enable_seqscan=off'] });
    await connectDatabase(database.uri, 'hot_queries', 10_000);
  });
  afterAll(async () => {
    await mongoose.disconnect();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(hotQueries().map((query) => [query.name, query] as const))('%s is pushed down and served by an index', async (_name, query) => {
    const plan = await explain(query.model, query.filter);
    expect({ query: query.name, pushedDown: plan.pushedDown, seqScans: plan.scans }).toEqual({ query: query.name, pushedDown: true, seqScans: [] });
    expect(plan.indexes.length).toBeGreaterThan(0);
  });

  it('the guard catches what would scan: an unindexed field, and a filter with nothing pushed down', async () => {
    const unindexed = await explain(OrderModel as unknown as Model<never>, { note: 'x' });
    expect(unindexed.pushedDown).toBe(true);
    expect(unindexed.scans).toHaveLength(1);
    const onlyIn = await explain(OrderModel as unknown as Model<never>, { residentId: { $in: [new mongoose.Types.ObjectId()] } });
    expect(onlyIn.pushedDown).toBe(false);
    const nested = await explain(OrderModel as unknown as Model<never>, { 'attribution.storeId': new mongoose.Types.ObjectId() });
    expect(nested.pushedDown).toBe(false);
  });
});
