import type { Config } from 'jest';
import base from './jest.config';

// `npm run test:cluster`: the Redis Cluster and Sentinel suite (test/cluster/). It starts its own
// cluster (6 redis-server processes) and Sentinel set on loopback, and our processes as children,
// so it runs alone and in band; `npm test` leaves it out.
const config: Config = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // A scenario: load, fault, recovery and a drain bounded at 120 s.
  testTimeout: 240_000,
};

export default config;
