import { chinaDateKey } from '@o2o/shared/rules/china-time';
import { addDays, monthRange } from '@o2o/shared/rules/metrics';
import { seedDemoOrders } from '../components/orders/orders.seed';
import { seedDemoInterest } from '../components/interest/interest.seed';
import { seedDemoPromotions } from '../components/campaigns/promotions.seed';
import { seedLabelCatalogue } from '../components/labels/labels.catalogue';
import { seedDemoCatalogue } from '../components/products/products.seed';
import { seedDemoRewards } from '../components/rewards/rewards.seed';
import { seedDemoTasks } from '../components/tasks/tasks.seed';
import type { Services } from '../services';
import { seedDemoData } from './demo-data';

/**
 * The whole demo: chain, codes, tasks, rewards and products, and with `services` also a few months
 * of orders (through the order webhook's own service, so points and first orders are consistent)
 * and their metric rollups.
 * Each part does nothing if it already has data.
 */
export async function seedDemo(options: { services?: Services; orderMonths?: number; now?: Date } = {}): Promise<{ created: boolean }> {
  const now = options.now ?? new Date();
  const { created } = await seedDemoData(now);
  await seedDemoTasks(now);
  await seedDemoRewards(now);
  await seedDemoCatalogue();
  await seedLabelCatalogue();
  if (options.services && created) {
    const months = options.orderMonths ?? 3;
    await seedDemoOrders(options.services, { months, now });
    // Backfill the metric rollups over the seeded months, so the demo's ranges are not empty before the first nightly run.
    const today = chinaDateKey(now);
    await options.services.metrics.rollupRange(addDays(today, -(months * 30 + 1)), addDays(today, -1));
    await options.services.scorecards.rollupMonths(monthRange(addDays(today, -(months * 30 + 1)).slice(0, 7), today.slice(0, 7)));
    // The interest label and the rule labels over the seeded history, so audiences and "猜你喜欢" have data at once.
    await seedDemoInterest(options.services, now);
    await options.services.labels.recomputeAll(now);
    // Promotions snapshot their audience from the interest label, so they come last.
    await seedDemoPromotions(options.services.campaigns.promotions, now);
  }
  return { created };
}
