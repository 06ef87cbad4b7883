import type { RequestHandler } from 'express';

/**
 * CSRF protection for state-changing calls (retry, clean).
 *
 * Browsers resend cached Basic credentials on cross-site requests, so Basic auth alone does not
 * stop another site from making an operator's browser call the API. We refuse any request other
 * than GET/HEAD/OPTIONS whose `Sec-Fetch-Site` says it came from another site, or whose `Origin`
 * is not this host. Chosen over bull-board's XSRF-TOKEN double-submit cookie because it needs no
 * cookie, no token store and no change to the bundled UI, and every browser that can run the
 * board sends these headers on PUT/PATCH/POST. Non-browser clients (curl) send neither and are
 * not a CSRF vector; they still need the password.
 */
/** Methods that change nothing; every other one is a write. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isCrossSiteWrite(request: { method: string; headers: Record<string, string | string[] | undefined> }): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  const fetchSite = headerValue(request.headers['sec-fetch-site']);
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = headerValue(request.headers.origin);
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  const host = headerValue(request.headers['x-forwarded-host']) ?? headerValue(request.headers.host);
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function sameOriginWrites(): RequestHandler {
  return (req, res, next) => {
    if (!isCrossSiteWrite(req)) return next();
    res.status(403).json({ error: 'cross-site request refused' });
  };
}
