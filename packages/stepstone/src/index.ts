export * from './message';
export * from './classify';
export * from './client';
export * from './tenant-rate-limit';
export * from './application-ids';
export * from './application-order';
