import type { RouterMount } from '../app';
import { stepstoneApplications } from './stepstone-applications';

/**
 * Further routes mounted on the ingest app. Adding one is one line here, e.g.
 *   import { stepstoneApplications } from './stepstone-applications';
 *   export const extraRoutes: RouterMount[] = [stepstoneApplications];
 * where `stepstoneApplications = ({ requireInboundAuth }) => Router().put('/stepstone/applications/:customerId/:systemId', requireInboundAuth(), handler)`.
 */
export const extraRoutes: RouterMount[] = [stepstoneApplications];
