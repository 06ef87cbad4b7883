import type { PartnerSectionBase } from '@status-bridge/core';

/**
 * `tenants.<customerId>.seek`: one hirer's SEEK settings (documented in docs/configuration.md),
 * as loaded: the schema's defaults are filled in. `enabled`, `stageMapping` and
 * `statusOverrides` are every partner's (core adds them to the schema).
 */
export interface SeekSection extends PartnerSectionBase {
  /** SEEK hirer id (needs a ProactiveSourcing relationship), e.g. seekAnz:organization:seek:93WyyF1h. */
  hirerId: string;
  /** iCIMS person field that holds the SEEK candidate profile id, if the hirer stores it. */
  candidateProfileField?: string;
  /** iCIMS job field that holds the SEEK position profile id. */
  positionProfileField?: string;
  /** iCIMS applicant-workflow field used as seekSource.name (absent: the workflow's source). */
  sourceField?: string;
  /** seekSource.name when the workflow has no source (default "iCIMS"). */
  defaultSource: string;
  /** What to do when a job has no SEEK position profile (default "interaction"). */
  withoutPosition: 'interaction' | 'skip';
  /** Action code for a change recorded without a position (default "Note"). */
  interactionActionCode?: string;
  /**
   * `primaryParties` ("the parties that executed the action") when the iCIMS user who changed the
   * status cannot be named (unknown, hidden from the integration user, unreadable, no name):
   * a team or company name, never the candidate (default "Recruiting team").
   */
  fallbackPartyName: string;
}

const fieldId = { type: 'string', pattern: '^[a-z0-9_]+$' };

/** The partner's own properties of the section (ajv, defaults filled in at load; core merges the common ones). */
export const seekSectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hirerId'],
  properties: {
    hirerId: { type: 'string', minLength: 1 },
    candidateProfileField: fieldId,
    positionProfileField: fieldId,
    sourceField: fieldId,
    defaultSource: { type: 'string', minLength: 1, default: 'iCIMS' },
    withoutPosition: { enum: ['interaction', 'skip'], default: 'interaction' },
    interactionActionCode: { type: 'string', minLength: 1, default: 'Note' },
    // Not blank: SEEK requires primaryParties[].person.name.formattedName.
    fallbackPartyName: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', default: 'Recruiting team' },
  },
};
