import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fmt } from './stats';

/**
 * docs/benchmarks.md holds one block per section between markers, so a section rerun alone
 * (`npm run bench -- --only pipeline`) replaces its own block and leaves the others as they were.
 */
export function writeBlock(file: string, id: string, order: readonly string[], markdown: string): void {
  const start = (name: string) => `<!-- bench:${name} -->`;
  const end = (name: string) => `<!-- /bench:${name} -->`;
  const block = `${start(id)}\n${markdown.trim()}\n${end(id)}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(start(id));
  const to = text.indexOf(end(id));
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + block + text.slice(to + end(id).length);
  } else {
    // Not there yet: after the nearest earlier section's block, else at the end.
    const earlier = order.slice(0, order.indexOf(id)).reverse().find((name) => text.includes(end(name)));
    const at = earlier ? text.indexOf(end(earlier)) + end(earlier).length : text.length;
    text = `${text.slice(0, at).trimEnd()}\n\n${block}\n${text.slice(at).trimStart() ? `\n${text.slice(at).trimStart()}` : ''}`;
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

export interface RunInfo {
  quick: boolean;
  startedAt: Date;
  loadAtStart: number;
  redisVersion?: string;
}

/** The line every section block starts with: when, where, how loaded, and whether it was a quick run. */
export function runHeader(info: RunInfo, script: string): string {
  const cpus = os.cpus();
  const lines = [
    info.quick
      ? `> **Quick run** (\`npm run bench -- --quick\`: reduced sizes, one round): a smoke figure, noisy; use a full run for decisions.`
      : undefined,
    `Written by \`npm run bench\` (${script}) on ${info.startedAt.toISOString()}, ${fmt((Date.now() - info.startedAt.getTime()) / 1000)} s. ` +
      `Machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.type()} ${os.release()}; ` +
      `Node.js ${process.version}, bullmq ${packageVersion('bullmq')}, ioredis ${packageVersion('ioredis')}${info.redisVersion ? `, Redis ${info.redisVersion} (private, AOF everysec)` : ''}. ` +
      `1-minute load average: ${fmt(info.loadAtStart, 1)} at the start, ${fmt(os.loadavg()[0], 1)} at the end (on ${cpus.length} CPUs; the machine is shared, so read ratios measured side by side, not absolute rates).`,
  ];
  return lines.filter(Boolean).join('\n\n');
}
