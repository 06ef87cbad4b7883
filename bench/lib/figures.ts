import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fmt, pct, times } from './stats';

/**
 * The headline figures of each section, kept as data beside docs/benchmarks.md so a later run can
 * be read against an earlier one:
 *   docs/benchmarks-figures.json  the latest figures of every section (each run replaces its sections');
 *   docs/benchmarks-before.json   a baseline run (`npm run bench -- --save-before`), kept as it was
 *                                 measured: the "before" of a change.
 * The summary block of docs/benchmarks.md puts the two side by side, target by target. Both files
 * are written by the bench only.
 */
export interface Figure {
  key: string;
  label: string;
  value: number;
  unit: 'pct' | 'times' | 'ms' | 's' | 'count' | 'perSecond' | 'bytes';
  digits?: number;
  target?: { op: '>=' | '<='; value: number };
}

export interface SectionFigures {
  writtenAt: string;
  quick: boolean;
  loadAverage: number;
  /** `git describe` of the code measured, when known. */
  code?: string;
  figures: Figure[];
}

export interface FigureFile {
  sections: Record<string, SectionFigures>;
}

export function readFigures(file: string): FigureFile {
  if (!existsSync(file)) return { sections: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as FigureFile;
}

/** Replaces one section's figures in `file`, leaving the others. */
export function saveFigures(file: string, sectionId: string, figures: Figure[], info: { quick: boolean; code?: string }): void {
  const data = readFigures(file);
  data.sections[sectionId] = { writtenAt: new Date().toISOString(), quick: info.quick, loadAverage: Number(os.loadavg()[0].toFixed(1)), ...(info.code ? { code: info.code } : {}), figures };
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

export function formatFigure(figure: Figure): string {
  const digits = figure.digits ?? (figure.unit === 'count' || figure.unit === 'bytes' ? 0 : 2);
  switch (figure.unit) {
    case 'pct':
      return pct(figure.value);
    case 'times':
      return times(figure.value, digits);
    case 'ms':
      return `${fmt(figure.value, digits)} ms`;
    case 's':
      return `${fmt(figure.value, digits)} s`;
    case 'perSecond':
      return `${fmt(figure.value, digits)}/s`;
    case 'bytes':
      return `${fmt(figure.value, digits)} B`;
    default:
      return fmt(figure.value, digits);
  }
}

function meets(figure: Figure): boolean | undefined {
  if (!figure.target || !Number.isFinite(figure.value)) return undefined;
  return figure.target.op === '>=' ? figure.value >= figure.target.value : figure.value <= figure.target.value;
}

/** The summary block: every figure of the latest run beside the baseline's, with the targets. */
export function renderSummary(before: FigureFile, after: FigureFile, order: readonly string[]): string {
  const lines = ['## Before and after', ''];
  const describe = (entry: SectionFigures | undefined) =>
    entry ? `${entry.quick ? 'quick' : 'full'} run ${entry.writtenAt.slice(0, 16).replace('T', ' ')} UTC, load ${fmt(entry.loadAverage, 1)}${entry.code ? `, code ${entry.code}` : ''}` : 'not measured';
  lines.push(
    'Headline figures of each section (written by `npm run bench` from `docs/benchmarks-figures.json`, the latest run of each section, and `docs/benchmarks-before.json`, ' +
      'the baseline measured before the performance work of issue 12 with `npm run bench -- --save-before`). Each run measures ours and its baselines side by side, so compare the ratios; ' +
      'absolute rates move with the machine\'s load (given per run).',
    '',
  );
  lines.push('| section | figure | before | after | target | after meets it |');
  lines.push('|---|---|---:|---:|---|---|');
  for (const id of order) {
    const now = after.sections[id];
    const then = before.sections[id];
    const keys = [...new Set([...(now?.figures ?? []), ...(then?.figures ?? [])].map((figure) => figure.key))];
    for (const key of keys) {
      const a = now?.figures.find((figure) => figure.key === key);
      const b = then?.figures.find((figure) => figure.key === key);
      const shown = a ?? b!;
      const target = shown.target ? `${shown.target.op === '>=' ? '≥' : '≤'} ${formatFigure({ ...shown, value: shown.target.value })}` : '';
      const met = a ? meets(a) : undefined;
      lines.push(`| ${id} | ${shown.label} | ${b ? formatFigure(b) : '–'} | ${a ? `**${formatFigure(a)}**` : '–'} | ${target} | ${met === undefined ? '' : met ? 'met' : '**not met**'} |`);
    }
  }
  lines.push('');
  for (const id of order) {
    if (!after.sections[id] && !before.sections[id]) continue;
    lines.push(`- ${id}: before: ${describe(before.sections[id])}; after: ${describe(after.sections[id])}.`);
  }
  lines.push('');
  return lines.join('\n');
}
