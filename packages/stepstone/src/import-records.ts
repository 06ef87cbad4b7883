import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { closeRedis, commonEnvProperties, ConfigError, createRedis, loadEnv, redisConnectionFromEnv, redisEnvProperties, type EnvSource, type RedisEnv } from '@status-bridge/core';
import { AtsiApplicationIdStore, validateCorrelationRecord, type CorrelationRecord } from './application-ids';

/**
 * `npm run import:stepstone -- file.csv [--skip-invalid] [--dry-run]`
 *
 * Loads StepStone correlation records (customerId, systemId → AtsiApplicationId) from a CSV with
 * the header `customerId,systemId,atsiApplicationId` (any order) into Redis, where the enrichment
 * worker reads them. Env: the Redis variables (REDIS_URL, or REDIS_CLUSTER_NODES / REDIS_SENTINELS …)
 * and QUEUE_PREFIX, the same as the worker's.
 *
 * Every row is validated first. If any row is bad, the default is to write NOTHING and list the
 * bad rows with their line numbers (exit 1): a file with shifted columns or a wrong export should
 * not half-land. `--skip-invalid` writes the valid rows anyway; `--dry-run` only validates.
 * Re-running the same file is harmless (records are upserts; the summary says what changed).
 */
export const REQUIRED_COLUMNS = ['customerId', 'systemId', 'atsiApplicationId'] as const;

export interface InvalidRow {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  problems: string[];
}

export interface ParsedCorrelationCsv {
  rows: number;
  records: CorrelationRecord[];
  invalid: InvalidRow[];
}

export class CsvHeaderError extends Error {}

function checkHeader(header: string[]): string[] {
  const names = header.map((name) => name.trim());
  const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
  const unknown = names.filter((name) => !(REQUIRED_COLUMNS as readonly string[]).includes(name));
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  const problems = [
    ...(missing.length > 0 ? [`missing column(s) ${missing.join(', ')}`] : []),
    ...(unknown.length > 0 ? [`unknown column(s) ${unknown.join(', ')}`] : []),
    ...(repeated.length > 0 ? [`repeated column(s) ${repeated.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new CsvHeaderError(`header must be ${REQUIRED_COLUMNS.join(',')}: ${problems.join('; ')}`);
  return names;
}

/** Reads and validates the whole file; never touches Redis. */
export async function parseCorrelationCsv(input: Readable | string): Promise<ParsedCorrelationCsv> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    columns: checkHeader,
    info: true,
    // A row with the wrong number of fields is reported with its line and the rest still read.
    skip_records_with_error: true,
  });
  const invalid: InvalidRow[] = [];
  const records: CorrelationRecord[] = [];
  const seen = new Map<string, { line: number; atsiApplicationId: string }>();
  let rows = 0;
  let headerError: Error | undefined;
  parser.on('skip', (error: CsvError) => {
    rows += 1;
    invalid.push({ line: Number((error as CsvError & { lines?: number }).lines ?? 0), problems: [error.message.replace(/^Invalid Record Length: /, 'wrong number of fields: ')] });
  });
  if (typeof input === 'string') parser.end(input);
  else input.on('error', (error) => parser.destroy(error)).pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      rows += 1;
      const line = item.info.lines;
      const record = { customerId: item.record.customerId, systemId: item.record.systemId, atsiApplicationId: item.record.atsiApplicationId };
      const problems = validateCorrelationRecord(record);
      const key = `${record.customerId}/${record.systemId}`;
      const earlier = seen.get(key);
      if (problems.length === 0 && earlier && earlier.atsiApplicationId !== record.atsiApplicationId.toLowerCase()) {
        problems.push(`customerId ${record.customerId} systemId ${record.systemId} already has a different atsiApplicationId on line ${earlier.line}`);
      }
      if (problems.length > 0) {
        invalid.push({ line, problems });
        continue;
      }
      if (earlier) continue; // the same record twice: once is enough
      seen.set(key, { line, atsiApplicationId: record.atsiApplicationId.toLowerCase() });
      records.push(record);
    }
  } catch (error) {
    headerError = error instanceof CsvHeaderError ? error : (error as Error).cause instanceof CsvHeaderError ? ((error as Error).cause as Error) : undefined;
    if (!headerError) throw error;
  }
  if (headerError) throw new CsvHeaderError(headerError.message);
  invalid.sort((a, b) => a.line - b.line);
  return { rows, records, invalid };
}

export interface ImportOutput {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = 'usage: npm run import:stepstone -- <file.csv> [--skip-invalid] [--dry-run]   (env: REDIS_URL or REDIS_CLUSTER_NODES or REDIS_SENTINELS, QUEUE_PREFIX)';

/** The command; returns the exit code. 0 done, 1 bad rows (nothing written) or Redis failure, 2 usage/header/config. */
export async function runImportStepStone(args: string[], env: EnvSource, output: ImportOutput): Promise<number> {
  const flags = new Set(args.filter((arg) => arg.startsWith('--')));
  const files = args.filter((arg) => !arg.startsWith('--'));
  const unknownFlags = [...flags].filter((flag) => flag !== '--skip-invalid' && flag !== '--dry-run');
  if (files.length !== 1 || unknownFlags.length > 0) {
    output.err(unknownFlags.length > 0 ? `unknown option(s) ${unknownFlags.join(', ')}\n${USAGE}` : USAGE);
    return 2;
  }
  let settings: RedisEnv & { QUEUE_PREFIX: string };
  try {
    settings = loadEnv({ type: 'object', properties: { ...redisEnvProperties, QUEUE_PREFIX: commonEnvProperties.QUEUE_PREFIX } }, env);
  } catch (error) {
    output.err((error as ConfigError).message);
    return 2;
  }
  const [file] = files;
  let parsed: ParsedCorrelationCsv;
  try {
    parsed = await parseCorrelationCsv(createReadStream(file));
  } catch (error) {
    output.err(`${file}: ${(error as Error).message}`);
    return 2;
  }
  const { rows, records, invalid } = parsed;
  output.out(`${file}: ${rows} row(s), ${records.length} record(s) to write, ${invalid.length} invalid row(s)`);
  for (const row of invalid) output.out(`  line ${row.line}: ${row.problems.join('; ')}`);
  if (invalid.length > 0 && !flags.has('--skip-invalid')) {
    output.err('aborted: nothing written. Fix the rows above, or pass --skip-invalid to write the valid ones.');
    return 1;
  }
  if (flags.has('--dry-run')) {
    output.out('dry run: nothing written');
    return 0;
  }
  const redis = createRedis(redisConnectionFromEnv(settings), 'client', 'import-stepstone');
  try {
    const counts = await new AtsiApplicationIdStore(redis, settings.QUEUE_PREFIX).putMany(records);
    output.out(`written under ${settings.QUEUE_PREFIX}: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`);
    return 0;
  } catch (error) {
    output.err(`Redis write failed (${(error as Error).message}); re-run the import: records are upserts`);
    return 1;
  } finally {
    await closeRedis(redis);
  }
}

if (require.main === module) {
  runImportStepStone(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`import:stepstone failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
