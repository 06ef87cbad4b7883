export * from './links';
export * from './classify';
export * from './records';
export * from './auth';
export * from './token-cache';
export * from './request-budget';
export * from './job-cache';
export * from './client';
