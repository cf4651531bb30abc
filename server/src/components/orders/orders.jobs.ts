import type { JobDefinition } from '../../jobs/scheduler';
import type { OrderService } from './orders.service';

const REPAIR_WINDOW_MS = 2 * 24 * 3600_000;

/** Re-settles orders with recent events, finishing effects a crash interrupted; safe to rerun. */
export function ordersJobs(orders: OrderService): JobDefinition[] {
  return [
    {
      name: 'orders-repair',
      title: '订单状态与积分补偿',
      schedule: { kind: 'hourly', minute: 40 },
      leaseMs: 30 * 60_000,
      run: async (now) => ({ ...(await orders.repair(new Date(now.getTime() - REPAIR_WINDOW_MS))) }),
    },
  ];
}
