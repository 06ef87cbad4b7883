import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARTNERS } from '@status-bridge/partners';

/**
 * The check that keeps the partner seam true: no source file outside a partner's own package
 * names a partner, except the registry (packages/partners/src/registry.ts). Everything else
 * learns about partners from the registry, so adding one is its package plus one registry line.
 *
 * Scanned: every non-test `.ts` file of the repository (code, strings AND comments), except those
 * under `packages/<partner key>/`. Tests may name partners (an e2e test exercises a specific one);
 * docs, .env.example and package.json scripts are not `.ts` and may name them too.
 *
 * A partner is named by its key or its title (read from the registry, so a new partner is checked
 * as soon as it is registered) appearing as a word or as a camelCase, snake_case or kebab-case part
 * of a word, in any case: `stepstone`, `StepStone`, `STEPSTONE_TOKEN`, `createSeekChannel`,
 * `deliver-seek`. An English word that merely contains one (`seeking`, `jobseeker`) is not a name;
 * the word itself is, so a comment about, say, seeking in a file stream must be phrased without it.
 */
const REPO_ROOT = join(__dirname, '..');
const REGISTRY_FILE = 'packages/partners/src/registry.ts';

const names = [...new Set(PARTNERS.flatMap((partner) => [partner.key, partner.title]).map((name) => name.toLowerCase().replace(/[^a-z0-9]/g, '')))];

/** Does this run of letters and digits name `name` as a whole or as one of its camelCase parts? */
function runNames(run: string, name: string): boolean {
  const lower = run.toLowerCase();
  for (let at = lower.indexOf(name); at !== -1; at = lower.indexOf(name, at + 1)) {
    const end = at + name.length;
    const startsPart = at === 0 || /[A-Z0-9]/.test(run[at]) || /[0-9]/.test(run[at - 1]);
    const endsPart = end === run.length || /[A-Z0-9]/.test(run[end]);
    // An all-caps run is one word however it continues (SEEKER is not SEEK).
    const allCaps = run === run.toUpperCase();
    if (startsPart && endsPart && !(allCaps && (at > 0 || end < run.length))) return true;
  }
  return false;
}

export function partnerNamesIn(text: string): string[] {
  const found = new Set<string>();
  for (const run of text.match(/[A-Za-z0-9]+/g) ?? []) for (const name of names) if (runNames(run, name)) found.add(name);
  return [...found];
}

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const partnerDirs = PARTNERS.map((partner) => `packages/${partner.key}/`);
  return listed
    .split('\n')
    .filter(Boolean)
    .filter((path) => !path.endsWith('.test.ts') && !/(^|\/)test\//.test(path))
    // Benchmarks compare our pipeline with a hand-written copy of today's partner calls (bench/pipeline):
    // partner-specific by design, like the partners' own end-to-end tests.
    .filter((path) => !path.startsWith('bench/'))
    .filter((path) => !partnerDirs.some((dir) => path.startsWith(dir)));
}

describe('partner names outside the partner packages', () => {
  it('recognises names as words and word parts, not English words that contain them', () => {
    const [first] = names;
    expect(partnerNamesIn(`const x = '${first}';`)).toEqual([first]);
    expect(partnerNamesIn(`create${first[0].toUpperCase()}${first.slice(1)}Processor`)).toEqual([first]);
    expect(partnerNamesIn(`TENANT_1_${first.toUpperCase()}_TOKEN`)).toEqual([first]);
    expect(partnerNamesIn(`deliver-${first}`)).toEqual([first]);
    expect(partnerNamesIn(`${first}s and un${first}`)).toEqual([]);
    expect(partnerNamesIn('seeking a position in a stream; a jobseeker')).toEqual([]);
  });

  it('only the registry names a partner', () => {
    const files = sourceFiles();
    expect(files).toContain(REGISTRY_FILE);
    const naming = files
      .map((path) => ({ path, names: partnerNamesIn(readFileSync(join(REPO_ROOT, path), 'utf8')) }))
      .filter((file) => file.names.length > 0)
      .map((file) => `${file.path}: ${file.names.join(', ')}`);
    expect(naming).toEqual([`${REGISTRY_FILE}: ${names.join(', ')}`]);
  });
});
