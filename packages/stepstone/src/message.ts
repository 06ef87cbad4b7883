import { STEPSTONE_STATUSES } from './statuses';

/**
 * The ATSi Application Status message. Field names and casing are the contract's
 * (the seed contract, docs/partners/stepstone.md#the-message: `AtsiApplicationId`, `Status`); the
 * newer docs (developer.atsi-apply.com/application-status) add `RawStatus` (the ATS's own label)
 * and `BusinessDate` (ISO-8601 UTC, e.g. 2022-07-29T11:26:11.106Z).
 */
export interface AtsiStatusMessage {
  AtsiApplicationId: string;
  Status: string;
  RawStatus?: string;
  BusinessDate?: string;
}

export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** ISO-8601 in UTC as StepStone's example writes it: date, time, optional fraction, `Z`. */
export const ISO_UTC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const FIELDS = new Set(['AtsiApplicationId', 'Status', 'RawStatus', 'BusinessDate']);

/** The seed's eight statuses plus a tenant's extras (StepStone's newer example uses CONTACT, not in the seed). */
export function allowedStatuses(extraStatuses: readonly string[] = []): ReadonlySet<string> {
  return new Set<string>([...STEPSTONE_STATUSES, ...extraStatuses]);
}

export interface MessageInput {
  atsiApplicationId: string;
  status: string;
  /** The iCIMS status name (workflow status.value), if known. */
  rawStatus?: string;
  /** When the change happened, any format Date can parse; sent as ISO-8601 UTC. */
  occurredAt?: string;
  sendRawStatus?: boolean;
  sendBusinessDate?: boolean;
}

/** Normalises a timestamp to ISO-8601 UTC; undefined when it cannot be read as a date. */
export function toIsoUtc(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * Builds the message. RawStatus and BusinessDate are on unless the tenant turns them off; both are
 * left out rather than sent empty when the source has no value (an empty RawStatus tells StepStone nothing).
 */
export function buildStatusMessage(input: MessageInput): AtsiStatusMessage {
  const message: AtsiStatusMessage = { AtsiApplicationId: input.atsiApplicationId, Status: input.status };
  const rawStatus = input.rawStatus?.trim();
  if (input.sendRawStatus !== false && rawStatus) message.RawStatus = rawStatus;
  const businessDate = toIsoUtc(input.occurredAt);
  if (input.sendBusinessDate !== false && businessDate) message.BusinessDate = businessDate;
  return message;
}

/**
 * Checks a message against the contract before it is sent. Returns the problems (empty: valid).
 * Messages never carry candidate data, so problems may quote the offending value.
 */
export function validateStatusMessage(message: unknown, allowed: ReadonlySet<string> = allowedStatuses()): string[] {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return ['message must be a JSON object'];
  const fields = message as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of Object.keys(fields)) if (!FIELDS.has(name)) problems.push(`unknown field ${name}`);
  const id = fields.AtsiApplicationId;
  if (typeof id !== 'string' || !UUID_PATTERN.test(id)) problems.push(`AtsiApplicationId must be a UUID (got ${JSON.stringify(id)})`);
  const status = fields.Status;
  if (typeof status !== 'string' || !allowed.has(status)) {
    problems.push(`Status must be one of ${[...allowed].join(', ')} (got ${JSON.stringify(status)})`);
  }
  if ('RawStatus' in fields && (typeof fields.RawStatus !== 'string' || fields.RawStatus.trim() === '')) {
    problems.push('RawStatus must be a non-empty string when present');
  }
  if ('BusinessDate' in fields) {
    const date = fields.BusinessDate;
    if (typeof date !== 'string' || !ISO_UTC_PATTERN.test(date) || Number.isNaN(Date.parse(date))) {
      problems.push(`BusinessDate must be ISO-8601 UTC like 2022-07-29T11:26:11.106Z (got ${JSON.stringify(date)})`);
    }
  }
  return problems;
}
