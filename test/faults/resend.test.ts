import { sleep } from '@status-bridge/testing';
import { closeAllClusters, Cluster, CUSTOMER_ID, finishScenario, Load } from './harness';

/**
 * Scenario 13: a corrected re-send. An event whose link points at a foreign host is refused (the
 * worker never follows it with our iCIMS credentials); a second later the genuine event for the
 * same transition arrives. The genuine one must be delivered: the refused one must neither be
 * acknowledged (ingest answers 400) nor swallow the genuine one by de-duplication into a failed job.
 */
afterEach(closeAllClusters);

const FOREIGN_ORIGIN = 'https://icims-lookalike.example.net';

test('corrected re-send: a refused link (foreign host), then the genuine event 1 s later; the genuine one is delivered', async () => {
  const cluster = await Cluster.start({ label: 'corrected-resend', applications: 5 });
  const load = new Load(cluster);
  await Promise.all(
    cluster.applications.map(async (application) => {
      cluster.icims.moveWorkflow(CUSTOMER_ID, application.systemId, '1752');
      await load.post({ application, seq: 0, oldStatus: '1752', newStatus: '9782', refused: true }, undefined, FOREIGN_ORIGIN);
      await sleep(1_000);
      await load.post({ application, seq: 1, oldStatus: '1752', newStatus: '9782' });
    }),
  );
  const refused = load.posted.filter((event) => event.refused);
  const notRefused = refused.filter((event) => event.httpStatus !== 400);
  const outcome = await finishScenario(cluster, load.posted, { id: 'corrected-resend', title: 'Corrected re-send: event with a foreign-host link, the genuine event for the same transition 1 s later (5 applications)' }, {
    violations: notRefused.length > 0 ? [`refused-link events not answered 400: ${notRefused.length} (workflows ${notRefused.map((event) => event.application.systemId).join(', ')})`] : [],
    notes: [`refused-link events answered ${[...new Set(refused.map((event) => event.httpStatus))].join(', ')}`],
  });
  expect(outcome.violations).toEqual([]);
});
