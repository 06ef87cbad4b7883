import type { RequestHandler } from 'express';

/**
 * Browser-side hardening of the board's pages and API answers.
 *
 * - frame-ancestors 'none' / X-Frame-Options: the browser sends cached Basic credentials into a
 *   frame too, so a page that framed the board could trick an operator into clicking "retry"
 *   (clickjacking), which the same-origin check on writes cannot see.
 * - Everything loads from this origin only. bull-board's page links a Google Fonts stylesheet;
 *   it is refused on purpose (operators' browsers should not call third parties from an internal
 *   tool), and the UI falls back to system fonts.
 * - No caching of job data by the browser or a proxy; no Referer with job ids to other sites.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The page's loading spinner and the React UI use inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
