import type { Response } from 'express';
import { listenSandbox } from '@status-bridge/core';
import { ATSI_V1_PATH, createStepStoneSandboxApp, SEED_STATUS_PATH } from './app';
import { StepStoneSandboxState, type FaultRequest, type ReceivedStatus, type RejectedStatus, type SandboxRequest } from './state';

export * from './app';
export * from './contract';
export * from './state';

export interface StepStoneSandboxOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** X-AtsiToken values the sandbox accepts. */
  tokens?: readonly string[];
  /** Statuses accepted beyond the seed's eight (e.g. CONTACT). */
  extraStatuses?: readonly string[];
}

export interface StepStoneSandbox {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Full URL of the seed's path (/api/application-status). */
  seedStatusUrl: string;
  /** Full URL of the current docs' path for an ATS id (/qs-api/public/atsi/v1/{atsId}). */
  statusUrl(atsId: string): string;
  state: StepStoneSandboxState;
  /** Accepted messages, in arrival order (live array). */
  received: ReceivedStatus[];
  /** Refused messages with the reason given (live array). */
  rejected: RejectedStatus[];
  /** Every request including faults (live array). */
  requests: SandboxRequest[];
  rateLimitNext(count: number, retryAfter?: string | number | null): void;
  failNext(count: number, status?: number): void;
  /** Next `count` requests never get an answer; `afterAccept`: they are recorded as received first. */
  hangNext(count?: number, afterAccept?: boolean): void;
  /** Next `count` requests (default: all) are held `ms` before they are handled (state.inFlight counts the held ones). */
  delayNext(ms: number, count?: number): void;
  rejectAll(enabled: boolean, message?: string): void;
  faults(request: FaultRequest): void;
  reset(): void;
  close(): Promise<void>;
}

export async function start(options: StepStoneSandboxOptions = {}): Promise<StepStoneSandbox> {
  const state = new StepStoneSandboxState({ tokens: options.tokens, extraStatuses: options.extraStatuses });
  const hung = new Set<Response>();
  const { url, close } = await listenSandbox(createStepStoneSandboxApp(state, hung), options, hung);
  return {
    url,
    seedStatusUrl: `${url}${SEED_STATUS_PATH}`,
    statusUrl: (atsId) => `${url}${ATSI_V1_PATH.replace(':atsId', encodeURIComponent(atsId))}`,
    state,
    received: state.received,
    rejected: state.rejected,
    requests: state.requests,
    rateLimitNext: (count, retryAfter) => state.rateLimitNext(count, retryAfter),
    failNext: (count, status) => state.failNext(count, status),
    hangNext: (count, afterAccept) => state.hangNext(count, afterAccept),
    delayNext: (ms, count) => state.delayNext(ms, count),
    rejectAll: (enabled, message) => state.rejectAll(enabled, message),
    faults: (request) => state.applyFaults(request),
    reset: () => state.reset(),
    close,
  };
}
