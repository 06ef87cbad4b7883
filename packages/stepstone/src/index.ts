export * from './application-ids';
