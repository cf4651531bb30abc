import { seedDemoOrders } from '../components/orders/orders.seed';
import { seedDemoCatalogue } from '../components/products/products.seed';
import { seedDemoRewards } from '../components/rewards/rewards.seed';
import { seedDemoTasks } from '../components/tasks/tasks.seed';
import type { Services } from '../container';
import { seedDemoData } from './demo-data';

/**
 * The whole demo: chain, codes, tasks, rewards and products, and with `services` also a few months
 * of orders (through the order webhook's own service, so points and first orders are consistent).
 * Each part does nothing if it already has data.
 */
export async function seedDemo(options: { services?: Services; orderMonths?: number; now?: Date } = {}): Promise<{ created: boolean }> {
  const now = options.now ?? new Date();
  const { created } = await seedDemoData(now);
  await seedDemoTasks(now);
  await seedDemoRewards(now);
  await seedDemoCatalogue();
  if (options.services && created) await seedDemoOrders(options.services, { months: options.orderMonths ?? 3, now });
  return { created };
}
