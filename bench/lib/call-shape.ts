import type { Stack } from './stack';

/**
 * What the partners received during a run, per event, read off the sandboxes' own request logs:
 * the call shape a baseline must match to be a fair comparison.
 */
export interface CallShape {
  icimsTokens: number;
  icimsGets: Record<'applicantworkflows' | 'people' | 'jobs', number>;
  stepstonePosts: number;
  seekTokens: number;
  seekOperations: Record<string, number>;
}

export async function readCallShape(stack: Stack): Promise<CallShape> {
  const icims = (await stack.control('icims', '/_sandbox/requests')) as Array<{ path: string }>;
  const stepstone = (await stack.control('stepstone', '/_sandbox/received')) as { requests: unknown[] };
  const seek = (await stack.control('seek', '/_sandbox/operations')) as { operations: Array<{ operation: string }>; tokenRequests: unknown[] };
  const shape: CallShape = { icimsTokens: 0, icimsGets: { applicantworkflows: 0, people: 0, jobs: 0 }, stepstonePosts: stepstone.requests.length, seekTokens: seek.tokenRequests.length, seekOperations: {} };
  for (const request of icims) {
    const kind = /^\/customers\/[^/]+\/([^/]+)\//.exec(request.path)?.[1] as keyof CallShape['icimsGets'] | undefined;
    if (kind && kind in shape.icimsGets) shape.icimsGets[kind] += 1;
    else if (request.path === '/oauth/token') shape.icimsTokens += 1;
  }
  for (const { operation } of seek.operations) shape.seekOperations[operation] = (shape.seekOperations[operation] ?? 0) + 1;
  return shape;
}

/** "2 iCIMS GETs (workflow 1.00, person 1.00, job 0.03), 1.00 StepStone POST, 2.00 SEEK POSTs (…)" */
export function describeCallShape(shape: CallShape, events: number): string {
  const per = (count: number) => (count / events).toFixed(2);
  const gets = shape.icimsGets.applicantworkflows + shape.icimsGets.people + shape.icimsGets.jobs;
  const seek = Object.values(shape.seekOperations).reduce((sum, count) => sum + count, 0);
  return (
    `${per(gets)} iCIMS GETs (workflow ${per(shape.icimsGets.applicantworkflows)}, person ${per(shape.icimsGets.people)}, job ${per(shape.icimsGets.jobs)}), ` +
    `${per(shape.stepstonePosts)} StepStone POSTs, ${per(seek)} SEEK GraphQL POSTs (${Object.entries(shape.seekOperations)
      .map(([name, count]) => `${name} ${per(count)}`)
      .join(', ')}); tokens fetched: iCIMS ${shape.icimsTokens}, SEEK ${shape.seekTokens} per run`
  );
}
