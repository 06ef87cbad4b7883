import type { CanonicalStage, IcimsStatusEvent, OrderPosition, StatusChange } from '@status-bridge/core';
import type { JobProfile, Person, Workflow } from './records';

/**
 * Builds the normalized StatusChange from the event and the three iCIMS records. Pure.
 * Missing fields stay missing (iCIMS omits empty or hidden fields); the partner processors decide
 * what they can do without them.
 */
export interface StatusChangeInput {
  tenantId: string;
  event: IcimsStatusEvent;
  receivedAt: string;
  enrichJobId: string;
  /** The event's order position (eventOrder): also this transition's time. */
  order: OrderPosition;
  oldStage?: CanonicalStage;
  newStage?: CanonicalStage;
  workflow: Workflow;
  person: Person;
  job: JobProfile;
}

export function buildStatusChange(input: StatusChangeInput): StatusChange {
  const { event, workflow, person, job } = input;
  const formattedName = [person.givenName, person.familyName].filter((part): part is string => Boolean(part)).join(' ');
  return {
    tenantId: input.tenantId,
    customerId: event.customerId,
    systemId: event.systemId,
    personId: event.personId,
    jobId: event.jobId,
    userId: event.userId,
    oldStatus: { id: event.oldStatus, ...(input.oldStage ? { stage: input.oldStage } : {}) },
    newStatus: {
      id: event.newStatus,
      ...(input.newStage ? { stage: input.newStage } : {}),
      // The recruiter-visible name only when the workflow still shows the event's status (it may have moved on since).
      ...(workflow.status?.value && (workflow.status.id === undefined || workflow.status.id === event.newStatus) ? { name: workflow.status.value } : {}),
    },
    // This transition's time, not the workflow's updateddate (the time of its LATEST change, maybe a
    // later one). Position 0 (no known time, a damaged job) falls back to the receive text as it was.
    occurredAt: input.order.atMs > 0 ? new Date(input.order.atMs).toISOString() : input.receivedAt,
    order: input.order,
    receivedAt: input.receivedAt,
    candidate: {
      // Empty when iCIMS hid the name from the integration user; each partner's delivery decides what to do.
      formattedName,
      ...(person.givenName ? { givenName: person.givenName } : {}),
      ...(person.familyName ? { familyName: person.familyName } : {}),
      ...(person.email ? { email: person.email } : {}),
      ...(person.phone ? { phone: person.phone } : {}),
    },
    job: { ...(job.title ? { title: job.title } : {}), ...(job.location ? { location: job.location } : {}) },
    ...(workflow.source ? { source: workflow.source } : {}),
    enrichJobId: input.enrichJobId,
  };
}
