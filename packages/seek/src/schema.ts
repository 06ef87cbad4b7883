import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

/**
 * SEEK's GraphQL schema (SDL), copied into the package from seek-oss/wingman's snapshot of it (see
 * schema/SOURCE.md: SEEK's live schema as of July 2023, via seek-oss/wingman). The document
 * validation test and the SEEK sandbox read this file, so both follow the same contract.
 */
export const SEEK_SCHEMA_PATH = join(__dirname, '..', 'schema', 'schema.graphql');

export function readSeekSchemaSdl(): string {
  return readFileSync(SEEK_SCHEMA_PATH, 'utf8');
}

let cached: GraphQLSchema | undefined;

/** The parsed schema (built once per process; building 294 types takes a moment). */
export function seekSchema(): GraphQLSchema {
  cached ??= buildSchema(readSeekSchemaSdl());
  return cached;
}
