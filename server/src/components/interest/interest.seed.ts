import { InterestModelRunModel } from './interest.model';
import type { InterestService } from './interest.service';

/** Seed hook: after the demo chain and its orders, build the labels once (does nothing if a model exists). */
export async function seedDemoInterest(services: { interest: InterestService }, now = new Date()): Promise<{ built: boolean }> {
  if (await InterestModelRunModel.exists({})) return { built: false };
  await services.interest.rebuild(now);
  return { built: true };
}
