import { DEFAULT_INTEREST_PARAMETERS, type InterestParameters } from '@o2o/shared/rules/interest';
import { interestParametersSchema, type InterestParametersInput } from '@o2o/shared/schemas/interest';
import type { Services } from '../../container';
import type { ApiRouter } from '../../lib/api-router';
import type { JobDefinition } from '../../jobs/scheduler';
import { InterestModelRunModel } from './interest.model';
import { interestJobs } from './interest.jobs';
import { interestRouter, myInterestsRouter } from './interest.router';
import { InterestService } from './interest.service';

export { InterestService } from './interest.service';

export interface InterestComponent {
  interest: InterestService;
  routers: ApiRouter[];
  jobs: JobDefinition[];
}

/** Validated parameters: any subset (e.g. parsed from config), the rest defaults. Throws on a bad value. */
export function interestParameters(input: InterestParametersInput = {}): InterestParameters {
  return { ...DEFAULT_INTEREST_PARAMETERS, ...interestParametersSchema.parse(input) };
}

/** Builds the interest service, its routers (`/interest/*`, `/me/interests`) and its nightly job. */
export function createInterestComponent(services: Services, parameters: InterestParametersInput = {}): InterestComponent {
  const interest = new InterestService(interestParameters(parameters), services.logger);
  const withInterest = { ...services, interest };
  return { interest, routers: [interestRouter(withInterest), myInterestsRouter(withInterest)], jobs: interestJobs(interest) };
}

/** Seed hook: after the demo chain and its orders, build the labels once (does nothing if a model exists). */
export async function seedDemoInterest(services: { interest: InterestService }, now = new Date()): Promise<{ built: boolean }> {
  if (await InterestModelRunModel.exists({})) return { built: false };
  await services.interest.rebuild(now);
  return { built: true };
}
