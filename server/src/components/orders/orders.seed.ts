import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { CODE_TYPE_CREDITS, type CodeType } from '@o2o/shared/schemas/acquisition';
import { chinaDateKey, chinaDayStart, DAY_MS } from '@o2o/shared/rules/china-time';
import { distanceKm } from '@o2o/shared/rules/geo';
import type { OrderStatus, OrderWebhookEvent } from '@o2o/shared/schemas/orders';
import { QrCodeModel } from '../acquisition/acquisition.model';
import { CommunityModel, StoreModel } from '../organisation/organisation.model';
import { ProductModel } from '../products/products.model';
import { ResidentModel } from '../residents/resident.model';
import { randomInviteCode } from '../residents/resident.service';
import { OrderEventModel } from './orders.model';
import { OrderService, type OrderServiceDeps } from './orders.service';

export interface DemoOrdersOptions {
  /** How many months of orders, ending today. */
  months: number;
  /** How many demo residents to create (default 36). */
  residents?: number;
  now?: Date;
}

const HOUR_MS = 3600_000;
const MINUTE_MS = 60_000;

const NICKNAMES = ['王阿姨', '李先生', '张女士', '刘老师', '陈师傅', '杨小姐', '赵大爷', '黄太太', '周先生', '吴阿姨', '徐女士', '孙老伯', '马小姐', '朱先生', '胡阿姨', '郭女士', '何先生', '林小姐'];

/**
 * How a demo resident shops: every few days, every few weeks, once, or never (registered only), so
 * first-order conversion and next-month repurchase come out different per store and community.
 */
const PROFILES = [
  { kind: 'regular', weight: 0.25, firstAfterDays: [0.1, 3], everyDays: [2, 7] },
  { kind: 'monthly', weight: 0.3, firstAfterDays: [0.5, 10], everyDays: [18, 40] },
  { kind: 'once', weight: 0.25, firstAfterDays: [0.5, 14], everyDays: null },
  { kind: 'dormant', weight: 0.2, firstAfterDays: null, everyDays: null },
] as const;

/** A small seeded generator (mulberry32): the same plan every run, so a rerun on the same day repeats the same events. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (low: number, high: number) => low + next() * (high - low),
    integer: (low: number, high: number) => low + Math.floor(next() * (high - low + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}

interface PlannedEvent {
  event: OrderWebhookEvent;
  at: Date;
}

/**
 * A few months of realistic orders for demo residents it creates (openids `demo:order-resident-NN`,
 * spread over the communities each store serves, credited to the stores' codes or organic), each
 * delivered through `OrderService.receive` like a webhook, so points, tasks and `firstOrderAt` are
 * what real deliveries would make. Some orders are cancelled, some refunded after completion.
 * Idempotent: the plan is fixed for a day, event ids are fixed, and a finished plan is not replayed.
 */
export async function seedDemoOrders(deps: OrderServiceDeps, options: DemoOrdersOptions): Promise<{ residents: number; orders: number; events: number }> {
  const empty = { residents: 0, orders: 0, events: 0 };
  const now = options.now ?? new Date();
  const anchor = chinaDayStart(chinaDateKey(now));
  const windowStart = new Date(anchor.getTime() - options.months * 30 * DAY_MS);
  const random = generator(20_240_601 + options.months);

  const stores = await StoreModel.find({}, { location: 1, serviceRadiusKm: 1 }).sort({ _id: 1 }).lean();
  const communities = await CommunityModel.find({}, { location: 1 }).sort({ _id: 1 }).lean();
  const served = communities.flatMap((community) => {
    const nearest = stores
      .map((store) => ({ store, distance: community.location && store.location ? distanceKm(community.location, store.location) : Infinity }))
      .filter(({ store, distance }) => distance <= (store.serviceRadiusKm ?? 3))
      .sort((a, b) => a.distance - b.distance)[0];
    return nearest ? [{ communityId: community._id, storeId: nearest.store._id }] : [];
  });
  if (served.length === 0) return empty;

  const codes = await QrCodeModel.find({}, { type: 1, storeId: 1, advisorId: 1, channelId: 1, campaignId: 1, placementId: 1 }).sort({ _id: 1 }).lean();
  const products = await ProductModel.find({ active: true }, { priceCents: 1, storeIds: 1 }).sort({ _id: 1 }).lean<{ _id: string; priceCents: number; storeIds: Types.ObjectId[] }[]>();
  const productsAt = (storeId: Types.ObjectId) => products.filter((product) => product.storeIds.some((id) => id.equals(storeId)));

  const residents = Array.from({ length: options.residents ?? 36 }, (_, index) => {
    const home = served[index % served.length];
    const registeredAt = new Date(random.between(windowStart.getTime(), anchor.getTime() - 3 * DAY_MS));
    const storeCodes = codes.filter((code) => code.storeId.equals(home.storeId));
    const code = storeCodes.length > 0 && random.next() < 0.8 ? random.pick(storeCodes) : null;
    let roll = random.next();
    const profile = PROFILES.find((candidate) => (roll -= candidate.weight) < 0) ?? PROFILES[PROFILES.length - 1];
    return { index, openid: `demo:order-resident-${String(index + 1).padStart(2, '0')}`, ...home, registeredAt, code, profile };
  });

  const planned: PlannedEvent[] = [];
  let orderCount = 0;
  for (const resident of residents) {
    if (!resident.profile.firstAfterDays) continue;
    let at = resident.registeredAt.getTime() + random.between(resident.profile.firstAfterDays[0], resident.profile.firstAfterDays[1]) * DAY_MS;
    while (at < anchor.getTime() - 4 * HOUR_MS) {
      orderCount += 1;
      const orderId = `DEMO-${String(orderCount).padStart(5, '0')}`;
      const storeId = random.next() < 0.1 ? random.pick(stores)._id : resident.storeId;
      const range = productsAt(storeId);
      const lines = range.length > 0
        ? [...new Set(Array.from({ length: random.integer(1, 4) }, () => random.pick(range)))].map((product) => {
            const quantity = random.integer(1, 3);
            return { productId: product._id, quantity, amountCents: product.priceCents * quantity };
          })
        : [{ productId: 'SKU-MISC', quantity: 1, amountCents: random.integer(15, 80) * 100 }];
      const base = { orderId, residentOpenid: resident.openid, storeId: String(storeId), lines, totalCents: lines.reduce((sum, line) => sum + line.amountCents, 0) };
      const add = (status: OrderStatus, time: number) => planned.push({ at: new Date(time), event: { ...base, eventId: `${orderId}:${status}`, status, occurredAt: new Date(time).toISOString() } });

      add('paid', at);
      const outcome = random.next();
      if (outcome < 0.05) {
        add('cancelled', at + random.between(5, 30) * MINUTE_MS);
      } else {
        const completedAt = at + random.between(40, 150) * MINUTE_MS;
        add('completed', completedAt);
        const refundAt = completedAt + random.between(1, 48) * HOUR_MS;
        if (outcome > 0.96 && refundAt < anchor.getTime()) add('refunded', refundAt);
      }
      if (!resident.profile.everyDays) break;
      at += random.between(resident.profile.everyDays[0], resident.profile.everyDays[1]) * DAY_MS + random.between(-3, 3) * HOUR_MS;
    }
  }

  planned.sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = planned[planned.length - 1];
  if (last && (await OrderEventModel.exists({ _id: last.event.eventId }))) return empty;

  for (const resident of residents) {
    const code = resident.code;
    const credit = code ? CODE_TYPE_CREDITS[code.type as CodeType] : null;
    await ResidentModel.updateOne(
      { openid: resident.openid },
      {
        $setOnInsert: {
          openid: resident.openid,
          nickname: NICKNAMES[resident.index % NICKNAMES.length],
          communityId: resident.communityId,
          storeId: resident.storeId,
          attribution: {
            source: code ? 'code' : 'organic',
            touchId: null,
            codeId: code?._id ?? null,
            codeType: code?.type ?? null,
            storeId: code?.storeId ?? null,
            advisorId: credit === 'advisor' ? (code?.advisorId ?? null) : null,
            codeOwnerId: code?.advisorId ?? null,
            channelId: code?.channelId ?? null,
            campaignId: code?.campaignId ?? null,
            placementId: code?.placementId ?? null,
            inviterResidentId: null,
            at: resident.registeredAt,
          },
          inviteCode: randomInviteCode(),
          registeredAt: resident.registeredAt,
          signedUpAt: new Date(resident.registeredAt.getTime() + 5 * MINUTE_MS),
          creationToken: randomBytes(12).toString('hex'),
        },
      },
      { upsert: true },
    );
  }

  const service = new OrderService(deps);
  for (const { event, at } of planned) await service.receive(event, new Date(at.getTime() + 2000));
  return { residents: residents.length, orders: orderCount, events: planned.length };
}
