/**
 * Masks candidate PII and secrets in job data before the dashboard shows it.
 *
 * Job data is stored in clear text in Redis (BullMQ docs: "job data is stored in clear text"), and
 * the delivery jobs carry the candidate's name, email and phone because a partner needs them (one uploads the candidate)
 * (`StatusChange.candidate`). An operator needs ids and a hint to tell two candidates apart, not
 * the values: "J*** D***", "j***@example.com", "+61 *** *** 123". Secrets get no hint at all.
 *
 * Pure functions, cheap enough to run per job per poll (bull-board formatters run on every refresh).
 */

export const MASK = '***';

/** Keys whose value is a credential of some kind: replaced entirely. */
const SECRET_KEY = /(pass(word|wd)?|secret|token|authorization|cookie|api[-_]?key|credential|private[-_]?key|signature)/i;
/** Keys that hold a person's name wherever they appear. */
const NAME_KEY = /^(formatted|given|family|first|last|middle|full|preferred|candidate|display)[-_]?name$/i;
/** A bare `name` is a person's name only inside a person-like object (`newStatus.name` is a status label). */
const PERSON_PARENT = /^(candidate|person|applicant|contact|people|recipient)s?$/i;
const EMAIL_KEY = /^e-?mail(address)?$|email/i;
const PHONE_KEY = /phone|mobile|^tel$|telephone/i;

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** "Jane van Doe" → "J*** v*** D***": the first letter of each word. */
export function maskName(value: string): string {
  const words = value.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return MASK;
  return words.map((word) => `${Array.from(word)[0]}${MASK}`).join(' ');
}

/** "jane.doe@example.com" → "j***@example.com": the domain helps tell test data from real data. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return MASK;
  return `${Array.from(value)[0]}${MASK}${value.slice(at)}`;
}

/**
 * "+61 412 345 123" → "+61 *** *** 123": the country code (a leading "+" group) and the last
 * three digits, so an operator can match a record without reading the number.
 */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 6) return MASK;
  const last = digits.slice(-3);
  const trimmed = value.trim();
  if (trimmed.startsWith('+')) {
    const group = /^\+\s*(\d{1,3})(?=\D)/.exec(trimmed)?.[1] ?? digits.slice(0, 2);
    return `+${group} ${MASK} ${MASK} ${last}`;
  }
  return `${MASK} ${MASK} ${last}`;
}

/** Emails inside free text (a partner message, a note) are masked too. */
export function maskEmailsInText(value: string): string {
  return value.replace(EMAIL_IN_TEXT, (email) => maskEmail(email));
}

function maskScalar(key: string, parentKey: string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_KEY.test(key)) return MASK;
  if (typeof value !== 'string') {
    // A number under a phone key is still a phone number.
    return PHONE_KEY.test(key) && typeof value === 'number' ? maskPhone(String(value)) : value;
  }
  if (NAME_KEY.test(key) || (key === 'name' && parentKey !== undefined && PERSON_PARENT.test(parentKey))) return maskName(value);
  if (EMAIL_KEY.test(key)) return maskEmail(value);
  if (PHONE_KEY.test(key)) return maskPhone(value);
  return maskEmailsInText(value);
}

/**
 * Returns a masked deep copy of job data (or a return value). Never mutates its input: bull-board
 * hands the formatter the job's own object.
 */
export function maskJobData(value: unknown, key = '', parentKey?: string, depth = 0): unknown {
  if (depth > 12) return MASK;
  if (Array.isArray(value)) return value.map((item) => maskJobData(item, key, parentKey, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (SECRET_KEY.test(key)) return MASK;
    const out: Record<string, unknown> = {};
    for (const [innerKey, inner] of Object.entries(value as Record<string, unknown>)) {
      out[innerKey] = maskJobData(inner, innerKey, key, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && key === '') return maskEmailsInText(value);
  return maskScalar(key, parentKey, value);
}
