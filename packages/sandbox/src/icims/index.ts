import type { Response } from 'express';
import { listenSandbox } from '@status-bridge/core';
import { createIcimsSandboxApp, ICIMS_TOKEN_PATH } from './app';
import { defaultIcimsFixtures, type GeneratedApplicants, type IcimsFixtures } from './fixtures';
import type { GeneratedApplication, GeneratedApplicationOptions } from './generated';
import { IcimsSandboxState, type BasicUser, type IcimsFaultRequest, type IcimsSandboxRequest, type OAuthClient } from './state';

export * from './app';
export * from './fixtures';
export * from './generated';
export * from './state';

/** Credentials the sandbox accepts by default (match config/tenants.example.json's client id). */
export const SANDBOX_ICIMS_CLIENT: OAuthClient = { clientId: 'status-bridge-1234', clientSecret: 'sandbox-icims-secret' };
export const SANDBOX_ICIMS_USER: BasicUser = { username: 'status-bridge-1234', password: 'sandbox-icims-password' };
export const SANDBOX_ICIMS_AUDIENCE = 'https://api.icims.com/v1/';

export interface IcimsSandboxOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  clients?: OAuthClient[];
  users?: BasicUser[];
  audience?: string;
  tokenLifetimeSeconds?: number;
  /** Replaces the default fixtures (built with the sandbox's own origin). */
  fixtures?: (origin: string) => IcimsFixtures;
  /** Generated applicants served besides the fixtures (load runs; also settable over HTTP). */
  generated?: GeneratedApplicants;
}

export interface IcimsSandbox {
  /** Origin, e.g. http://127.0.0.1:41234: use as ICIMS_API_BASE_URL. */
  url: string;
  /** Use as ICIMS_TOKEN_URL. */
  tokenUrl: string;
  state: IcimsSandboxState;
  /** Every request, in arrival order (live array). */
  requests: IcimsSandboxRequest[];
  faults(request: IcimsFaultRequest): void;
  /** A recruiter's status change: status and `updateddate` (now, or `atMs`, to the minute) change together. */
  setWorkflowStatus(customerId: string, workflowId: string, status: { id: string; value: string }, atMs?: number): void;
  /** Adds or replaces a record. */
  setRecord(customerId: string, kind: 'people' | 'jobs' | 'applicantworkflows', id: string, record: Record<string, unknown>): void;
  /** Adds `count` distinct applications (workflow, person, job, AtsiApplicationId) to a customer. */
  generateApplications(customerId: string, count: number, options?: GeneratedApplicationOptions & { first?: number }): GeneratedApplication[];
  /** Shows a new status on a workflow (the recruiter moved the candidate); false if it does not exist. */
  moveWorkflow(customerId: string, systemId: string, statusId: string): boolean;
  reset(): void;
  close(): Promise<void>;
}

export async function start(options: IcimsSandboxOptions = {}): Promise<IcimsSandbox> {
  const state = new IcimsSandboxState({}, options.clients ?? [SANDBOX_ICIMS_CLIENT], options.users ?? [SANDBOX_ICIMS_USER], options.audience ?? SANDBOX_ICIMS_AUDIENCE, options.tokenLifetimeSeconds ?? 3600);
  const hung = new Set<Response>();
  const { url, close } = await listenSandbox(createIcimsSandboxApp(state, hung), options, hung);
  state.origin = url;
  state.fixtures = (options.fixtures ?? defaultIcimsFixtures)(url);
  state.generated = options.generated ?? null;
  return {
    url,
    tokenUrl: `${url}${ICIMS_TOKEN_PATH}`,
    state,
    requests: state.requests,
    faults: (request) => state.applyFaults(request),
    setWorkflowStatus: (customerId, workflowId, status, atMs) => {
      if (!state.setWorkflowStatus(customerId, workflowId, status, atMs)) throw new Error(`iCIMS sandbox has no workflow ${workflowId} for customer ${customerId}`);
    },
    setRecord: (customerId, kind, id, record) => {
      const customer = (state.fixtures[customerId] ??= { people: {}, jobs: {}, applicantworkflows: {} });
      customer[kind][id] = record;
    },
    generateApplications: (customerId, count, generateOptions) => state.generateApplications(customerId, count, generateOptions),
    moveWorkflow: (customerId, systemId, statusId) => state.moveWorkflow(customerId, systemId, statusId),
    reset: () => state.reset(),
    close,
  };
}
