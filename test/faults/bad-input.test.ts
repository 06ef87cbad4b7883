import { startRedisServer, type RedisServerHandle } from '@status-bridge/testing';
import { defineBadInputSuite } from '../../apps/ingest/test/bad-input/suite';

// The bad-input corpus (apps/ingest/test/bad-input) against the ingest child on this suite's own
// redis-server; records the table of outcomes in docs/reliability.md (suite "faults", "bad-input").
let redis: RedisServerHandle | undefined;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true, appendfsync: 'always' });
});
defineBadInputSuite({ redisUrl: () => redis!.url, record: true });
// Registered after the suite's own hooks, so its cleanup still finds this Redis.
afterAll(async () => {
  await redis?.stop(true);
});
