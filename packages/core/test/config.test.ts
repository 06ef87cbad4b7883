import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envSchema, loadEnv, redisConnectionFromEnv, type CommonEnv } from '../src';

// The tenants file (core Tenants with every registered partner's section) is tested in
// packages/partners/test/tenants.test.ts.

describe('loadEnv', () => {
  const schema = envSchema({ PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' } });

  it('fills defaults and coerces numbers', () => {
    const env = loadEnv<CommonEnv & { PORT: number }>(schema, { CONFIG_FILE: 'x.json', PORT: '8080' });
    expect(env.PORT).toBe(8080);
    // REDIS_URL has no schema default (so a REDIS_URL next to REDIS_CLUSTER_NODES is visible); the
    // connection config applies it.
    expect(env.REDIS_URL).toBeUndefined();
    expect(redisConnectionFromEnv(env)).toMatchObject({ mode: 'single', url: 'redis://127.0.0.1:6379' });
    expect(env.QUEUE_PREFIX).toBe('{status-bridge}');
  });

  it('treats an empty string as unset', () => {
    expect(loadEnv<{ PORT: number }>(schema, { CONFIG_FILE: 'x.json', PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be integer \(got "abc"\) — HTTP port/],
    [{ PORT: '70000' }, /PORT must be <= 65535/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must match pattern/],
    [{ QUEUE_PREFIX: 'status-bridge' }, /QUEUE_PREFIX must match pattern .*hash-tagged/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be equal to one of the allowed values/],
  ])('names the variable at fault: %j', (overrides, message) => {
    expect(() => loadEnv(schema, { CONFIG_FILE: 'x.json', ...overrides })).toThrow(message);
  });

  it('names a missing required variable', () => {
    expect(() => loadEnv(schema, {})).toThrow(/CONFIG_FILE is not set/);
  });
});
