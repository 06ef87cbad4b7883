/**
 * TypeScript shapes of the SEEK inputs we send and the payload members we select, written from
 * schema/schema.graphql (field names and nullability as there). Optional inputs are left out
 * when unused, as SEEK asks (developer.seek.com/graphql/in-practice).
 */

export interface PersonNameInput {
  formattedName: string;
  given?: string;
  family?: string;
}

export interface CommunicationInput {
  email: Array<{ address: string }>;
  phone: Array<{ formattedNumber: string }>;
}

/** SpecifiedPersonInput: `communication` is non-null in the schema even where the docs say it may be omitted. */
export interface SpecifiedPersonInput {
  name: PersonNameInput;
  communication: CommunicationInput;
}

export interface CandidateProcessActionInput {
  code: string;
  name?: string;
  description?: string;
}

/** CreateCandidateProcessHistoryItem_CandidateProcessHistoryItemInput. */
export interface ProcessHistoryItemInput {
  action: CandidateProcessActionInput;
  actionDate: string;
  idempotencyId: string;
  primaryParties: Array<{ person: SpecifiedPersonInput }>;
  positionProfile?: { profileId: string };
  seekSource?: { name: string };
  status?: { code: string };
}

export interface CreateProcessHistoryItemInput {
  candidateProfile: { profileId: string };
  candidateProcessHistoryItem: ProcessHistoryItemInput;
}

/** UpdateCandidateProcessHistoryItem_CandidateProcessHistoryItemInput: a full replacement, addressed by id. */
export type UpdatedProcessHistoryItemInput = Omit<ProcessHistoryItemInput, 'idempotencyId'> & { id: string };

export interface UploadCandidateInput {
  candidate: {
    distributionGuidelines: { seekProductCodes: string[] };
    person: SpecifiedPersonInput;
    seekPrimaryEmailAddress: string;
  };
  candidateProfile: {
    createDateTime: string;
    updateDateTime: string;
    positionPreferences: unknown[];
    seekActions: CandidateProcessActionInput[];
    seekProcessHistory: unknown[];
  };
  hiringOrganization: { id: string };
}

/** The ids SEEK assigned to an uploaded candidate; both are needed later (profile for history, document for updates). */
export interface UploadedCandidateIds {
  documentId: string;
  profileId: string;
}

export interface UploadCandidateResult extends UploadedCandidateIds {
  /** true when SEEK already held a candidate with this email for the hirer (`UploadCandidatePayload_Conflict`). */
  conflict: boolean;
}

export interface CreateProcessHistoryItemResult {
  itemId: string;
  /** true when the idempotencyId was already used on this profile (`_Conflict`); the existing item was not changed. */
  conflict: boolean;
}
