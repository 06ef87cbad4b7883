import { STEPSTONE_STATUSES } from '../statuses';

/**
 * The sandbox's own reading of the ATSi Application Status contract, written independently of
 * packages/stepstone so that a mistake in our client is caught here rather than shared:
 * a JSON object with `AtsiApplicationId` (UUID) and `Status` (seed list + configured extras),
 * optional `RawStatus` (string) and `BusinessDate` (ISO-8601 UTC); nothing else.
 * Sources: seeds/stepstone-atsi-application-status.txt; developer.atsi-apply.com/application-status.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$/;
const KNOWN = ['AtsiApplicationId', 'Status', 'RawStatus', 'BusinessDate'];

export function checkStatusBody(body: unknown, extraStatuses: readonly string[] = []): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['body must be a JSON object'];
  const fields = body as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(fields).filter((name) => !KNOWN.includes(name));
  if (unknown.length > 0) problems.push(`unknown field(s): ${unknown.join(', ')}`);
  if (!('AtsiApplicationId' in fields)) problems.push('AtsiApplicationId is required');
  else if (typeof fields.AtsiApplicationId !== 'string' || !UUID.test(fields.AtsiApplicationId)) problems.push('AtsiApplicationId must be a UUID');
  const allowed = [...STEPSTONE_STATUSES, ...extraStatuses];
  if (!('Status' in fields)) problems.push('Status is required');
  else if (typeof fields.Status !== 'string' || !allowed.includes(fields.Status)) problems.push(`Status must be one of ${allowed.join(', ')}`);
  if ('RawStatus' in fields && typeof fields.RawStatus !== 'string') problems.push('RawStatus must be a string');
  if ('BusinessDate' in fields) {
    const date = fields.BusinessDate;
    if (typeof date !== 'string' || !ISO_UTC.test(date) || Number.isNaN(Date.parse(date))) problems.push('BusinessDate must be an ISO-8601 UTC timestamp');
  }
  return problems;
}
