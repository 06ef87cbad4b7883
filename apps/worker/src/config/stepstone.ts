/** StepStone ATSi Application Status settings (issue: StepStone delivery). */
export interface StepStoneEnv {
  STEPSTONE_STATUS_URL: string;
  STEPSTONE_REQUEST_TIMEOUT_MS: number;
}

export const stepstoneEnvProperties = {
  STEPSTONE_STATUS_URL: {
    type: 'string',
    pattern: '^https?://',
    default: 'https://www.at-ats.com/qs-api/public/atsi/v1/ATS_ID',
    description: 'ATSi Application Status URL (the current docs use .../qs-api/public/atsi/v1/{ATS_ID}; confirm with StepStone); a tenant may override it',
  },
  STEPSTONE_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 10_000, description: 'timeout of one StepStone request' },
};
