import { TEST_REDIS_URL } from '@status-bridge/testing';
import { defineBadInputSuite } from './bad-input/suite';

// The bad-input corpus against the ingest child on the shared test Redis; the fault suite runs the
// same suite on its own Redis and records the outcome table (test/faults/bad-input.test.ts).
defineBadInputSuite({ redisUrl: () => TEST_REDIS_URL, record: false });
