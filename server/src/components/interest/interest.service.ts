import mongoose, { Types } from 'mongoose';
import { DEFAULT_INTEREST_PARAMETERS, roundScore, type InterestParameters, type ProductFacts } from '@o2o/shared/rules/interest';
import { interestParametersSchema, type InterestModelRun, type InterestParametersInput, type MyInterests, type ProductAudience, type ResidentInterest } from '@o2o/shared/schemas/interest';
import { AppError } from '../../lib/app-error';
import { buildCollectionName, swapInBuild } from '../../lib/collection-swap';
import type { Logger } from '../../lib/logger';
import { ProductModel, type ProductRecord } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { InterestEngine, type BuiltInterestModel } from './interest-engine';
import { InterestModelRunModel, ResidentInterestModel, type InterestModelRunRecord, type InterestRunCounts, type ResidentInterestRecord } from './interest.model';

const BATCH = 1000;
const MB = 1024 * 1024;

const LABELS = 'resident_interests';

/** Who may appear in an audience: stores in the caller's scope, and for an advisor only their own residents. */
/** Validated parameters: any subset (e.g. parsed from config), the rest defaults. Throws on a bad value. */
export function interestParameters(input: InterestParametersInput = {}): InterestParameters {
  return { ...DEFAULT_INTEREST_PARAMETERS, ...interestParametersSchema.parse(input) };
}

export interface AudienceScope {
  storeIds: Types.ObjectId[] | 'all';
  advisorId?: Types.ObjectId;
}

interface ResidentScopeFields {
  storeId: Types.ObjectId | null;
  advisorIds: Types.ObjectId[];
}

/** Samples rss and heapUsed every 100 ms while a rebuild runs, keeping the maxima. */
function memorySampler(): { stop(): { peakRssMb: number; peakHeapUsedMb: number } } {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 100);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssMb: Math.round(peakRss / MB), peakHeapUsedMb: Math.round(peakHeap / MB) };
    },
  };
}

const elapsedMs = (started: number) => Math.round(performance.now() - started);

/**
 * The interest-prediction label: a nightly rebuild computes every resident's label in this process
 * (the embedded database has no $lookup and slow non-_id queries) from ONE cursor over completed
 * orders, and writes each resident's document whole; reads are `_id` lookups.
 */
export class InterestService {
  private running = false;

  constructor(
    readonly parameters: InterestParameters,
    private readonly logger?: Logger,
  ) {}

  /**
   * Rebuilds every label at `now`. Each resident document is complete on its own and carries its
   * modelId; the new labels are written to a build collection that replaces the old one only when
   * complete, so a crash mid-build leaves the previous labels untouched and a rerun repairs, and
   * residents no longer scored simply are not in the new collection. Refuses to overlap itself in
   * this process (the job's lease keeps other instances out).
   */
  async rebuild(now: Date = new Date()): Promise<InterestModelRun> {
    if (this.running) throw AppError.conflict('兴趣预测正在重新计算，请稍后再试');
    this.running = true;
    try {
      return await this.runRebuild(now);
    } finally {
      this.running = false;
    }
  }

  private async runRebuild(now: Date): Promise<InterestModelRun> {
    const startedAt = new Date();
    const sampler = memorySampler();
    const modelId = `interest:${now.toISOString()}`;
    let phase = performance.now();
    const products = await this.loadProducts();
    const engine = new InterestEngine(products, this.parameters);
    const ordersRead = await this.readOrders(engine, now);
    const scope = await this.readResidentScope(engine);
    const readMs = elapsedMs(phase);
    phase = performance.now();
    const model = engine.build(now.getTime());
    const similarityMs = elapsedMs(phase);
    const build = buildCollectionName(LABELS);
    const written = await this.writeLabels(model, scope, modelId, now, build);
    const staleRemoved = await this.countStale(engine, written.residentFlags);
    await swapInBuild(LABELS, build);
    const counts: InterestRunCounts = {
      products: products.length, ordersRead, purchases: model.stats.purchases, skippedPurchases: model.stats.skippedPurchases,
      residentsWithHistory: model.residentCount, residentsScored: written.residents, neighbourPairs: model.stats.neighbourPairs, staleRemoved,
    };
    const record: InterestModelRunRecord = {
      _id: modelId, builtAt: now, startedAt, finishedAt: new Date(), parameters: { ...this.parameters }, counts,
      timings: { readMs, similarityMs, scoreMs: written.scoreMs, writeMs: written.writeMs, totalMs: elapsedMs(phase) + readMs },
      memory: sampler.stop(),
    };
    await InterestModelRunModel.replaceOne({ _id: modelId }, record, { upsert: true });
    this.logger?.info({ modelId, counts, timings: record.timings, memory: record.memory }, 'interest model rebuilt');
    return runView(record);
  }

  /** Labels of the current collection that the new model does not rewrite (one `_id`-only cursor). */
  private async countStale(engine: InterestEngine, written: Uint8Array): Promise<number> {
    let stale = 0;
    for await (const doc of ResidentInterestModel.collection.find({}, { projection: { _id: 1 }, batchSize: BATCH })) {
      const index = engine.residentOf(String(doc._id));
      if (index === undefined || !written[index]) stale += 1;
    }
    return stale;
  }

  /** The catalogue as the model sees it; small (thousands), so one scan. */
  private async loadProducts(): Promise<ProductFacts[]> {
    const rows = await ProductModel.collection
      .find({}, { projection: { category: 1, subcategory: 1, repeatNature: 1, active: 1 } })
      .toArray();
    return rows
      .map((row) => ({ id: String(row._id), category: String(row.category), subcategory: String(row.subcategory ?? ''), repeatNature: row.repeatNature, active: row.active !== false }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One cursor over completed orders; each line becomes 16 bytes in the engine. */
  private async readOrders(engine: InterestEngine, now: Date): Promise<number> {
    let orders = 0;
    const cursor = mongoose.connection
      .collection('orders')
      .find({ state: 'completed' }, { projection: { residentId: 1, completedAt: 1, lines: 1 }, batchSize: BATCH });
    for await (const order of cursor) {
      const completedAt = order.completedAt as Date | null;
      if (!order.residentId || !completedAt || completedAt > now) continue;
      orders += 1;
      const resident = String(order.residentId);
      for (const line of (order.lines ?? []) as { productId: string }[]) engine.addPurchase(resident, line.productId, completedAt.getTime());
    }
    return orders;
  }

  /** One cursor over residents, keeping the store and advisors of those with history (for scoped audiences). */
  private async readResidentScope(engine: InterestEngine): Promise<Map<number, ResidentScopeFields>> {
    const scope = new Map<number, ResidentScopeFields>();
    const cursor = ResidentModel.collection.find({}, { projection: { storeId: 1, attribution: 1 }, batchSize: BATCH });
    for await (const resident of cursor) {
      const index = engine.residentOf(String(resident._id));
      if (index === undefined) continue;
      const advisors = [resident.attribution?.advisorId, resident.attribution?.codeOwnerId].filter((id): id is Types.ObjectId => Boolean(id));
      const advisorIds = advisors.filter((id, k) => advisors.findIndex((other) => other.equals(id)) === k);
      scope.set(index, { storeId: resident.storeId ?? null, advisorIds });
    }
    return scope;
  }

  /**
   * Scores residents one by one and inserts them into a fresh build collection in unordered
   * batches of 1000. Plain inserts run at ~14k/s on the embedded database, while an upsert or
   * replace by `_id` scans the whole collection there (measured: ~170 ms each at 5,000 labels).
   */
  private async writeLabels(model: BuiltInterestModel, scope: Map<number, ResidentScopeFields>, modelId: string, now: Date, build: string): Promise<{ residents: number; residentFlags: Uint8Array; scoreMs: number; writeMs: number }> {
    const target = mongoose.connection.collection(build);
    const residentFlags = new Uint8Array(model.residentCount);
    let scoreMs = 0;
    let writeMs = 0;
    let residents = 0;
    let batch: ResidentInterestRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const started = performance.now();
      await target.insertMany(batch as never[], { ordered: false });
      writeMs += performance.now() - started;
      batch = [];
    };
    for (let r = 0; r < model.residentCount; r += 1) {
      const started = performance.now();
      const doc = this.labelOf(model, r, scope.get(r), modelId, now);
      scoreMs += performance.now() - started;
      if (!doc) continue;
      residents += 1;
      residentFlags[r] = 1;
      batch.push(doc);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return { residents, residentFlags, scoreMs: Math.round(scoreMs), writeMs: Math.round(writeMs) };
  }

  private labelOf(model: BuiltInterestModel, r: number, scope: ResidentScopeFields | undefined, modelId: string, now: Date): ResidentInterestRecord | null {
    const key = model.residentKey(r);
    if (!Types.ObjectId.isValid(key)) return null;
    const scores = model.score(r);
    if (scores.products.length === 0) return null;
    return {
      _id: new Types.ObjectId(key),
      products: scores.products.map((entry) => ({ productId: model.products[entry.product].id, score: roundScore(entry.score) })),
      categories: scores.categories.map((entry) => ({ category: entry.category, score: roundScore(entry.score) })),
      modelId,
      builtAt: now,
      storeId: scope?.storeId ?? null,
      advisorIds: scope?.advisorIds ?? [],
    };
  }

  /** One resident's label (an `_id` lookup); empty when they have none. */
  async forResident(residentId: Types.ObjectId): Promise<ResidentInterest> {
    const doc = await ResidentInterestModel.findById(residentId).lean<ResidentInterestRecord>();
    return {
      residentId: String(residentId),
      modelId: doc?.modelId ?? null,
      builtAt: doc?.builtAt.toISOString() ?? null,
      products: doc?.products.map(({ productId, score }) => ({ productId, score })) ?? [],
      categories: doc?.categories.map(({ category, score }) => ({ category, score })) ?? [],
    };
  }

  /** 猜你喜欢 for the resident: their top products that are still on sale, with names (parallel `_id` lookups). */
  async myInterests(residentId: Types.ObjectId, limit = 10): Promise<MyInterests> {
    const label = await this.forResident(residentId);
    const found = await Promise.all(label.products.map(async (entry) => ({ entry, product: await ProductModel.findById(entry.productId).lean<ProductRecord>() })));
    const products = found
      .filter(({ product }) => product?.active)
      .slice(0, limit)
      .map(({ entry, product }) => ({ productId: entry.productId, name: product!.name, category: product!.category, priceCents: product!.priceCents, score: entry.score }));
    return { title: '猜你喜欢', builtAt: label.builtAt, products, categories: label.categories };
  }

  /**
   * The residents most likely to want a product, best first: one cursor over labels holding it,
   * filtered by scope, keeping the best `limit` (ties by resident id, so the answer is stable).
   */
  async audienceForProduct(productId: string, limit: number, scope: AudienceScope): Promise<ProductAudience> {
    if (!(await ProductModel.exists({ _id: productId }))) throw AppError.notFound('商品');
    const best: ProductAudience['residents'] = [];
    const cursor = ResidentInterestModel.collection.find({ 'products.productId': productId }, { projection: { products: 1, storeId: 1, advisorIds: 1 }, batchSize: BATCH });
    for await (const doc of cursor) {
      if (!inAudienceScope(doc as unknown as ResidentScopeFields, scope)) continue;
      const entry = (doc.products as { productId: string; score: number }[]).find((product) => product.productId === productId);
      if (!entry) continue;
      best.push({ residentId: String(doc._id), storeId: doc.storeId ? String(doc.storeId) : null, score: entry.score, rank: 0 });
      if (best.length > limit * 2) keepBest(best, limit);
    }
    keepBest(best, limit);
    best.forEach((resident, index) => (resident.rank = index + 1));
    return { productId, modelId: (await this.latestRecord())?._id ?? null, residents: best };
  }

  async latestRun(): Promise<InterestModelRun> {
    const record = await this.latestRecord();
    if (!record) throw new AppError('NOT_FOUND', '兴趣预测还没有生成，请在夜间任务运行后再查看', 404);
    return runView(record);
  }

  private async latestRecord(): Promise<InterestModelRunRecord | null> {
    return InterestModelRunModel.findOne({}).sort({ builtAt: -1, _id: -1 }).lean<InterestModelRunRecord>();
  }
}

function inAudienceScope(doc: ResidentScopeFields, scope: AudienceScope): boolean {
  if (scope.advisorId && !(doc.advisorIds ?? []).some((id) => scope.advisorId!.equals(id))) return false;
  if (scope.storeIds === 'all') return true;
  return Boolean(doc.storeId) && scope.storeIds.some((id) => id.equals(doc.storeId!));
}

function keepBest(residents: ProductAudience['residents'], limit: number): void {
  residents.sort((a, b) => b.score - a.score || (a.residentId < b.residentId ? -1 : 1));
  residents.length = Math.min(residents.length, limit);
}

function runView(record: InterestModelRunRecord): InterestModelRun {
  return {
    modelId: record._id,
    builtAt: record.builtAt.toISOString(),
    startedAt: record.startedAt.toISOString(),
    finishedAt: record.finishedAt.toISOString(),
    parameters: record.parameters,
    counts: record.counts,
    timings: record.timings,
    memory: record.memory,
  };
}
