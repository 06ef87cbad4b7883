import type { StatusChange } from '@status-bridge/core';
import type { SeekActor, SeekDeliveryJob } from './delivery';
import type { SeekSection } from './section';
import type { ProcessHistoryItemInput, SpecifiedPersonInput, UploadCandidateInput } from './types';

/**
 * Pure builders of the SEEK inputs from a StatusChange (tested on tables, and validated against
 * the schema). Field rules come from the schema descriptions and developer.seek.com
 * (use-cases/proactive-sourcing/interaction-history and sharing-a-candidate).
 */

/** `CandidateProcessActionInput.description`: "maximum length of 1,000 characters". */
export const MAX_ACTION_DESCRIPTION = 1000;

/** Action code of a status change recorded against a position (needs status, positionProfile, seekSource). */
export const WORKFLOW_TRANSITION = 'CandidateWorkflowTransition';

/** Default action code of a change recorded without a position ("A note was added"). */
export const DEFAULT_INTERACTION_ACTION_CODE = 'Note';

/** `primaryParties` when the acting iCIMS user cannot be named and the tenant set no name of its own. */
export const DEFAULT_FALLBACK_PARTY_NAME = 'Recruiting team';

/** `EmailInput.address`: "a maximum length of 255 bytes in UTF-8 encoding". */
const MAX_EMAIL_BYTES = 255;
const PLAIN_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type ItemPlan =
  | { kind: 'create'; mode: 'transition' | 'interaction'; item: ProcessHistoryItemInput; partyFrom: 'actor' | 'fallback' }
  | { kind: 'skip'; reason: 'no_position_profile' }
  | { kind: 'invalid'; reason: string };

export function candidateParty(candidate: StatusChange['candidate']): SpecifiedPersonInput | undefined {
  const given = candidate.givenName?.trim() || undefined;
  const family = candidate.familyName?.trim() || undefined;
  const formattedName = candidate.formattedName?.trim() || [given, family].filter(Boolean).join(' ');
  if (!formattedName) return undefined;
  return {
    name: { formattedName, ...(given ? { given } : {}), ...(family ? { family } : {}) },
    // Non-null in the schema (SpecifiedPersonInput.communication: CommunicationInput!) even though
    // the interaction-history page says it "can be omitted"; SEEK does not display it here.
    communication: { email: [], phone: [] },
  };
}

/**
 * `primaryParties[0].person`: "the parties that executed the action" — the iCIMS user who changed
 * the status, else the tenant's fallback party name. Never the candidate: not when the acting user
 * is the candidate (same iCIMS person id), and not when the acting user has no name.
 * The email goes into `communication` (SEEK does not display it for interactions) when it is a
 * plain address within SEEK's limit; otherwise the lists stay empty, as the schema requires them.
 */
export function actingParty(statusChange: Pick<StatusChange, 'userId' | 'personId'>, actor: SeekActor | undefined, fallbackPartyName: string | undefined): { person: SpecifiedPersonInput; from: 'actor' | 'fallback' } {
  const formattedName = actor?.formattedName?.trim();
  if (!actor || !formattedName || statusChange.userId === statusChange.personId) {
    return { person: { name: { formattedName: fallbackPartyName?.trim() || DEFAULT_FALLBACK_PARTY_NAME }, communication: { email: [], phone: [] } }, from: 'fallback' };
  }
  const given = actor.givenName?.trim() || undefined;
  const family = actor.familyName?.trim() || undefined;
  const email = actor.email?.trim();
  const usableEmail = email && PLAIN_EMAIL.test(email) && Buffer.byteLength(email, 'utf8') <= MAX_EMAIL_BYTES ? email : undefined;
  return {
    person: {
      name: { formattedName, ...(given ? { given } : {}), ...(family ? { family } : {}) },
      communication: { email: usableEmail ? [{ address: usableEmail }] : [], phone: [] },
    },
    from: 'actor',
  };
}

/** The recruiter-visible status name, else the SEEK status code (name is required for uploaded candidates). */
export function actionName(statusChange: StatusChange, statusCode: string): string {
  return statusChange.newStatus.name?.trim() || statusCode;
}

export function actionDescription(name: string, jobTitle: string | undefined): string {
  const title = jobTitle?.trim();
  const text = title ? `Status changed to ${name} for ${title}` : `Status changed to ${name}`;
  return text.length > MAX_ACTION_DESCRIPTION ? `${text.slice(0, MAX_ACTION_DESCRIPTION - 1)}…` : text;
}

/**
 * The process history item for one delivery. With a position profile: a
 * CandidateWorkflowTransition with status, positionProfile and seekSource (all required for
 * placement information). Without one, the tenant's `withoutPosition` decides: a general
 * interaction (no status/positionProfile/seekSource, as in SEEK's "Contact again later"
 * example) or a counted skip.
 */
export function planProcessHistoryItem(args: {
  statusChange: StatusChange;
  seek: SeekDeliveryJob['seek'];
  tenant: Pick<SeekSection, 'withoutPosition' | 'interactionActionCode'> & { fallbackPartyName?: string };
  positionProfileId: string | undefined;
}): ItemPlan {
  const { statusChange, seek, tenant, positionProfileId } = args;
  if (!positionProfileId && tenant.withoutPosition === 'skip') return { kind: 'skip', reason: 'no_position_profile' };
  const party = actingParty(statusChange, seek.actor, tenant.fallbackPartyName);
  const name = actionName(statusChange, seek.statusCode);
  const common = {
    actionDate: statusChange.occurredAt,
    idempotencyId: seek.idempotencyId,
    primaryParties: [{ person: party.person }],
  };
  if (positionProfileId) {
    if (!seek.statusCode) return { kind: 'invalid', reason: 'no SEEK status code; status is required for a CandidateWorkflowTransition' };
    return {
      kind: 'create',
      mode: 'transition',
      partyFrom: party.from,
      item: {
        action: { code: WORKFLOW_TRANSITION, name, description: actionDescription(name, statusChange.job.title) },
        ...common,
        positionProfile: { profileId: positionProfileId },
        // "The same value should be resent for each item in the process" (interaction-history page).
        seekSource: { name: seek.sourceName },
        status: { code: seek.statusCode },
      },
    };
  }
  return {
    kind: 'create',
    mode: 'interaction',
    partyFrom: party.from,
    item: {
      action: { code: tenant.interactionActionCode ?? DEFAULT_INTERACTION_ACTION_CODE, name, description: actionDescription(name, statusChange.job.title) },
      ...common,
    },
  };
}

export type UploadPlan = { kind: 'upload'; input: UploadCandidateInput } | { kind: 'skip'; reason: 'no_candidate_email' } | { kind: 'invalid'; reason: string };

/**
 * `uploadCandidate` input for a candidate SEEK does not know yet. The email is both the
 * candidate's address and `seekPrimaryEmailAddress` ("must match one of the candidate's email
 * addresses"); SEEK enforces uniqueness per hirer on it. List fields the schema requires are
 * sent empty, and the first history item is NOT sent in `seekProcessHistory`: that input type has
 * no idempotencyId, so a replay would add a second item.
 */
export function planUploadCandidate(statusChange: StatusChange, hirerId: string): UploadPlan {
  const email = statusChange.candidate.email?.trim();
  if (!email) return { kind: 'skip', reason: 'no_candidate_email' };
  const party = candidateParty(statusChange.candidate);
  if (!party) return { kind: 'invalid', reason: 'the candidate has no name; SEEK requires person.name.formattedName' };
  const phone = statusChange.candidate.phone?.trim();
  return {
    kind: 'upload',
    input: {
      candidate: {
        distributionGuidelines: { seekProductCodes: ['ProactiveSourcing'] },
        person: { name: party.name, communication: { email: [{ address: email }], phone: phone ? [{ formattedNumber: phone }] : [] } },
        seekPrimaryEmailAddress: email,
      },
      candidateProfile: {
        createDateTime: statusChange.occurredAt,
        updateDateTime: statusChange.occurredAt,
        positionPreferences: [],
        seekActions: [],
        seekProcessHistory: [],
      },
      hiringOrganization: { id: hirerId.trim() },
    },
  };
}
