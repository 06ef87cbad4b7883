import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordScenario, type ScenarioRow } from '@status-bridge/testing';
import type { Cluster } from './cluster';
import type { Posted } from './load';
import { AnswerLost, tally, type Tally } from './tally';

/**
 * The end of every scenario: wait for the queues to drain, count from the sandboxes, record the
 * row in docs/reliability.md (suite "faults") BEFORE asserting, so a failing scenario still
 * leaves its numbers, and return the list of broken guarantees (the test expects it empty).
 */
export interface ScenarioSpec {
  id: string;
  title: string;
}

export interface FinishOptions {
  /** When the scenario's faults ended; drain time counts from it or from the last answer, whichever is later. */
  faultsEndedAt?: number;
  /** Default 120 s (a job of a killed worker waits up to a minute for BullMQ's stalled-job check). */
  drainTimeoutMs?: number;
  /** StepStone posts whose answer was lost (jobs in flight at kills); timed-out accepted requests are added here. */
  answerLost?: AnswerLost;
  /** Checks of the scenario's own (e.g. "ingest answered 200 while Redis was down"); a function is called after the count. */
  violations?: string[] | ((tally: Tally) => string[] | Promise<string[]>);
  /** Extra notes for the row; a function is called after the count (e.g. per-worker job counts). */
  notes?: string[] | ((tally: Tally) => string[] | Promise<string[]>);
}

export interface Outcome {
  row: ScenarioRow;
  tally: Tally;
  violations: string[];
}

export async function finishScenario(cluster: Cluster, posted: Posted[], spec: ScenarioSpec, options: FinishOptions = {}): Promise<Outcome> {
  const lastAnswerAt = posted.reduce((latest, event) => Math.max(latest, event.answeredAt), 0);
  const from = Math.max(options.faultsEndedAt ?? 0, lastAnswerAt);
  const timeoutMs = options.drainTimeoutMs ?? 120_000;
  const drainedAt = await cluster.waitForDrain(Math.max(1_000, from + timeoutMs - Date.now()));
  const violations: string[] = [];
  if (drainedAt === undefined) violations.push(`queues did not drain within ${timeoutMs / 1000} s: ${JSON.stringify(await cluster.jobCounts().catch((error: Error) => error.message))}`);
  const drainMs = Math.max(0, (drainedAt ?? Date.now()) - from);

  const answerLost = options.answerLost ?? new AnswerLost();
  answerLost.addUnanswered(cluster.stepstone.received);
  answerLost.addTimedOut(await cluster.stepstoneTimeouts());
  const counted = tally(posted, cluster.stepstone.received, [...cluster.seek.state.items.values()], answerLost);
  const failed = await cluster.failedJobs();
  const nonJson = cluster.nonJsonLines();

  if (counted.lost > 0) {
    violations.push(`lost ${counted.lost}: ${counted.lostSamples.join('; ')}`);
    // The first few lost workflows' job trails: enough to see which decision dropped the change.
    const workflows = [...new Set(counted.lostEvents.map((event) => event.application.systemId))].slice(0, 3);
    for (const systemId of workflows) {
      const trail = await cluster.jobTrail(systemId).catch((error: Error) => [`(no trail: ${error.message})`]);
      violations.push(`jobs of workflow ${systemId}: ${trail.join(' | ')}`);
    }
  }
  if (counted.wrongFinalStatus > 0) violations.push(`wrong final StepStone status ${counted.wrongFinalStatus}: ${counted.wrongSamples.join('; ')}`);
  if (counted.duplicates.seek.count > 0) violations.push(`SEEK duplicate items ${counted.duplicates.seek.count}: ${counted.duplicates.seek.samples.join('; ')}`);
  if (counted.duplicates.stepstone.unexplained > 0) violations.push(`StepStone duplicates without a lost answer ${counted.duplicates.stepstone.unexplained}: ${counted.duplicates.stepstone.samples.join('; ')}`);
  // No scenario here is about permanent failures: every job left failed is a violation.
  if (failed.count > 0) violations.push(`failed jobs ${failed.count}: ${failed.reasons.join('; ')}`);
  if (nonJson.count > 0) violations.push(`non-JSON log lines ${nonJson.count}: ${nonJson.samples.join(' | ')}`);
  violations.push(...(typeof options.violations === 'function' ? await options.violations(counted) : (options.violations ?? [])));

  // Posts that got no 200, by answer (0: no answer at all): the faults' effect on iCIMS's side.
  const refusedByAnswer = new Map<number, number>();
  for (const event of posted) if (event.httpStatus !== 200) refusedByAnswer.set(event.httpStatus, (refusedByAnswer.get(event.httpStatus) ?? 0) + 1);
  const notAcknowledged = [...refusedByAnswer].map(([status, count]) => `${status === 0 ? 'no answer' : status} ×${count}`).join(', ');

  const stepstoneDuplicates = counted.duplicates.stepstone;
  const stepstoneReason = [
    stepstoneDuplicates.explained > 0 ? `answer lost: ${answerLost.reasons.join(', ')}` : '',
    stepstoneDuplicates.unexplained > 0 ? `${stepstoneDuplicates.unexplained} with no lost answer to explain them` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const notes = [
    ...(typeof options.notes === 'function' ? await options.notes(counted) : (options.notes ?? [])),
    notAcknowledged ? `not acknowledged: ${notAcknowledged}` : '',
    counted.superseded > 0 ? `StepStone superseded (a newer change arrived instead) ${counted.superseded}` : '',
    violations.length > 0 ? `FAILED: ${violations.map((violation) => violation.split(':')[0]).join(', ')}` : '',
  ].filter(Boolean);
  const row: ScenarioRow = {
    suite: 'faults',
    id: spec.id,
    title: spec.title,
    sent: counted.sent,
    acknowledged: counted.acknowledged,
    delivered: { stepstone: counted.delivered.stepstone, seek: counted.delivered.seek },
    lost: counted.lost,
    duplicates: {
      stepstone: { count: stepstoneDuplicates.count, ...(stepstoneDuplicates.count > 0 ? { reason: stepstoneReason } : {}) },
      seek: { count: counted.duplicates.seek.count, ...(counted.duplicates.seek.count > 0 ? { reason: 'items created twice for one idempotencyId' } : {}) },
    },
    wrongFinalStatus: counted.wrongFinalStatus,
    drainMs,
    failedJobs: failed.count,
    nonJsonLogLines: nonJson.count,
    ...(notes.length > 0 ? { notes: notes.join('; ') } : {}),
  };
  recordScenario(row);
  // FAULTS_LOG_DIR (a test knob): keep every process's output of the scenario for reading afterwards.
  const logDir = process.env.FAULTS_LOG_DIR;
  if (logDir) {
    mkdirSync(join(logDir, spec.id), { recursive: true });
    for (const entry of cluster.processes) writeFileSync(join(logDir, spec.id, `${entry.name}.log`), `${entry.handle.lines.join('\n')}\n`);
  }
  process.stderr.write(`[faults] ${spec.id}: sent ${row.sent}, acknowledged ${row.acknowledged}, delivered stepstone ${row.delivered.stepstone} seek ${row.delivered.seek}, lost ${row.lost}, duplicates stepstone ${stepstoneDuplicates.count} (unexplained ${stepstoneDuplicates.unexplained}) seek ${counted.duplicates.seek.count}, wrong final ${row.wrongFinalStatus}, failed ${failed.count}, non-JSON ${nonJson.count}, drain ${(drainMs / 1000).toFixed(1)} s${violations.length > 0 ? `\n  violations: ${violations.join('\n  ')}` : ''}\n`);
  return { row, tally: counted, violations };
}
