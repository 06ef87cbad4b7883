import { definePartner } from '@status-bridge/core';
import { createStepStoneDeliverer } from './deliverer';
import { stepstoneIngestRoutes } from './correlation-route';
import { stepstoneEnvProperties } from './env';
import { planStepStoneDelivery } from './plan';
import { stepstoneSandbox } from './sandbox-definition';
import { stepstoneSectionSchema, type StepStoneSection } from './section';
import { DEFAULT_STEPSTONE_BY_STAGE, STEPSTONE_STATUSES } from './statuses';

/**
 * StepStone, ATSi Application Status: a *current state* per application (newest wins; see
 * deliverer.ts). The one thing this package gives the rest of the system (registered in
 * packages/partners). Key, queue name and job name are stored with queued jobs: never rename them.
 */
export const partner = definePartner({
  key: 'stepstone',
  title: 'StepStone',
  queue: {
    name: 'deliver-stepstone',
    jobName: 'stepstone-status',
    description: 'Posts status changes to the StepStone ATSi Application Status service',
    // About 26 hours of retries with the default delays, so a day-long outage is survived.
    attempts: 35,
  },
  tenant: {
    schema: stepstoneSectionSchema,
    secrets: (section: StepStoneSection) => [{ env: section.tokenEnv, field: 'tokenEnv' }],
  },
  env: { properties: stepstoneEnvProperties },
  statuses: {
    accepted: (section: StepStoneSection) => [...STEPSTONE_STATUSES, ...(section.extraStatuses ?? [])],
    defaultsByStage: DEFAULT_STEPSTONE_BY_STAGE,
  },
  icimsNeeds: (section: StepStoneSection) => ({ workflowFields: section.applicationIdField ? [section.applicationIdField] : [] }),
  plan: planStepStoneDelivery,
  createDeliverer: createStepStoneDeliverer,
  ingestRoutes: stepstoneIngestRoutes,
  sandbox: stepstoneSandbox,
});
