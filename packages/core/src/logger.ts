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

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SENSITIVE_KEY.test(key) && inner !== undefined && inner !== null && typeof inner !== 'object' ? '[redacted]' : redactValue(inner, depth + 1);
  }
  return out;
}

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message' || key === 'service') continue;
    const value = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] =
      SENSITIVE_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'object' ? '[redacted]' : redactValue(value);
  }
  return info;
});

export function createLogger(service: string, level = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), redact(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}
