import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * HTTP Basic authentication in front of the whole dashboard mount: page, static assets and API.
 * bull-board has no auth of its own ("The dashboard has no built-in auth. Add one." — bull-board
 * production checklist), and a check on the page alone would leave /api open.
 */

// Comparing SHA-256 digests gives both sides the same length, so timingSafeEqual never throws and
// the time taken says nothing about the length or prefix of the real password.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Parses an Authorization header into user and password; undefined for anything but well-formed Basic. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Constant-time check of offered credentials against the configured ones. */
export function credentialsMatch(offered: { user: string; password: string } | undefined, expected: { user: string; password: string }): boolean {
  const user = offered?.user ?? '';
  const password = offered?.password ?? '';
  // Both comparisons always run, so a wrong user costs the same time as a wrong password.
  const userOk = timingSafeEqual(digest(user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(password), digest(expected.password));
  return offered !== undefined && userOk && passwordOk;
}

export function basicAuth(expected: { user: string; password: string }, realm = 'status-bridge dashboard'): RequestHandler {
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;
  return (req, res, next) => {
    if (credentialsMatch(parseBasicAuth(req.headers.authorization), expected)) return next();
    res.setHeader('WWW-Authenticate', challenge);
    res.setHeader('Cache-Control', 'no-store');
    res.status(401).type('text/plain').send('Authentication required');
  };
}
