/** The fault suite's harness: compose a cluster, a load, faults, then finishScenario. */
export * from './cluster';
export * from './load';
export * from './log-lines';
export * from './post';
export * from './scenario';
export * from './tally';
export * from './tenants';
