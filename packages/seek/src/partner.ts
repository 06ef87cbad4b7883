import { definePartner } from '@status-bridge/core';
import { createSeekDeliverer } from './deliverer';
import { seekEnvProperties } from './env';
import { planSeekDelivery } from './plan';
import { seekSandbox } from './sandbox-definition';
import { seekSectionSchema } from './section';
import { DEFAULT_SEEK_BY_STAGE, SEEK_STATUS_CODES } from './statuses';

/**
 * SEEK, candidate process history: every transition is an item (exactly once in effect through
 * the idempotency id). The one thing this package gives the rest of the system (registered in
 * packages/partners). Key, queue name and job name are stored with queued jobs: never rename them.
 */
export const partner = definePartner({
  key: 'seek',
  title: 'SEEK',
  queue: {
    name: 'deliver-seek',
    jobName: 'seek-process-history',
    description: 'Records status changes as SEEK candidate process history items',
    attempts: 35,
  },
  tenant: {
    schema: seekSectionSchema,
    // The partner token is partner-wide (SEEK_CLIENT_ID / SEEK_CLIENT_SECRET); a section names no secret.
    secrets: () => [],
  },
  env: { properties: seekEnvProperties },
  statuses: {
    accepted: () => SEEK_STATUS_CODES,
    defaultsByStage: DEFAULT_SEEK_BY_STAGE,
  },
  icimsNeeds: (section) => ({
    workflowFields: section.sourceField ? [section.sourceField] : [],
    personFields: section.candidateProfileField ? [section.candidateProfileField] : [],
    jobFields: section.positionProfileField ? [section.positionProfileField] : [],
    // primaryParties: "the parties that executed the action" (the recruiter, not the candidate).
    actor: true,
  }),
  plan: planSeekDelivery,
  createDeliverer: createSeekDeliverer,
  sandbox: seekSandbox,
  // SEEK reports failures in errors[].extensions.code (developer.seek.com/graphql/error-responses).
  errorCodeClass: 'graphql',
});
