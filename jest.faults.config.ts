import type { Config } from 'jest';

/**
 * `npm run test:faults`: the fault suite (test/faults/). Real processes, a private redis-server per
 * scenario (never the shared one), sandboxes as the record of what partners received. One file at
 * a time (the scenarios kill processes and measure drains; in parallel they would measure each
 * other), with generous timeouts: a job of a killed worker waits for BullMQ's stalled-job check.
 */
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  maxWorkers: 1,
  testTimeout: 240_000,
  verbose: true,
};

export default config;
