/**
 * ICIMS_API_BASE_URL is read by two processes: the worker sends requests only there, and ingest
 * refuses at the door an event whose links point anywhere else. One definition, so the two can
 * never disagree on the default.
 */
export interface IcimsApiBaseUrlEnv {
  ICIMS_API_BASE_URL: string;
}

export const icimsApiBaseUrlEnvProperties = {
  ICIMS_API_BASE_URL: { type: 'string', pattern: '^https?://', default: 'https://api.icims.com', description: 'iCIMS REST API origin; event links are followed only when they point here' },
};
