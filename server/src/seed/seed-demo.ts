import { seedDemoRewards } from '../components/rewards/rewards.seed';
import { seedDemoTasks } from '../components/tasks/tasks.seed';
import { seedDemoData } from './demo-data';

/** The whole demo: chain, codes, tasks and rewards. Each part does nothing if it already has data. */
export async function seedDemo(now = new Date()): Promise<{ created: boolean }> {
  const { created } = await seedDemoData(now);
  await seedDemoTasks(now);
  await seedDemoRewards(now);
  return { created };
}
