import http from 'node:http';
import { basicAuth, eventJson, gzipped, seedHeaders } from '@status-bridge/testing';
import type { GeneratedApplication } from '@status-bridge/sandbox/src/icims';
import { CUSTOMER_ID, INBOUND_USER, SECRETS } from './tenants';

/** What one POST to ingest got: the HTTP status, or 0 when no answer came (refused, reset, timed out). */
export interface PostResult {
  httpStatus: number;
  text: string;
  error?: string;
}

export const INBOUND_AUTH = basicAuth(INBOUND_USER, SECRETS.FAULTS_INBOUND_PASSWORD);

/** An iCIMS status event for a generated application, its links on `icimsOrigin` (the iCIMS sandbox). */
export function applicationEventJson(application: GeneratedApplication, icimsOrigin: string, oldStatus: string, newStatus: string, linkOrigin = icimsOrigin): string {
  const base = `${linkOrigin}/customers/${CUSTOMER_ID}`;
  return eventJson({
    customerId: CUSTOMER_ID,
    systemId: application.systemId,
    personId: application.personId,
    jobId: application.jobId,
    userId: '3',
    oldStatus,
    newStatus,
    links: [
      { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${application.systemId}` },
      { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${application.jobId}` },
      { title: 'Person Profile', rel: 'person', url: `${base}/people/${application.personId}` },
      { title: 'Posting User', rel: 'user', url: `${icimsOrigin}/customers/${CUSTOMER_ID}/people/3` },
    ],
  });
}

/** POSTs one event as iCIMS does (gzip, the seed's headers, Basic auth, a new connection). Never throws. */
export function postEvent(ingestUrl: string, eventText: string, timeoutMs = 5_000): Promise<PostResult> {
  const body = gzipped(eventText);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = http.request(`${ingestUrl}/icims/events`, { method: 'POST', headers: { ...seedHeaders(body), Authorization: INBOUND_AUTH }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle({ httpStatus: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => settle({ httpStatus: 0, text: '', error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => settle({ httpStatus: 0, text: '', error: error.message }));
    req.end(body);
  });
}
