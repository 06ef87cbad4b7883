import winston from 'winston';

/**
 * Structured JSON logs (one object per line on stdout) for every process.
 *
 * PII rule: candidate names, emails and phone numbers, and any credential, never go into a log
 * line. Callers log ids (customerId, systemId, personId, job id), not records. As a second line of
 * defence the `redact` format masks values under keys that usually hold such data.
 */
export type Logger = winston.Logger;

const SENSITIVE_KEY = /(pass(word)?|secret|token|authorization|cookie|api[-_]?key|e-?mail|phone|firstname|lastname|given|family|formattedname|^name$|candidatename)/i;

// Log lines repeat the same few dozen keys (jobId, queue, customerId …): the regex verdict per key
// is remembered, bounded so that keys made of data (ids used as keys) cannot grow it without end.
const sensitiveVerdicts = new Map<string, boolean>();
function sensitive(key: string): boolean {
  let verdict = sensitiveVerdicts.get(key);
  if (verdict === undefined) {
    verdict = SENSITIVE_KEY.test(key);
    if (sensitiveVerdicts.size < 1_000) sensitiveVerdicts.set(key, verdict);
  }
  return verdict;
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = sensitive(key) && inner !== undefined && inner !== null && typeof inner !== 'object' ? '[redacted]' : redactValue(inner, depth + 1);
  }
  return out;
}

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message' || key === 'service') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] =
      sensitive(key) && value !== undefined && value !== null && typeof value !== 'object' ? '[redacted]' : redactValue(value);
  }
  return info;
});

export function createLogger(service: string, level = 'info'): Logger {
  const logger = winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), redact(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
  return skipDisabledLevels(logger);
}

/**
 * Winston filters by level only in the transport, after the whole format chain ran: a `debug`
 * line at LOG_LEVEL=info was still copied, timestamped, redacted and JSON-encoded, then dropped
 * (per job and per partner call on the hot path). Here a disabled level returns before any of
 * that. Child loggers inherit the check (winston's child is Object.create of its parent), and it
 * reads the level at call time, so changing `logger.level` later still works.
 */
function skipDisabledLevels(logger: winston.Logger): winston.Logger {
  const target = logger as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(logger.levels)) {
    const write = target[name];
    target[name] = function (this: winston.Logger | undefined, ...args: unknown[]) {
      const self = this ?? logger;
      return self.isLevelEnabled(name) ? write.apply(self, args) : self;
    };
  }
  const log = target.log;
  target.log = function (this: winston.Logger | undefined, ...args: unknown[]) {
    const self = this ?? logger;
    if (typeof args[0] === 'string' && !self.isLevelEnabled(args[0])) return self;
    return log.apply(self, args);
  };
  return logger;
}
