import type { RequestHandler } from 'express';
import { SAFE_METHODS } from './same-origin';

/**
 * Which state-changing board API calls are allowed.
 *
 * Read-only (the default): bull-board's own `readOnlyMode` already answers 405 to every write; we
 * refuse them here too, so a board upgrade that adds a write route cannot open it.
 * With DASHBOARD_ALLOW_RETRY=true only retry and clean are allowed (what an operator needs after
 * fixing a cause); pause, empty, obliterate, add, edit, promote, rate-limit and concurrency changes
 * stay refused. Retrying *completed* jobs in bulk is refused too: it would resend every status.
 * Paths are relative to the board mount (/admin/queues).
 */
const ALLOWED_WRITES: RegExp[] = [
  /^\/api\/queues\/[^/]+\/retry\/failed$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/retry$/,
  /^\/api\/queues\/[^/]+\/clean\/(failed|completed)$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/clean$/,
];

export function isWriteAllowed(method: string, path: string, allowRetry: boolean): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return true;
  if (!allowRetry) return false;
  return method.toUpperCase() === 'PUT' && ALLOWED_WRITES.some((pattern) => pattern.test(path));
}

export function writePolicy(allowRetry: boolean): RequestHandler {
  return (req, res, next) => {
    if (isWriteAllowed(req.method, req.path, allowRetry)) return next();
    res.status(405).json({ error: allowRetry ? 'only retry and clean are enabled on this dashboard' : 'this dashboard is read-only (DASHBOARD_ALLOW_RETRY=false)' });
  };
}
