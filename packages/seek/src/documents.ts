/**
 * Every GraphQL document this package sends to SEEK, one constant per operation. Each selects
 * `__typename` and the ids on both members of its union payload (SEEK returns a `_Conflict`
 * member, not an error, for a duplicate). `test/documents.test.ts` validates each against the
 * schema copy, so a field-name typo fails the build, not a production call.
 *
 * SEEK asks partners to parameterise arguments with variables and to select only the fields
 * they use (developer.seek.com/graphql/in-practice).
 */

/** Uploads a candidate for Proactive Sourcing; a duplicate email answers `_Conflict` with the existing candidate. */
export const UPLOAD_CANDIDATE = /* GraphQL */ `
  mutation UploadCandidate($input: UploadCandidateInput!) {
    uploadCandidate(input: $input) {
      __typename
      ... on UploadCandidatePayload_Success {
        candidate {
          documentId { value }
          profiles { profileId { value } }
        }
      }
      ... on UploadCandidatePayload_Conflict {
        conflictingCandidate {
          documentId { value }
          profiles { profileId { value } }
        }
      }
    }
  }
`;

/** Adds one process history item; a repeated idempotencyId answers `_Conflict` with the existing item (not updated). */
export const CREATE_PROCESS_HISTORY_ITEM = /* GraphQL */ `
  mutation CreateCandidateProcessHistoryItem($input: CreateCandidateProcessHistoryItemInput!) {
    createCandidateProcessHistoryItem(input: $input) {
      __typename
      ... on CreateCandidateProcessHistoryItemPayload_Success {
        candidateProcessHistoryItem { id { value } }
      }
      ... on CreateCandidateProcessHistoryItemPayload_Conflict {
        conflictingCandidateProcessHistoryItem { id { value } }
      }
    }
  }
`;

/** Replaces an item in its entirety, addressed by the id SEEK assigned on create. */
export const UPDATE_PROCESS_HISTORY_ITEM = /* GraphQL */ `
  mutation UpdateCandidateProcessHistoryItem($input: UpdateCandidateProcessHistoryItemInput!) {
    updateCandidateProcessHistoryItem(input: $input) {
      candidateProcessHistoryItem { id { value } }
    }
  }
`;

/** Removes an item, addressed by the id SEEK assigned on create. */
export const DELETE_PROCESS_HISTORY_ITEM = /* GraphQL */ `
  mutation DeleteCandidateProcessHistoryItem($input: DeleteCandidateProcessHistoryItemInput!) {
    deleteCandidateProcessHistoryItem(input: $input) {
      candidateProcessHistoryItem { id { value } }
    }
  }
`;

/** All documents, by operation name (the validation test walks this list). */
export const SEEK_DOCUMENTS = {
  UploadCandidate: UPLOAD_CANDIDATE,
  CreateCandidateProcessHistoryItem: CREATE_PROCESS_HISTORY_ITEM,
  UpdateCandidateProcessHistoryItem: UPDATE_PROCESS_HISTORY_ITEM,
  DeleteCandidateProcessHistoryItem: DELETE_PROCESS_HISTORY_ITEM,
} as const;

export type SeekOperationName = keyof typeof SEEK_DOCUMENTS;
