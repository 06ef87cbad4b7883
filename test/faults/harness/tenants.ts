import { SANDBOX_ICIMS_CLIENT } from '@status-bridge/sandbox/src/icims';
import type { TenantsFile } from '@status-bridge/core';

/**
 * The one tenant the fault suite runs: customer 1234 of the seed, delivering to StepStone (its
 * AtsiApplicationId in workflow field51234) and SEEK (position in job field61234; candidates
 * uploaded, so every person is a real SEEK profile). Secrets are test values the sandboxes accept.
 */
export const CUSTOMER_ID = '1234';

export const SECRETS = {
  FAULTS_INBOUND_PASSWORD: 'faults-inbound-password-1234',
  FAULTS_ICIMS_CLIENT_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
  FAULTS_STEPSTONE_TOKEN: 'faults-stepstone-token-1234',
  FAULTS_SEEK_CLIENT_ID: 'status-bridge-faults',
  FAULTS_SEEK_CLIENT_SECRET: 'faults-seek-secret-1234',
};

export const INBOUND_USER = 'icims-1234';
export const SEEK_HIRER_ID = 'seekAnzPublicTest:organization:seek:93WyyF1h';

export const STATUS_MAPPING = {
  D10100: 'applied',
  '1752': 'screening',
  '9782': 'interview',
  '9790': 'assessment',
  '9800': 'offer',
  '9810': 'hired',
  '9820': 'rejected',
  '9830': 'withdrawn',
} as const;

export function faultsTenants(): TenantsFile {
  return {
    tenants: {
      [CUSTOMER_ID]: {
        inbound: { basic: { username: INBOUND_USER, passwordEnv: 'FAULTS_INBOUND_PASSWORD' } },
        icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'FAULTS_ICIMS_CLIENT_SECRET' } },
        statusMapping: { ...STATUS_MAPPING },
        stepstone: { tokenEnv: 'FAULTS_STEPSTONE_TOKEN', applicationIdField: 'field51234' },
        seek: { hirerId: SEEK_HIRER_ID, positionProfileField: 'field61234', defaultSource: 'iCIMS', withoutPosition: 'interaction' },
      },
    },
  };
}
