import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, GraphQLError, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { SEEK_STATUS_CODES } from '../statuses';
import { sandboxId, type SeekSandboxState, type StoredItem, type UploadedCandidate } from './state';

/**
 * An executable SEEK schema: the SDL copied into packages/seek (from ../shared/seek/schema.graphql,
 * provenance in packages/seek/schema/SOURCE.md) plus our resolvers for the mutations the bridge
 * uses. graphql-js does the document and variable validation, so an invalid field or input is
 * refused exactly as the schema dictates; the resolvers add the rules SEEK states in prose
 * (schema descriptions and developer.seek.com proactive-sourcing pages).
 */
// Read by path rather than through @status-bridge/seek: the sandbox must not share code with the
// client it tests, only the contract file.
export const SEEK_SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'schema.graphql');

export interface SandboxContext {
  state: SeekSandboxState;
  /** Set by resolvers: how the operation ended, for the operation record. */
  outcome?: 'success' | 'conflict' | 'updated' | 'deleted';
}

/** Action codes defined for process history (interaction-history page); strings in the schema. */
const HISTORY_ACTION_CODES = new Set([
  'AgencySubmission',
  'CandidateWorkflowTransition',
  'Document',
  'Email',
  'Note',
  'PhoneCall',
  'PostPlacementActivity',
  'Screening',
  'StatusChange',
  'VerificationActivity',
  'Other',
]);

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

type Input = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rules from the schema descriptions of the history item inputs (uploaded candidates). */
function checkHistoryItem(item: Input): void {
  const action = item.action as Input;
  if (!HISTORY_ACTION_CODES.has(action.code)) throw badInput(`action.code "${String(action.code)}" is not a process history action code`);
  if (!action.name) throw badInput('action.name is required for a process history action of an uploaded candidate');
  if (!action.description) throw badInput('action.description is required for a process history action of an uploaded candidate');
  if (String(action.description).length > 1000) throw badInput('action.description has a maximum length of 1,000 characters');
  const parties = item.primaryParties as Input[];
  if (parties.length < 1 || parties.length > 10) throw badInput('between 1 and 10 primaryParties are required for a process history item of an uploaded candidate');
  if (item.positionProfile && !item.seekSource) throw badInput('seekSource is required if positionProfile is specified');
  if (action.code === 'CandidateWorkflowTransition') {
    if (!item.status) throw badInput('status must be provided for a CandidateWorkflowTransition action');
    if (!item.positionProfile) throw badInput('positionProfile and seekSource are required for a CandidateWorkflowTransition action');
  }
  if (item.status && !(SEEK_STATUS_CODES as readonly string[]).includes(item.status.code)) throw badInput(`status.code "${String(item.status.code)}" is not a candidate process status code`);
}

function candidateOutput(candidate: UploadedCandidate): Input {
  return {
    documentId: { value: candidate.documentId },
    distributionGuidelines: { seekProductCodes: ['ProactiveSourcing'] },
    person: candidate.person,
    seekPrimaryEmailAddress: candidate.email,
    profiles: [{ profileId: { value: candidate.profileId }, createDateTime: candidate.createDateTime, updateDateTime: candidate.updateDateTime }],
  };
}

function itemOutput(item: StoredItem): Input {
  const input = item.item;
  return {
    id: { value: item.id },
    action: input.action,
    actionDate: input.actionDate,
    primaryParties: input.primaryParties,
    seekSource: input.seekSource ?? null,
    status: input.status ?? null,
    // A PositionProfile is an interface with posted/unposted members the sandbox does not model.
    positionProfile: null,
    candidateProfile: { profileId: { value: item.profileId } },
  };
}

const hiringOrganization = (id: string): Input => ({ id: { value: id }, name: `Sandbox hirer ${id}` });

const mutations: Record<string, GraphQLFieldResolver<unknown, SandboxContext, { input: Input }>> = {
  uploadCandidate(_root, { input }, context) {
    const { state } = context;
    const hirerId = String(input.hiringOrganization.id);
    // SEEK: operations fail with FORBIDDEN when the hirer relationship is not configured.
    if (state.settings.forbiddenHirers.has(hirerId)) {
      throw new GraphQLError('The partner does not have a ProactiveSourcing relationship with the hirer', { extensions: { code: 'FORBIDDEN' } });
    }
    const candidateInput = input.candidate as Input;
    if (!(candidateInput.distributionGuidelines.seekProductCodes as string[]).includes('ProactiveSourcing')) {
      throw badInput('distributionGuidelines.seekProductCodes must include ProactiveSourcing');
    }
    const primary = String(candidateInput.seekPrimaryEmailAddress).trim().toLowerCase();
    const addresses = (candidateInput.person.communication.email as Input[]).map((email) => String(email.address).trim().toLowerCase());
    if (!primary || !addresses.includes(primary)) throw badInput('seekPrimaryEmailAddress must match one of the candidate\'s email addresses');
    if (Buffer.byteLength(primary) > 255) throw badInput('seekPrimaryEmailAddress has a maximum length of 255 bytes');
    if ((input.candidateProfile.seekProcessHistory as Input[]).length > 20) throw badInput('a maximum of 20 process history items may be provided on initial upload');
    const existing = state.candidateByEmail(hirerId, primary);
    if (existing) {
      if (state.settings.duplicateUpload === 'bad-user-input') throw badInput('A candidate with this seekPrimaryEmailAddress has already been uploaded for this hirer');
      context.outcome = 'conflict';
      return { __typename: 'UploadCandidatePayload_Conflict', conflictingCandidate: candidateOutput(existing), hiringOrganization: hiringOrganization(hirerId) };
    }
    const scheme = hirerId.split(':')[0] || 'seekAnz';
    const candidate: UploadedCandidate = {
      documentId: sandboxId(scheme, 'candidate', 'uploaded'),
      profileId: sandboxId(scheme, 'candidateProfile', 'uploaded'),
      hirerId,
      email: primary,
      person: candidateInput.person,
      createDateTime: input.candidateProfile.createDateTime,
      updateDateTime: input.candidateProfile.updateDateTime,
    };
    state.addCandidate(candidate);
    context.outcome = 'success';
    return { __typename: 'UploadCandidatePayload_Success', candidate: candidateOutput(candidate), candidateProcessHistoryItems: [], hiringOrganization: hiringOrganization(hirerId) };
  },

  createCandidateProcessHistoryItem(_root, { input }, context) {
    const { state } = context;
    const profileId = String(input.candidateProfile.profileId);
    const candidate = state.candidateByProfile(profileId);
    if (!candidate) throw badInput('candidateProfile.profileId does not identify an uploaded candidate profile');
    const itemInput = input.candidateProcessHistoryItem as Input;
    checkHistoryItem(itemInput);
    // SEEK: idempotencyId "must be unique within the given candidate profile"; a repeat answers
    // _Conflict with the existing item, which is not updated.
    const existing = state.itemByIdempotency(profileId, String(itemInput.idempotencyId));
    if (existing) {
      context.outcome = 'conflict';
      return {
        __typename: 'CreateCandidateProcessHistoryItemPayload_Conflict',
        conflictingCandidateProcessHistoryItem: itemOutput(existing),
        candidateProfile: { profileId: { value: profileId } },
      };
    }
    const scheme = profileId.split(':')[0] || 'seekAnz';
    const stored: StoredItem = { id: sandboxId(scheme, 'candidateProcessHistoryItem', 'uploaded'), profileId, idempotencyId: String(itemInput.idempotencyId), item: itemInput, createdAt: Date.now() };
    state.addItem(stored);
    context.outcome = 'success';
    return { __typename: 'CreateCandidateProcessHistoryItemPayload_Success', candidateProcessHistoryItem: itemOutput(stored), candidateProfile: { profileId: { value: profileId } } };
  },

  updateCandidateProcessHistoryItem(_root, { input }, context) {
    const { state } = context;
    const { id, ...item } = input.candidateProcessHistoryItem as Input;
    const stored = state.items.get(String(id));
    if (!stored) throw badInput('candidateProcessHistoryItem.id does not identify a process history item');
    checkHistoryItem(item);
    // "replaces a candidate process history item in its entirety"
    stored.item = { ...item, idempotencyId: stored.idempotencyId };
    stored.updatedAt = Date.now();
    context.outcome = 'updated';
    return { candidateProcessHistoryItem: itemOutput(stored) };
  },

  deleteCandidateProcessHistoryItem(_root, { input }, context) {
    const { state } = context;
    const stored = state.items.get(String(input.candidateProcessHistoryItem.id));
    if (!stored) throw badInput('candidateProcessHistoryItem.id does not identify a process history item');
    state.deleteItem(stored);
    context.outcome = 'deleted';
    return { candidateProcessHistoryItem: itemOutput(stored) };
  },
};

let cached: GraphQLSchema | undefined;

/** The SEEK schema with the sandbox's resolvers; every other root field answers "not implemented". */
export function sandboxSchema(): GraphQLSchema {
  if (cached) return cached;
  const schema = buildSchema(readFileSync(SEEK_SCHEMA_FILE, 'utf8'));
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root || !isObjectType(root)) continue;
    for (const [name, field] of Object.entries(root.getFields())) {
      field.resolve =
        root === schema.getMutationType() && mutations[name]
          ? (mutations[name] as GraphQLFieldResolver<unknown, unknown>)
          : () => {
              throw new GraphQLError(`${name} is not implemented by the status-bridge SEEK sandbox`, { extensions: { code: 'NOT_IMPLEMENTED' } });
            };
    }
  }
  cached = schema;
  return schema;
}
