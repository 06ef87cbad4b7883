import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks verification written out by hand from the spec, with node:crypto only: the
 * sandbox checks every request with this AND with the `standardwebhooks` package, so a mistake
 * shared by our sender and that package's helpers (both use it to sign) would still show here.
 *
 *  1. secret: `whsec_` + base64 → the HMAC key is the decoded bytes;
 *  2. signed content: `${webhook-id}.${webhook-timestamp}.${raw body}`;
 *  3. `webhook-signature`: space-delimited `v1,<base64 HMAC-SHA256>`; any one matching is enough
 *     (rotation sends several), compared in constant time;
 *  4. the timestamp must be within the tolerance of now (replay protection; 5 minutes in the spec's libraries).
 */
export interface SignedHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

export const TOLERANCE_SECONDS = 5 * 60;

/** undefined: verified. Otherwise what failed. */
export function verifyByHand(secret: string, headers: SignedHeaders, rawBody: Buffer, nowMs = Date.now()): string | undefined {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (id.includes('.')) return 'webhook-id contains "."';
  if (!/^\d+$/.test(timestamp)) return 'webhook-timestamp is not integer seconds';
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > TOLERANCE_SECONDS) return 'webhook-timestamp outside the tolerance';
  if (!secret.startsWith('whsec_')) return 'secret is not whsec_';
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  for (const part of signature.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return 'no v1 signature matches';
}
