import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './process';

/**
 * docs/reliability.md is generated, never written by hand: the fault suite (`npm run test:faults`)
 * and the cluster suite (`npm run test:cluster`) each record their scenario rows and tables here.
 * Rows are kept in docs/reliability.json (merged by suite and id, so one suite's run does not
 * erase another's), and the markdown is rendered from that file after every write.
 */
export interface PartnerCount {
  [partner: string]: number;
}

export interface DuplicateCount {
  count: number;
  /** Why each duplicate happened (e.g. "answer lost: worker killed after the POST"). Required when count > 0. */
  reason?: string;
}

export interface ScenarioRow {
  /** "faults", "cluster", … : the suite that measured it. */
  suite: string;
  /** Stable id within the suite, e.g. "worker-kill-twice". */
  id: string;
  /** What was done, in words an operator understands. */
  title: string;
  /** Events posted to ingest. */
  sent: number;
  /** Answered 200. */
  acknowledged: number;
  /** Distinct acknowledged events each partner sandbox received (at least once). */
  delivered: PartnerCount;
  /** Acknowledged events that did not reach a partner they map to (must be 0). */
  lost: number;
  /** Extra deliveries per partner beyond one per event, with the reason. */
  duplicates: Record<string, DuplicateCount>;
  /** Applications whose final status at the current-state partner is not the newest change's (must be 0). */
  wrongFinalStatus: number;
  /** From the end of the scenario's faults (or the last post) until every queue was empty. */
  drainMs: number;
  /** Jobs left in a failed set at the end (must be 0 unless the scenario is about failures). */
  failedJobs?: number;
  /** Non-JSON lines our processes printed. */
  nonJsonLogLines?: number;
  /** Anything else worth reading in the row (e.g. "iCIMS requests/event: calm 2.0, storm 2.4"). */
  notes?: string;
}

export interface ReportTable {
  suite: string;
  id: string;
  title: string;
  /** Shown under the title. */
  description?: string;
  headers: string[];
  rows: Array<Array<string | number>>;
}

interface ReportFile {
  scenarios: Array<ScenarioRow & { measuredAt: string; machine: string }>;
  tables: Array<ReportTable & { measuredAt: string; machine: string }>;
}

const DOCS = join(REPO_ROOT, 'docs');
export const RELIABILITY_JSON = join(DOCS, 'reliability.json');
export const RELIABILITY_MD = join(DOCS, 'reliability.md');

function machine(): string {
  const load = loadavg().map((value) => value.toFixed(1)).join('/');
  return `${cpus().length} cores, Node ${process.version}, load ${load}`;
}

function readReport(path: string): ReportFile {
  if (!existsSync(path)) return { scenarios: [], tables: [] };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ReportFile>;
  return { scenarios: parsed.scenarios ?? [], tables: parsed.tables ?? [] };
}

function upsert<T extends { suite: string; id: string }>(list: T[], item: T): T[] {
  const rest = list.filter((entry) => !(entry.suite === item.suite && entry.id === item.id));
  return [...rest, item].sort((a, b) => (a.suite === b.suite ? 0 : a.suite < b.suite ? -1 : 1));
}

function writeReport(report: ReportFile, paths: { json: string; md: string }): void {
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.md, renderReliabilityMarkdown(report));
}

/** Records (or replaces) one scenario row and re-renders docs/reliability.md. */
export function recordScenario(row: ScenarioRow, paths = { json: RELIABILITY_JSON, md: RELIABILITY_MD }): void {
  for (const [partner, duplicate] of Object.entries(row.duplicates)) {
    if (duplicate.count > 0 && !duplicate.reason) throw new Error(`scenario ${row.id}: ${duplicate.count} ${partner} duplicate(s) without a reason`);
  }
  const report = readReport(paths.json);
  report.scenarios = upsert(report.scenarios, { ...row, measuredAt: new Date().toISOString(), machine: machine() });
  writeReport(report, paths);
}

/** Records (or replaces) one table and re-renders docs/reliability.md. */
export function recordTable(table: ReportTable, paths = { json: RELIABILITY_JSON, md: RELIABILITY_MD }): void {
  const report = readReport(paths.json);
  report.tables = upsert(report.tables, { ...table, measuredAt: new Date().toISOString(), machine: machine() });
  writeReport(report, paths);
}

const cell = (value: unknown): string => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function partnerCounts(counts: PartnerCount): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '–' : entries.map(([partner, count]) => `${partner} ${count}`).join(', ');
}

function duplicateCounts(duplicates: Record<string, DuplicateCount>): string {
  const entries = Object.entries(duplicates);
  if (entries.length === 0) return '–';
  return entries.map(([partner, { count, reason }]) => (count > 0 ? `${partner} ${count} (${reason})` : `${partner} 0`)).join('; ');
}

export function renderReliabilityMarkdown(report: ReportFile): string {
  const lines: string[] = [
    '# Reliability: what the fault suites measured',
    '',
    '<!-- Generated by `npm run test:faults` and `npm run test:cluster` (packages/testing/src/reliability-report.ts',
    '     from docs/reliability.json). Do not edit by hand: rerun the suites. -->',
    '',
    'Each row is one scenario run against real processes (ingest and workers as child processes, a',
    'private Redis with AOF on a spare loopback port, the partner sandboxes over HTTP). Counts come',
    "from what the sandboxes received, not from our own logs. *Lost* = acknowledged events that did",
    'not reach a partner they map to; *duplicates* = deliveries beyond one per event, each with its',
    'reason; *wrong final status* = applications whose last status at the current-state partner is not the newest change.',
    '',
  ];
  const suites = [...new Set([...report.scenarios.map((row) => row.suite), ...report.tables.map((table) => table.suite)])].sort();
  for (const suite of suites) {
    const rows = report.scenarios.filter((row) => row.suite === suite);
    lines.push(`## Suite \`${suite}\``, '');
    if (rows.length > 0) {
      lines.push(
        '| scenario | sent | acknowledged | delivered | lost | duplicates (reason) | wrong final status | failed jobs | non-JSON log lines | drain | notes |',
        '|---|---:|---:|---|---:|---|---:|---:|---:|---:|---|',
      );
      for (const row of rows) {
        lines.push(
          `| ${cell(row.title)} | ${row.sent} | ${row.acknowledged} | ${cell(partnerCounts(row.delivered))} | ${row.lost} | ${cell(duplicateCounts(row.duplicates))} | ${row.wrongFinalStatus} | ${row.failedJobs ?? '–'} | ${row.nonJsonLogLines ?? '–'} | ${(row.drainMs / 1000).toFixed(1)} s | ${cell(row.notes ?? '')} |`,
        );
      }
      const measured = [...new Set(rows.map((row) => `${row.measuredAt.slice(0, 10)} (${row.machine})`))];
      lines.push('', `Measured: ${measured.join('; ')}.`, '');
    }
    for (const table of report.tables.filter((entry) => entry.suite === suite)) {
      lines.push(`### ${table.title}`, '');
      if (table.description) lines.push(table.description, '');
      lines.push(`| ${table.headers.map(cell).join(' | ')} |`, `|${table.headers.map(() => '---').join('|')}|`);
      for (const tableRow of table.rows) lines.push(`| ${tableRow.map(cell).join(' | ')} |`);
      lines.push('', `Measured: ${table.measuredAt.slice(0, 10)} (${table.machine}).`, '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
