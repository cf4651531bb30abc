import {
  productNeighbours,
  popularityOf,
  scoreResident,
  scoringScratch,
  summarisePurchases,
  type CompressedRows,
  type InterestParameters,
  type NeighbourTable,
  type Popularity,
  type ProductFacts,
  type PurchaseSummary,
  type ResidentScores,
  type ScoringModel,
} from '@o2o/shared/rules/interest';

/** A growable typed array: purchases arrive one by one from a cursor, without per-line objects. */
class GrowableArray<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(private data: T, private readonly make: (size: number) => T) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index];
  }
}

/** The model after `build`: histories, neighbours and popularity, ready to score any resident. */
export interface BuiltInterestModel extends ScoringModel {
  now: number;
  residentCount: number;
  residentKey(resident: number): string;
  history(resident: number): PurchaseSummary[];
  /** Scores one resident; reuses one scratch buffer, so call it from one loop at a time. */
  score(resident: number): ResidentScores;
  stats: { residents: number; purchases: number; skippedPurchases: number; products: number; neighbourPairs: number };
}

/**
 * Collects purchases in compact typed arrays (resident index, product index, time: 16 bytes a
 * line) and builds the model in memory. Used by the rebuild (fed from one cursor over orders), the
 * offline evaluation and the benchmark, so all three run exactly the same model.
 */
export class InterestEngine {
  private readonly productIndex = new Map<string, number>();
  private readonly residentIndex = new Map<string, number>();
  private readonly residentKeys: string[] = [];
  private readonly lineResidents = new GrowableArray(new Int32Array(1024), (size) => new Int32Array(size));
  private readonly lineProducts = new GrowableArray(new Int32Array(1024), (size) => new Int32Array(size));
  private readonly lineTimes = new GrowableArray(new Float64Array(1024), (size) => new Float64Array(size));
  private skipped = 0;

  constructor(
    readonly products: readonly ProductFacts[],
    readonly parameters: InterestParameters,
  ) {
    products.forEach((product, index) => this.productIndex.set(product.id, index));
  }

  /** Records one order line. Lines of products missing from the catalogue are counted and skipped. */
  addPurchase(residentKey: string, productId: string, at: number): boolean {
    const product = this.productIndex.get(productId);
    if (product === undefined) {
      this.skipped += 1;
      return false;
    }
    let resident = this.residentIndex.get(residentKey);
    if (resident === undefined) {
      resident = this.residentKeys.length;
      this.residentIndex.set(residentKey, resident);
      this.residentKeys.push(residentKey);
    }
    this.lineResidents.push(resident);
    this.lineProducts.push(product);
    this.lineTimes.push(at);
    return true;
  }

  residentOf(residentKey: string): number | undefined {
    return this.residentIndex.get(residentKey);
  }

  /** Groups lines by resident, learns neighbours and popularity at `now`. */
  build(now: number): BuiltInterestModel {
    const byResident = this.linesByResident();
    const history = (resident: number): PurchaseSummary[] => {
      const purchases: { product: number; at: number }[] = [];
      for (let k = byResident.offsets[resident]; k < byResident.offsets[resident + 1]; k += 1) {
        const line = byResident.items[k];
        purchases.push({ product: this.lineProducts.get(line), at: this.lineTimes.get(line) });
      }
      return summarisePurchases(purchases, now, this.parameters.halfLifeDays);
    };
    const { distinct, buyers } = this.distinctProducts(history);
    const neighbours = productNeighbours(distinct, this.products.length, this.parameters);
    const popularity = popularityOf(buyers, this.parameters.topProducts);
    return this.assemble(now, history, neighbours, popularity);
  }

  private assemble(now: number, history: (resident: number) => PurchaseSummary[], neighbours: NeighbourTable, popularity: Popularity): BuiltInterestModel {
    const scratch = scoringScratch(this.products.length);
    const model: ScoringModel = { products: this.products, neighbours, popularity, parameters: this.parameters };
    return {
      ...model,
      now,
      residentCount: this.residentKeys.length,
      residentKey: (resident) => this.residentKeys[resident],
      history,
      score: (resident) => scoreResident(history(resident), now, model, scratch),
      stats: {
        residents: this.residentKeys.length,
        purchases: this.lineResidents.length,
        skippedPurchases: this.skipped,
        products: this.products.length,
        neighbourPairs: neighbours.neighbours.length,
      },
    };
  }

  /** A counting sort of line numbers by resident. */
  private linesByResident(): CompressedRows {
    const residents = this.residentKeys.length;
    const offsets = new Int32Array(residents + 1);
    for (let line = 0; line < this.lineResidents.length; line += 1) offsets[this.lineResidents.get(line) + 1] += 1;
    for (let r = 0; r < residents; r += 1) offsets[r + 1] += offsets[r];
    const cursor = offsets.slice(0, residents);
    const items = new Int32Array(this.lineResidents.length);
    for (let line = 0; line < this.lineResidents.length; line += 1) items[cursor[this.lineResidents.get(line)]++] = line;
    return { offsets, items };
  }

  /**
   * Each resident's distinct products (at most `maxProductsPerResident`, the heaviest) for
   * co-purchase counting, and the number of buyers of each product for popularity.
   */
  private distinctProducts(history: (resident: number) => PurchaseSummary[]): { distinct: CompressedRows; buyers: Int32Array } {
    const residents = this.residentKeys.length;
    const offsets = new Int32Array(residents + 1);
    const items = new GrowableArray(new Int32Array(1024), (size) => new Int32Array(size));
    const buyers = new Int32Array(this.products.length);
    for (let r = 0; r < residents; r += 1) {
      let products = history(r);
      for (const entry of products) buyers[entry.product] += 1;
      if (products.length > this.parameters.maxProductsPerResident) {
        products = [...products].sort((a, b) => b.weight - a.weight || a.product - b.product).slice(0, this.parameters.maxProductsPerResident);
      }
      for (const entry of products) items.push(entry.product);
      offsets[r + 1] = items.length;
    }
    const packed = new Int32Array(items.length);
    for (let k = 0; k < items.length; k += 1) packed[k] = items.get(k);
    return { distinct: { offsets, items: packed }, buyers };
  }
}
