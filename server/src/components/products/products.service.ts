import type { Types } from 'mongoose';
import {
  PRODUCT_CSV_COLUMNS,
  productIdSchema,
  productInputSchema,
  REPEAT_NATURES,
  type Product,
  type ProductImportReport,
  type ProductInput,
  type ProductUpsertResult,
} from '@o2o/shared/schemas/products';
import { AppError } from '../../lib/app-error';
import { toObjectId } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { StoreModel } from '../organisation/organisation.model';
import { parseCsv } from './product-csv';
import { ProductModel, type ProductRecord } from './products.model';
import { isDuplicateKey } from '../../db/unique-insert';

const IMPORT_BATCH = 500;

export function productView(product: ProductRecord): Product {
  return {
    id: product._id,
    name: product.name,
    category: product.category,
    subcategory: product.subcategory ?? '',
    priceCents: product.priceCents,
    tags: [...(product.tags ?? [])],
    storeIds: (product.storeIds ?? []).map(String),
    repeatNature: product.repeatNature,
    active: product.active,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

/** The stored fields of a product: tags without repeats, stores sorted and without repeats. */
interface ProductFields {
  name: string;
  category: string;
  subcategory: string;
  priceCents: number;
  tags: string[];
  storeIds: Types.ObjectId[];
  repeatNature: ProductInput['repeatNature'];
  active: boolean;
}

function canonical(input: ProductInput): ProductFields {
  const storeIds = [...new Set(input.storeIds.map((id) => id.toLowerCase()))].sort().map(toObjectId);
  return { ...input, tags: [...new Set(input.tags)], storeIds };
}

function sameProduct(stored: ProductRecord, fields: ProductFields): boolean {
  return (
    stored.name === fields.name &&
    stored.category === fields.category &&
    (stored.subcategory ?? '') === fields.subcategory &&
    stored.priceCents === fields.priceCents &&
    stored.repeatNature === fields.repeatNature &&
    stored.active === fields.active &&
    JSON.stringify(stored.tags ?? []) === JSON.stringify(fields.tags) &&
    JSON.stringify((stored.storeIds ?? []).map(String)) === JSON.stringify(fields.storeIds.map(String))
  );
}

interface StoreRef {
  _id: Types.ObjectId;
  name: string;
  cityId: Types.ObjectId;
}

/**
 * Who may list which stores on a product. Admins any store. City ops only their city's stores, and
 * the stores of other cities already on the product stay (they are not theirs to remove).
 */
class StoreScope {
  private constructor(
    private readonly byId: Map<string, StoreRef>,
    private readonly byName: Map<string, StoreRef[]>,
    private readonly actor: StaffPrincipal | null,
  ) {}

  static async load(actor: StaffPrincipal | null, ids?: string[]): Promise<StoreScope> {
    const stores = await StoreModel.find(ids ? { _id: { $in: ids.map(toObjectId) } } : {}, { name: 1, cityId: 1 }).lean<StoreRef[]>();
    const byName = new Map<string, StoreRef[]>();
    for (const store of stores) byName.set(store.name, [...(byName.get(store.name) ?? []), store]);
    return new StoreScope(new Map(stores.map((store) => [String(store._id), store])), byName, actor);
  }

  /** A store given by id or by its exact name (CSV convenience); a problem in Chinese otherwise. */
  resolve(reference: string): { id: string } | { problem: string } {
    const store = /^[0-9a-f]{24}$/i.test(reference) ? this.byId.get(reference.toLowerCase()) : undefined;
    if (store) return { id: String(store._id) };
    const named = this.byName.get(reference) ?? [];
    if (named.length > 1) return { problem: `门店名称「${reference}」对应多家门店，请改用门店 id` };
    if (named.length === 1) return { id: String(named[0]._id) };
    return { problem: `门店「${reference}」不存在` };
  }

  /** Why these stores cannot be listed by the actor (a store is missing or outside their city), if so. */
  problem(storeIds: string[]): { kind: 'missing' | 'outside'; message: string } | null {
    for (const id of storeIds) {
      const store = this.byId.get(id.toLowerCase());
      if (!store) return { kind: 'missing', message: `门店「${id}」不存在` };
      if (this.actor?.role === 'city_ops' && !this.actor.cityId?.equals(store.cityId)) return { kind: 'outside', message: `门店「${store.name}」不在您负责的城市` };
    }
    return null;
  }

  /** The store list to store: for city ops, their choice in their city plus what other cities had. */
  merge(requested: string[], existing: ProductRecord | null): string[] {
    if (this.actor?.role !== 'city_ops' || !existing) return requested;
    const cityId = this.actor.cityId;
    const elsewhere = (existing.storeIds ?? []).map(String).filter((id) => {
      const store = this.byId.get(id);
      return !store || !cityId?.equals(store.cityId);
    });
    return [...elsewhere, ...requested];
  }
}

/** Writes one product by its external id; `existing` saves the lookup when the caller has it. */
async function writeProduct(productId: string, fields: ProductFields, existing: ProductRecord | null | undefined): Promise<{ result: ProductUpsertResult['result']; product: ProductRecord }> {
  let stored = existing === undefined ? await ProductModel.findById(productId).lean<ProductRecord>() : existing;
  if (!stored) {
    try {
      const created = await ProductModel.create({ _id: productId, ...fields });
      return { result: 'created', product: created.toObject() as unknown as ProductRecord };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A concurrent upsert of the same product created it first: compare with that.
      stored = await ProductModel.findById(productId).lean<ProductRecord>();
      if (!stored) throw error;
    }
  }
  if (sameProduct(stored, fields)) return { result: 'unchanged', product: stored };
  const updated = await ProductModel.findOneAndUpdate({ _id: productId }, { $set: fields }, { returnDocument: 'after' }).lean<ProductRecord>();
  return { result: 'updated', product: updated ?? stored };
}

/**
 * Creates or replaces a product by its external id (idempotent: the same body again changes
 * nothing and says `unchanged`). With an actor, their role's store scope applies.
 */
export async function upsertProduct(productId: string, input: ProductInput, actor: StaffPrincipal | null = null): Promise<ProductUpsertResult> {
  const existing = await ProductModel.findById(productId).lean<ProductRecord>();
  const scope = await StoreScope.load(actor, [...input.storeIds, ...(existing?.storeIds ?? []).map(String)]);
  const problem = scope.problem(input.storeIds);
  if (problem?.kind === 'missing') throw AppError.notFound('门店');
  if (problem) throw AppError.forbidden('城市运营只能为商品选择本城市的门店');
  const fields = canonical({ ...input, storeIds: scope.merge(input.storeIds, existing) });
  const { result, product } = await writeProduct(productId, fields, existing);
  return { result, product: productView(product) };
}

export async function getProduct(productId: string): Promise<Product> {
  const product = await ProductModel.findById(productId).lean<ProductRecord>();
  if (!product) throw AppError.notFound('商品');
  return productView(product);
}

/** Active products, by category then id; of one store and one category when asked. */
export async function listProducts(query: { storeId?: string; category?: string; limit: number; offset: number }): Promise<Product[]> {
  // Equality filters only, sorted here: the embedded database scans whole collections for sorted queries.
  const products = await ProductModel.find({
    active: true,
    ...(query.storeId ? { storeIds: toObjectId(query.storeId) } : {}),
    ...(query.category ? { category: query.category } : {}),
  }).lean<ProductRecord[]>();
  return products
    .sort((a, b) => (a.category === b.category ? (a._id < b._id ? -1 : 1) : a.category < b.category ? -1 : 1))
    .slice(query.offset, query.offset + query.limit)
    .map(productView);
}

const REQUIRED_COLUMNS = ['product_id', 'name', 'category', 'price_yuan', 'repeat_nature'] as const;
type Column = (typeof PRODUCT_CSV_COLUMNS)[number];

const FIELD_COLUMNS: Record<string, Column> = {
  name: 'name', category: 'category', subcategory: 'subcategory', priceCents: 'price_yuan',
  tags: 'tags', storeIds: 'store_ids', repeatNature: 'repeat_nature', active: 'active',
};

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', '是']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', '否']);

function yuanToCents(text: string): number | null {
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

const splitList = (text: string) => text.split(/[;；]/).map((item) => item.trim()).filter(Boolean);

/** Reads one CSV row into a product, or says what is wrong with it (in Chinese, for the ops staff who fix the file). */
function readRow(cell: (column: Column) => string, scope: StoreScope): { productId: string; input: ProductInput } | { problem: string } {
  const productId = cell('product_id');
  if (!productIdSchema.safeParse(productId).success) return { problem: 'product_id 只能包含字母、数字和 _.:-，长度 1-64' };
  const priceCents = yuanToCents(cell('price_yuan'));
  if (priceCents === null) return { problem: `price_yuan「${cell('price_yuan')}」不是有效金额（如 12.5，最多两位小数）` };
  const repeatNature = cell('repeat_nature').toLowerCase();
  if (!(REPEAT_NATURES as readonly string[]).includes(repeatNature)) return { problem: `repeat_nature 必须是 ${REPEAT_NATURES.join('、')} 之一` };
  const activeText = cell('active').toLowerCase();
  if (activeText && !TRUE_WORDS.has(activeText) && !FALSE_WORDS.has(activeText)) return { problem: 'active 必须是 true 或 false（也可写 1/0、是/否），留空为 true' };

  const storeIds: string[] = [];
  for (const reference of splitList(cell('store_ids'))) {
    const resolved = scope.resolve(reference);
    if ('problem' in resolved) return { problem: `store_ids：${resolved.problem}` };
    storeIds.push(resolved.id);
  }
  const scopeProblem = scope.problem(storeIds);
  if (scopeProblem) return { problem: `store_ids：${scopeProblem.message}` };

  const parsed = productInputSchema.safeParse({
    name: cell('name'),
    category: cell('category'),
    subcategory: cell('subcategory'),
    priceCents,
    tags: splitList(cell('tags')),
    storeIds,
    repeatNature,
    active: activeText === '' || TRUE_WORDS.has(activeText),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const column = FIELD_COLUMNS[String(issue.path[0])] ?? String(issue.path[0]);
    return { problem: `${column}：${issue.code === 'too_small' ? '不能为空' : issue.code === 'too_big' ? '太长或太多' : issue.message}` };
  }
  return { productId, input: parsed.data };
}

/**
 * Imports a product CSV (header row `product_id,name,category,subcategory,price_yuan,tags,store_ids,
 * repeat_nature,active`, columns in any order; tags and stores `;`-separated, stores by id or exact
 * name). Each good row is upserted by product id; each bad row is reported by its line and skipped,
 * so fixing the file and importing it again is safe (rows already imported report `unchanged`).
 * With an actor, their role's store scope applies to every row.
 */
export async function importProductsCsv(text: string, options: { actor?: StaffPrincipal | null } = {}): Promise<ProductImportReport> {
  const report: ProductImportReport = { imported: 0, updated: 0, unchanged: 0, errors: [] };
  const parsed = parseCsv(text);
  const [header, ...rows] = parsed.records;
  report.errors.push(...parsed.errors);
  if (!header) {
    report.errors.push({ line: 1, message: `缺少表头，第一行应为：${PRODUCT_CSV_COLUMNS.join(',')}` });
    return report;
  }
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(PRODUCT_CSV_COLUMNS as readonly string[]).includes(name));
  const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    const problems = [
      unknown.length > 0 ? `未知的列：${unknown.join('、')}` : null,
      missing.length > 0 ? `缺少的列：${missing.join('、')}` : null,
      repeated.length > 0 ? `重复的列：${repeated.join('、')}` : null,
    ].filter(Boolean);
    report.errors.push({ line: header.line, message: `表头有误（${problems.join('；')}），应为：${PRODUCT_CSV_COLUMNS.join(',')}` });
    report.errors.sort((a, b) => a.line - b.line);
    return report;
  }
  const position = new Map(names.map((name, index) => [name, index]));
  const actor = options.actor ?? null;
  const scope = await StoreScope.load(actor);
  const seen = new Map<string, number>();

  for (let start = 0; start < rows.length; start += IMPORT_BATCH) {
    const batch = rows.slice(start, start + IMPORT_BATCH);
    const ready: { line: number; productId: string; input: ProductInput }[] = [];
    for (const row of batch) {
      if (row.fields.length !== names.length) {
        report.errors.push({ line: row.line, message: `应有 ${names.length} 列，实际 ${row.fields.length} 列（含逗号的内容请用英文双引号括起来）` });
        continue;
      }
      const read = readRow((column) => (position.has(column) ? row.fields[position.get(column)!].trim() : ''), scope);
      if ('problem' in read) {
        report.errors.push({ line: row.line, message: read.problem });
        continue;
      }
      const earlier = seen.get(read.productId);
      if (earlier !== undefined) {
        report.errors.push({ line: row.line, message: `product_id「${read.productId}」与第 ${earlier} 行重复` });
        continue;
      }
      seen.set(read.productId, row.line);
      ready.push({ line: row.line, ...read });
    }
    const existing = new Map(
      (await ProductModel.find({ _id: { $in: ready.map((row) => row.productId) } }).lean<ProductRecord[]>()).map((product) => [product._id, product]),
    );
    for (const row of ready) {
      const stored = existing.get(row.productId) ?? null;
      const fields = canonical({ ...row.input, storeIds: scope.merge(row.input.storeIds, stored) });
      const { result } = await writeProduct(row.productId, fields, stored);
      if (result === 'created') report.imported += 1;
      else if (result === 'updated') report.updated += 1;
      else report.unchanged += 1;
    }
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
