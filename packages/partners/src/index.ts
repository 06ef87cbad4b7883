export * from './registry';
export * from './types';
export * from './queues';
export * from './tenants';
export * from './env';
