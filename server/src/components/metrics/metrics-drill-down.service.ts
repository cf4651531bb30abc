import { addMonths, dayRange, monthDays, periodDays } from '@o2o/shared/rules/metrics';
import type { DrillDown, DrillDownQuery } from '@o2o/shared/schemas/metrics';
import { idString, isoString } from '../../lib/ids';
import type { StaffPrincipal } from '../auth/auth.guard';
import { MemberList, type CountSink } from './metric-tables';
import { todayOf, type MetricsContext } from './metrics-context';
import { resolveMetricScope } from './metrics-scope';
import type { MetricsSnapshot } from './metrics.repository';

/** The raw data a drill-down reads (shared by every dimension and field asked of it), and when it was read. */
interface DrillDownData {
  snapshot: MetricsSnapshot;
  asOf: Date;
}

/** Keeps at most this many drill-down snapshots in memory (each can hold every resident). */
const DRILL_DOWN_SNAPSHOTS = 4;

/** The residents behind one count, through the same `fill…` definition as the count. */
export class MetricsDrillDown {
  private readonly drillDownData = new Map<string, { at: number; data: Promise<DrillDownData> }>();

  constructor(
    private readonly context: MetricsContext,
    /** How long the raw data read for a drill-down is kept for paging and other dimensions. */
    private readonly cacheMs: number,
  ) {}

  /**
   * The residents one count adds up, scoped like the count (the same `resolveMetricScope`), one
   * page at a time, newest registration first. The list comes from raw data through the same
   * `fill…` definition as the count, so it has exactly as many residents as the count whenever
   * nothing changed since the count's rollup. The raw data read is kept for `drillDownCacheMs`,
   * so paging, and asking the same period by another dimension or segment, reads nothing again.
   */
  async drillDown(staff: StaffPrincipal, query: DrillDownQuery): Promise<DrillDown> {
    const scope = await resolveMetricScope(staff, query.dimension, query.value);
    const source = this.drillDownSource(query);
    const { snapshot, asOf } = await this.cachedDrillDownData(source.key, source.load);
    const list = new MemberList(source.field, scope);
    source.fill(snapshot, list);
    const members = [...list.members.values()].sort(
      (a, b) => b.registeredAt.getTime() - a.registeredAt.getTime() || (String(a._id) < String(b._id) ? 1 : String(a._id) > String(b._id) ? -1 : 0),
    );
    const page = members.slice(query.offset, query.offset + query.limit);
    const nicknames = await this.context.repository.nicknames(page.map((resident) => resident._id));
    return {
      metric: query.metric, dimension: scope.dimension, value: scope.label,
      total: members.length, offset: query.offset, limit: query.limit, asOf: asOf.toISOString(),
      items: page.map((resident) => ({
        id: String(resident._id),
        nickname: nicknames.get(String(resident._id)) ?? null,
        registeredAt: resident.registeredAt.toISOString(),
        storeId: idString(resident.storeId),
        communityId: idString(resident.communityId),
        advisorId: idString(resident.attribution?.advisorId),
        codeType: resident.attribution?.codeType ?? null,
        channelId: idString(resident.attribution?.channelId),
        campaignId: idString(resident.attribution?.campaignId),
        placementId: idString(resident.attribution?.placementId),
        firstCompletedAt: isoString(snapshot.firstCompleted.get(String(resident._id))),
      })),
    };
  }

  private cachedDrillDownData(key: string, load: () => Promise<MetricsSnapshot>): Promise<DrillDownData> {
    const cached = this.drillDownData.get(key);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.data;
    const data = load().then((snapshot) => ({ snapshot, asOf: this.context.now() }));
    this.drillDownData.delete(key);
    this.drillDownData.set(key, { at: Date.now(), data });
    data.catch(() => this.drillDownData.delete(key));
    // Oldest first: drop what does not fit.
    for (const oldest of this.drillDownData.keys()) {
      if (this.drillDownData.size <= DRILL_DOWN_SNAPSHOTS) break;
      this.drillDownData.delete(oldest);
    }
    return data;
  }

  /** What a drill-down metric reads (its key and loader), the count's field and its `fill…` definition. */
  private drillDownSource(query: DrillDownQuery): { key: string; load: () => Promise<MetricsSnapshot>; field: string; fill: (snapshot: MetricsSnapshot, sink: CountSink) => void } {
    const types = this.context.tables.activeDefinition.eventTypes;
    const activity = { orders: true, events: true };
    const REPURCHASE_FIELD = { repurchase_base: 'base', repurchased: 'repurchased', new_repurchase_base: 'newBase', new_repurchased: 'newRepurchased' } as const;
    const ACTIVE_FIELD = { all: 'activeResidents', new: 'activeNew', old: 'activeOld' } as const;
    switch (query.metric) {
      case 'registered':
      case 'converted': {
        const [from, to] = [query.from!, query.to!];
        return {
          key: `cohorts|${from}|${to}`,
          load: () => this.context.repository.loadRange(from, to, types, { registrations: true }),
          field: query.metric === 'registered' ? 'registrations' : query.windowDays === 30 ? 'converted30' : 'converted7',
          fill: (snapshot, sink) => dayRange(from, to).forEach((day) => this.context.tables.fillCohort(day, snapshot, sink)),
        };
      }
      case 'repurchase_base':
      case 'repurchased':
      case 'new_repurchase_base':
      case 'new_repurchased': {
        const month = query.month!;
        return {
          key: `repurchase|${month}`,
          load: () => this.context.repository.loadRange(monthDays(month).from, monthDays(addMonths(month, 1)).to, types, { orders: true }),
          field: REPURCHASE_FIELD[query.metric],
          fill: (snapshot, sink) => this.context.tables.fillRepurchase(month, snapshot, sink),
        };
      }
      case 'active': {
        const day = query.day!;
        return {
          key: `activity|${day}|${day}`,
          load: () => this.context.repository.loadRange(day, day, types, activity),
          field: ACTIVE_FIELD[query.segment],
          fill: (snapshot, sink) => this.context.tables.fillActivity(day, snapshot, sink),
        };
      }
      case 'weekly_active':
      case 'monthly_active': {
        const [kind, key] = query.metric === 'weekly_active' ? (['week', query.week!] as const) : (['month', query.month!] as const);
        const days = periodDays(kind, key);
        return {
          key: `activity|${days[0]}|${days[days.length - 1]}`,
          load: () => this.context.repository.loadRange(days[0], days[days.length - 1], types, activity),
          field: 'active',
          fill: (snapshot, sink) => this.context.tables.fillActivePeriod(kind, key, snapshot, sink),
        };
      }
      case 'registered_total':
      case 'consumers':
        // Cumulative up to now: every resident, and those with a completed order that still stands.
        return {
          key: 'everyone',
          load: () => this.context.repository.loadFull([], [], []),
          field: query.metric === 'consumers' ? 'consumers' : 'registered',
          fill: (snapshot, sink) => this.context.tables.fillConsumers(todayOf(this.context), snapshot, sink),
        };
    }
  }
}
