export * from './redis';
export * from './net';
export * from './wait';
export * from './process';
export * from './fixtures';
export * from './reliability-report';
export * from './raw-http';
export * from './log-lines';
