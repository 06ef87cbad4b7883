import { randomBytes } from 'node:crypto';
import { ConfigError } from '@status-bridge/core';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks symmetric secrets: `whsec_` + base64 of 24 to 64 random bytes
 * (spec "Signature scheme": "Random. At least 24 bytes (192 bits, 512 maximum)", "base64 encoded,
 * prefixed with `whsec_`"). Checked at worker start so that a pasted hex string or a truncated
 * value fails the deployment, naming the variable, instead of every delivery of the tenant.
 * The value itself never appears in an error.
 */
export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What is wrong with a secret's format, or undefined when it is a usable `whsec_` secret. */
export function signingSecretProblem(value: string): string | undefined {
  if (!value.startsWith(SECRET_PREFIX)) return `must start with ${SECRET_PREFIX}`;
  const encoded = value.slice(SECRET_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) return `must be ${SECRET_PREFIX} followed by standard base64 (A-Z a-z 0-9 + /, = padding)`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) return `must encode ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (got ${bytes})`;
  return undefined;
}

/** A signer for the secret in `envName`; throws ConfigError naming the variable (and where the tenants file references it). */
export function signerFromEnv(value: string, envName: string, where: string): Webhook {
  const problem = signingSecretProblem(value);
  if (problem) throw new ConfigError(`${envName} (referenced by ${where}) is not a Standard Webhooks signing secret: it ${problem}`);
  return new Webhook(value);
}

/** A fresh secret in the right format, for operators (docs) and tests. */
export function newSigningSecret(bytes = 32): string {
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}
