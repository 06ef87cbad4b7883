/**
 * Typed views of iCIMS records. iCIMS lowercases field names, may add fields at any time and
 * omits empty or hidden fields (docs/partners/icims.md#records), so a record is read as a map: unknown keys are
 * ignored and a missing field is missing data, never an error. Dropdown (list) fields come as
 * `{id, value}`, profile links as `{profile, id, value}`.
 */
export type IcimsRecord = Record<string, unknown>;

export interface ListValue {
  id?: string;
  value?: string;
}

/** A plain text field (a string, or a number iCIMS returned as such). */
export function textField(record: IcimsRecord, field: string): string | undefined {
  const value = record[field.toLowerCase()];
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A dropdown `{id, value}` (or a link `{profile, id, value}`); a bare string counts as the value. */
export function listField(record: IcimsRecord, field: string): ListValue | undefined {
  const value = record[field.toLowerCase()];
  if (typeof value === 'string') return value.trim() === '' ? undefined : { value: value.trim() };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entry = value as { id?: unknown; value?: unknown; formattedvalue?: unknown };
  const id = typeof entry.id === 'string' || typeof entry.id === 'number' ? String(entry.id) : undefined;
  const text = typeof entry.value === 'string' ? entry.value : typeof entry.formattedvalue === 'string' ? entry.formattedvalue : undefined;
  if (id === undefined && text === undefined) return undefined;
  return { id, value: text };
}

/** A custom field that may be text or a dropdown: its text value. */
export function fieldText(record: IcimsRecord, field: string): string | undefined {
  return textField(record, field) ?? listField(record, field)?.value;
}

/**
 * iCIMS DATETIME is UTC "yyyy-mm-dd hh:mm a" (docs/partners/icims.md#records); ISO strings are accepted
 * too. Returns ISO-8601 or undefined when the text is not a date we can read.
 */
export function parseIcimsDateTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const icims = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])$/.exec(text.trim());
  if (icims) {
    const [, y, mo, d, h, mi, s, ampm] = icims;
    let hour = Number(h) % 12;
    if (ampm.toLowerCase() === 'pm') hour += 12;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, Number(mi), Number(s ?? 0));
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text.trim())) {
    const ms = Date.parse(text.trim());
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  return undefined;
}

/** Fields we read from each record type (plus the tenant's custom fields); `fields=` asks for exactly these. */
export const WORKFLOW_FIELDS = ['status', 'updateddate', 'source'] as const;
export const PERSON_FIELDS = ['firstname', 'middlename', 'lastname', 'email', 'phones'] as const;
export const JOB_FIELDS = ['jobtitle', 'joblocation'] as const;
/** The acting user (a person profile too): name and email only, nothing else of a colleague's record. */
export const USER_FIELDS = ['firstname', 'lastname', 'email'] as const;

export interface Workflow {
  id: string;
  status?: ListValue;
  /** ISO-8601 UTC of the last update (the status change), if iCIMS returned it. */
  updatedAt?: string;
  source?: string;
  /** The tenant's custom fields, as text. */
  custom: Record<string, string>;
}

export interface Person {
  id: string;
  givenName?: string;
  middleName?: string;
  familyName?: string;
  email?: string;
  phone?: string;
  custom: Record<string, string>;
}

/** The iCIMS user who changed the status (the event's userId), as partners may name the acting party. */
export interface IcimsUser {
  id: string;
  /** "<first> <last>", or whichever of the two iCIMS returned; absent when neither. */
  formattedName?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
}

export interface JobProfile {
  id: string;
  title?: string;
  location?: string;
  custom: Record<string, string>;
}

function customFields(record: IcimsRecord, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = fieldText(record, field);
    if (value !== undefined) out[field.toLowerCase()] = value;
  }
  return out;
}

export function readWorkflow(id: string, record: IcimsRecord, custom: readonly string[] = []): Workflow {
  return {
    id,
    status: listField(record, 'status'),
    updatedAt: parseIcimsDateTime(textField(record, 'updateddate')),
    source: fieldText(record, 'source'),
    custom: customFields(record, custom),
  };
}

/** Picks a phone: Mobile first (a partner uses the phone to contact the candidate), else the first listed. */
function pickPhone(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const phones = value
    .filter((item): item is IcimsRecord => item !== null && typeof item === 'object')
    .map((item) => ({ type: listField(item, 'phonetype')?.value?.toLowerCase(), number: textField(item, 'phonenumber') }))
    .filter((phone) => phone.number !== undefined);
  return (phones.find((phone) => phone.type === 'mobile') ?? phones[0])?.number;
}

export function readPerson(id: string, record: IcimsRecord, custom: readonly string[] = []): Person {
  return {
    id,
    givenName: textField(record, 'firstname'),
    middleName: textField(record, 'middlename'),
    familyName: textField(record, 'lastname'),
    email: textField(record, 'email'),
    phone: pickPhone(record.phones),
    custom: customFields(record, custom),
  };
}

export function readUser(id: string, record: IcimsRecord): IcimsUser {
  const givenName = textField(record, 'firstname');
  const familyName = textField(record, 'lastname');
  const formattedName = [givenName, familyName].filter(Boolean).join(' ') || undefined;
  const email = textField(record, 'email');
  return { id, ...(formattedName ? { formattedName } : {}), ...(givenName ? { givenName } : {}), ...(familyName ? { familyName } : {}), ...(email ? { email } : {}) };
}

export function readJob(id: string, record: IcimsRecord, custom: readonly string[] = []): JobProfile {
  return {
    id,
    title: textField(record, 'jobtitle'),
    // joblocation is a link to a location profile: {profile, id, value: "Boston, MA"}.
    location: fieldText(record, 'joblocation'),
    custom: customFields(record, custom),
  };
}
