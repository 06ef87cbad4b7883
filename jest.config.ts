import type { Config } from 'jest';

// One jest run for the whole workspace. Type errors are caught by `npm run typecheck`
// (run first by `npm test`), so ts-jest only transpiles here, which keeps the suite fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  // The fault and cluster suites run on their own (`npm run test:faults`, `npm run test:cluster`).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '<rootDir>/test/cluster/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30_000,
  // Tests share one real Redis; each test file works under its own queue prefix, so files may run in parallel.
  maxWorkers: process.env.CI ? 2 : '50%',
  verbose: false,
};

export default config;
