import Ajv, { type ErrorObject } from 'ajv';
import type { IcimsLink, IcimsStatusEvent } from '@status-bridge/core';

/**
 * The iCIMS Status Flow Update event (`WorkFlowStatusChangeEvent`) as we accept it at ingest.
 *
 * Source: developer.icims.com "Integration Events / Status Flow Update" (parameter table and
 * example, packages/testing/src/fixtures.ts SEED_EVENT_JSON). iCIMS adds JSON fields without notice
 * and discourages strict schemas (developer.icims.com "Connecting, Authenticating"), so unknown
 * fields are tolerated here and dropped by `toStatusEvent`, never stored.
 */
export const STATUS_FLOW_EVENT_TYPE = 'WorkFlowStatusChangeEvent';

// iCIMS sends system ids as strings of digits ("customerId":"1234"); 20 digits covers a 64-bit id.
const digitId = { type: 'string', pattern: '^[0-9]{1,20}$' };

// Status ids are not always numeric (the workflow API shows ids like "D10100"). We restrict them
// to letters, digits and ._- because they become part of the BullMQ job id and deduplication id
// (BullMQ forbids ':' in ids) and of log lines and Redis keys; 64 characters is far above any
// id iCIMS has been seen to use.
const statusId = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' };

const link = {
  type: 'object',
  required: ['title', 'rel', 'url'],
  properties: {
    title: { type: 'string', maxLength: 256 },
    rel: { type: 'string', minLength: 1, maxLength: 64 },
    // Only a string here: whether we ever follow it is decided by the worker's link allow-list.
    url: { type: 'string', minLength: 1, maxLength: 2048 },
  },
};

export const statusEventSchema = {
  type: 'object',
  // The order of `required` is the order problems are reported in: eventType first, so another
  // iCIMS event type sent to this endpoint is told "unsupported", not "field X missing".
  required: ['eventType', 'customerId', 'systemId', 'personId', 'jobId', 'userId', 'newStatus', 'oldStatus', 'links'],
  properties: {
    eventType: { type: 'string', const: STATUS_FLOW_EVENT_TYPE },
    customerId: digitId,
    systemId: digitId,
    personId: digitId,
    jobId: digitId,
    userId: digitId,
    newStatus: statusId,
    oldStatus: statusId,
    links: { type: 'array', maxItems: 50, items: link },
  },
} as const;

/** Words a recruiter understands for each field, used in the message iCIMS shows them. */
export const FIELD_DESCRIPTIONS: Record<string, string> = {
  eventType: 'the event type',
  customerId: 'the iCIMS customer ID',
  systemId: 'the applicant workflow ID (Workflow System ID)',
  personId: "the candidate's system ID",
  jobId: "the job's system ID",
  userId: 'the ID of the user who changed the status',
  newStatus: "the candidate's new status",
  oldStatus: "the candidate's previous status",
  links: 'the list of links to the candidate, job and workflow',
};

export interface EventProblem {
  /** `unsupported`: a valid JSON object of another iCIMS event type. `invalid`: a field is missing or malformed. */
  kind: 'unsupported' | 'invalid';
  /** The field at fault, e.g. "newStatus" or "links[2].url"; "(body)" for the body as a whole. */
  field: string;
  /** For the recruiter (iCIMS shows it). Names the field in plain words; never echoes a value. */
  userMessage: string;
  /** For the vendor's logs: the JSON path and the rule broken; never echoes a value. */
  debugErrorMessage: string;
}

export type EventValidation = { ok: true; event: IcimsStatusEvent } | { ok: false; problem: EventProblem };

// allErrors: false stops at the first problem, which is all a recruiter can act on and is cheaper.
const ajv = new Ajv({ allErrors: false, strict: true });
const validateShape = ajv.compile(statusEventSchema);

const SAFE_WORD = /^[A-Za-z]{1,64}$/;

/** Validates a parsed JSON body and returns the event with known fields only. */
export function validateStatusEvent(body: unknown): EventValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      problem: {
        kind: 'invalid',
        field: '(body)',
        userMessage: 'The status change could not be sent: iCIMS sent an event that is not a JSON object. Please try again; if it keeps happening, contact your iCIMS administrator.',
        debugErrorMessage: 'request body must be a JSON object',
      },
    };
  }
  // Checked before the shape: another event type (e.g. an Application Complete event) lacks our
  // fields, and "unsupported" is the answer that helps, not "systemId is missing".
  const eventType = (body as Record<string, unknown>).eventType;
  if (typeof eventType === 'string' && eventType !== STATUS_FLOW_EVENT_TYPE) return { ok: false, problem: unsupported(eventType) };
  if (!validateShape(body)) return { ok: false, problem: describeProblem(validateShape.errors ?? []) };
  return { ok: true, event: toStatusEvent(body as unknown as IcimsStatusEvent) };
}

/** Copies the fields we know, so extra fields iCIMS may add are never stored in Redis. */
export function toStatusEvent(body: IcimsStatusEvent): IcimsStatusEvent {
  return {
    eventType: STATUS_FLOW_EVENT_TYPE,
    customerId: body.customerId,
    systemId: body.systemId,
    personId: body.personId,
    jobId: body.jobId,
    userId: body.userId,
    newStatus: body.newStatus,
    oldStatus: body.oldStatus,
    links: body.links.map((entry: IcimsLink) => ({ title: entry.title, rel: entry.rel, url: entry.url })),
  };
}

function fieldOf(error: ErrorObject): string {
  // "/links/2/url" → "links[2].url"; a missing property is reported on its parent.
  const parts = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') parts.push(String((error.params as { missingProperty: string }).missingProperty));
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function unsupported(eventType: string): EventProblem {
  // Echo the event type only when it is a plain word: it is untrusted input headed for a log.
  const shown = SAFE_WORD.test(eventType) ? eventType : '(not shown)';
  return {
    kind: 'unsupported',
    field: 'eventType',
    userMessage: `This connection only handles candidate status changes (${STATUS_FLOW_EVENT_TYPE}); iCIMS sent another kind of event, which was not processed. Ask your iCIMS administrator to check which events are sent to this connection.`,
    debugErrorMessage: `unsupported eventType ${shown}; only ${STATUS_FLOW_EVENT_TYPE} is accepted`,
  };
}

function describeProblem(errors: ErrorObject[]): EventProblem {
  const error = errors[0];
  const field = error ? fieldOf(error) : '(body)';
  const topField = field.split(/[.[]/)[0];
  const what = FIELD_DESCRIPTIONS[topField] ?? `the field "${topField}"`;
  const missing = error?.keyword === 'required' && field === topField;
  const userMessage = missing
    ? `The status change could not be sent: ${what} (${field}) is missing from the iCIMS event. Please try again; if it keeps happening, contact your iCIMS administrator.`
    : `The status change could not be sent: ${what} (${field}) in the iCIMS event is not valid. Please check the candidate's workflow and try again; if it keeps happening, contact your iCIMS administrator.`;
  return {
    kind: 'invalid',
    field,
    userMessage,
    debugErrorMessage: `${field} ${error?.message ?? 'is invalid'} (schema ${error?.schemaPath ?? '?'})`,
  };
}
