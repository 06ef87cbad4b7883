import { v5 as uuidv5 } from 'uuid';
import { PermanentError } from '@status-bridge/core';
import type { SeekDeliveryJob } from './delivery';
import type { SeekSection } from './section';
import type { SeekClient, SeekCallContext } from './client';
import { planProcessHistoryItem, planUploadCandidate } from './inputs';
import type { CandidateRecord, SeekRecords } from './records';

/**
 * How a status change reaches SEEK. The processor calls this interface only, so another channel
 * (Selection Signals' `sendSignal` for candidates who applied on SEEK, not in our 2023 schema
 * snapshot) can be added beside the process-history channel without touching the queue code.
 */
export interface SeekChannel {
  deliver(request: SeekDeliveryRequest): Promise<SeekDeliveryOutcome>;
}

export interface SeekDeliveryRequest {
  job: SeekDeliveryJob;
  tenant: SeekSection;
  /** Stable per queue job (X-Session-Id). */
  sessionId: string;
}

export type SeekDeliveryOutcome =
  | {
      outcome: 'delivered' | 'duplicate';
      itemId: string;
      candidateProfileId: string;
      mode: 'transition' | 'interaction';
      /** How the profile id was found: from the job (iCIMS field), our record, or an upload (new or conflict). */
      profileFrom: 'job' | 'record' | 'uploaded' | 'upload_conflict';
      /** Who primaryParties names: the acting iCIMS user, or the tenant's fallback party. */
      partyFrom: 'actor' | 'fallback';
    }
  | { outcome: 'skipped'; reason: 'no_position_profile' | 'no_candidate_email' };

// Namespace for X-Session-Id values derived from job ids (fixed; a random UUID chosen once).
const SESSION_NAMESPACE = 'a4d7c1e2-5b3f-4e6a-8c9d-0f1e2d3c4b5a';

/** A UUID per queue job, the same on every attempt, for SEEK's X-Session-Id. */
export function seekSessionId(jobId: string): string {
  return uuidv5(`status-bridge/seek-job/${jobId}`, SESSION_NAMESPACE);
}

/**
 * Records a status change as a CandidateProcessHistoryItem on an uploaded candidate's profile
 * (createCandidateProcessHistoryItem "Adds a process history item to an uploaded candidate's
 * profile"). Profile id order: the job (iCIMS field) → our record → uploadCandidate.
 */
export class ProcessHistoryChannel implements SeekChannel {
  constructor(
    private readonly client: SeekClient,
    private readonly records: SeekRecords,
  ) {}

  async deliver({ job, tenant, sessionId }: SeekDeliveryRequest): Promise<SeekDeliveryOutcome> {
    const { statusChange, seek } = job;
    const { tenantId } = statusChange;
    const context: SeekCallContext = { sessionId, tenantId };

    // Both of our records this delivery may need, in one round trip.
    const stored = await this.records.getPositionAndCandidate(tenantId, statusChange.jobId, statusChange.personId);
    const positionProfileId = await this.positionProfile(job, stored.position);
    const plan = planProcessHistoryItem({ statusChange, seek, tenant, positionProfileId });
    if (plan.kind === 'skip') return { outcome: 'skipped', reason: plan.reason };
    if (plan.kind === 'invalid') throw new PermanentError(`cannot build the SEEK process history item: ${plan.reason}`, { partner: 'seek', tenantId });

    const profile = await this.candidateProfile(job, tenant, context, stored.candidate);
    if ('skip' in profile) return { outcome: 'skipped', reason: profile.skip };

    const created = await this.client.createProcessHistoryItem(
      { candidateProfile: { profileId: profile.profileId }, candidateProcessHistoryItem: plan.item },
      context,
    );
    // Kept for a later update or delete, which address the item by SEEK's id; on a conflict this
    // is the existing item ("you can select its details from the conflict result").
    await this.records.setItem(tenantId, seek.idempotencyId, { itemId: created.itemId, profileId: profile.profileId });
    return {
      outcome: created.conflict ? 'duplicate' : 'delivered',
      itemId: created.itemId,
      candidateProfileId: profile.profileId,
      mode: plan.mode,
      profileFrom: profile.from,
      partyFrom: plan.partyFrom,
    };
  }

  private async positionProfile(job: SeekDeliveryJob, stored: string | undefined): Promise<string | undefined> {
    const { tenantId, jobId } = job.statusChange;
    const fromJob = job.seek.positionProfileId?.trim();
    if (fromJob) {
      // Remember it per iCIMS job, so a later change whose workflow lacks the field still finds it.
      if (stored !== fromJob) await this.records.setPosition(tenantId, jobId, fromJob);
      return fromJob;
    }
    return stored;
  }

  private async candidateProfile(
    job: SeekDeliveryJob,
    tenant: SeekSection,
    context: SeekCallContext,
    record: CandidateRecord | undefined,
  ): Promise<{ profileId: string; from: 'job' | 'record' | 'uploaded' | 'upload_conflict' } | { skip: 'no_candidate_email' }> {
    const { statusChange, seek } = job;
    const fromJob = seek.candidateProfileId?.trim();
    if (fromJob) return { profileId: fromJob, from: 'job' };

    if (record && record.hirerId === tenant.hirerId) return { profileId: record.profileId, from: 'record' };

    const upload = planUploadCandidate(statusChange, tenant.hirerId);
    if (upload.kind === 'skip') return { skip: upload.reason };
    if (upload.kind === 'invalid') throw new PermanentError(`cannot upload the candidate to SEEK: ${upload.reason}`, { partner: 'seek', tenantId: statusChange.tenantId });

    let uploaded;
    try {
      uploaded = await this.client.uploadCandidate(upload.input, context);
    } catch (error) {
      // The schema text says a duplicate upload answers BAD_USER_INPUT (the newer docs say
      // _Conflict, handled below). That error carries no ids and SEEK has no lookup by email,
      // so we cannot adopt the existing profile: fail with what the operator can do about it.
      if (error instanceof PermanentError && error.details.code === 'BAD_USER_INPUT') {
        const field = tenant.candidateProfileField ? `the iCIMS person field ${tenant.candidateProfileField}` : 'an iCIMS person field named by seek.candidateProfileField';
        throw new PermanentError(
          `SEEK refused uploadCandidate for iCIMS person ${statusChange.personId} (hirer ${tenant.hirerId}). If SEEK already holds this candidate (same email), put the SEEK candidate profile id in ${field} and replay the enrichment`,
          error.details,
        );
      }
      throw error;
    }
    await this.records.setCandidate(statusChange.tenantId, statusChange.personId, {
      documentId: uploaded.documentId,
      profileId: uploaded.profileId,
      hirerId: tenant.hirerId,
    });
    return { profileId: uploaded.profileId, from: uploaded.conflict ? 'upload_conflict' : 'uploaded' };
  }
}
