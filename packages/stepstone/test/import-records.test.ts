import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { AtsiApplicationIdStore } from '../src/application-ids';
import { cleanupPrefix, REPO_ROOT, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { CsvHeaderError, parseCorrelationCsv } from '../src/import-records';

const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';
const OTHER = '11111111-2222-3333-4444-555555555555';

describe('parseCorrelationCsv', () => {
  it('reads valid rows in any column order, with a BOM, quotes, blank lines and upper-case UUIDs', async () => {
    const csv = `\ufeffsystemId,atsiApplicationId,customerId\n2203,${ID},1234\n\n"2204","${OTHER.toUpperCase()}","1234"\n2203,${ID},1234\n`;
    const parsed = await parseCorrelationCsv(csv);
    expect(parsed.invalid).toEqual([]);
    expect(parsed.rows).toBe(3);
    expect(parsed.records).toEqual([
      { customerId: '1234', systemId: '2203', atsiApplicationId: ID },
      { customerId: '1234', systemId: '2204', atsiApplicationId: OTHER.toUpperCase() },
    ]);
  });

  it.each([
    ['non-digit customerId', `c1234,2203,${ID}`, 'customerId must be digits'],
    ['non-digit systemId', `1234,22-03,${ID}`, 'systemId must be digits'],
    ['not a UUID', '1234,2203,51c3be16', 'atsiApplicationId must be a UUID'],
    ['empty id', '1234,2203,', 'atsiApplicationId must be a UUID'],
    ['too few fields', '1234,2203', 'wrong number of fields'],
    ['too many fields', `1234,2203,${ID},x`, 'wrong number of fields'],
  ])('reports %s with its line number and keeps reading', async (_name, row, problem) => {
    const parsed = await parseCorrelationCsv(`customerId,systemId,atsiApplicationId\n1234,1,${ID}\n${row}\n1234,3,${ID}\n`);
    expect(parsed.records.map((record) => record.systemId)).toEqual(['1', '3']);
    expect(parsed.invalid).toHaveLength(1);
    expect(parsed.invalid[0].line).toBe(3);
    expect(parsed.invalid[0].problems.join('; ')).toContain(problem);
  });

  it('a second, different id for the same application is a bad row pointing at the first', async () => {
    const parsed = await parseCorrelationCsv(`customerId,systemId,atsiApplicationId\n1234,2203,${ID}\n1234,2203,${OTHER}\n`);
    expect(parsed.invalid).toEqual([{ line: 3, problems: [`customerId 1234 systemId 2203 already has a different atsiApplicationId on line 2`] }]);
  });

  it.each([
    ['missing column', 'customerId,systemId\n1,2\n', 'missing column(s) atsiApplicationId'],
    ['unknown column', `customerId,systemId,atsiApplicationId,email\n1,2,${ID},x\n`, 'unknown column(s) email'],
    ['no header (data first)', `1234,2203,${ID}\n`, 'missing column(s)'],
  ])('refuses a bad header: %s', async (_name, csv, problem) => {
    await expect(parseCorrelationCsv(csv)).rejects.toThrow(CsvHeaderError);
    await expect(parseCorrelationCsv(csv)).rejects.toThrow(problem);
  });
});

describe('npm run import:stepstone (child process, real Redis)', () => {
  const prefix = uniquePrefix('import-stepstone');
  const redis = new Redis(TEST_REDIS_URL);
  const store = new AtsiApplicationIdStore(redis, prefix);
  const dir = mkdtempSync(join(tmpdir(), 'sb-import-'));
  const run = async (args: string[], env: Record<string, string> = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'packages/stepstone/src/import-records.ts'), ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  afterAll(async () => {
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
    await cleanupPrefix(TEST_REDIS_URL, prefix);
  });

  it('writes every row of a clean file and says what changed; a re-run changes nothing', async () => {
    const csv = file('clean.csv', `customerId,systemId,atsiApplicationId\n1234,2203,${ID}\n1234,2204,${OTHER}\n5678,2203,${OTHER}\n`);
    const first = await run([csv]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('3 row(s), 3 record(s) to write, 0 invalid row(s)');
    expect(first.stdout).toContain('3 created, 0 updated, 0 unchanged');
    expect(await store.get('1234', '2203')).toBe(ID);
    expect(await store.get('1234', '2204')).toBe(OTHER);
    expect(await store.get('5678', '2203')).toBe(OTHER);
    expect(await redis.ttl(store.key('1234'))).toBe(-1);
    const again = await run([csv]);
    expect(again.stdout).toContain('0 created, 0 updated, 3 unchanged');
  });

  it('with a bad row: lists it with its line, writes nothing, exits 1; --skip-invalid writes the good rows', async () => {
    const csv = file('mixed.csv', `customerId,systemId,atsiApplicationId\n1234,3001,${ID}\n1234,30x2,${ID}\n1234,3003,${OTHER}\n`);
    const aborted = await run([csv]);
    expect(aborted.code).toBe(1);
    expect(aborted.stdout).toContain('line 3: systemId must be digits');
    expect(aborted.stderr).toContain('nothing written');
    expect(await store.get('1234', '3001')).toBeUndefined();

    const dry = await run([csv, '--skip-invalid', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing written');
    expect(await store.get('1234', '3001')).toBeUndefined();

    const skipped = await run([csv, '--skip-invalid']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('2 created');
    expect(await store.get('1234', '3001')).toBe(ID);
    expect(await store.get('1234', '3003')).toBe(OTHER);
  });

  it('usage, header and config errors exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run([file('x.csv', 'a,b\n'), '--force'])).stderr).toContain('unknown option(s) --force');
    const header = await run([file('header.csv', 'customerId,systemId\n1,2\n')]);
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('missing column(s) atsiApplicationId');
    const config = await run([file('ok.csv', `customerId,systemId,atsiApplicationId\n1,2,${ID}\n`)], { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: 'no-hash-tag' });
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('QUEUE_PREFIX');
    expect((await run([join(dir, 'missing.csv')])).code).toBe(2);
  });
});
