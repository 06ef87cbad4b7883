import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse, validate, Kind, type OperationDefinitionNode } from 'graphql';
import { SEEK_DOCUMENTS } from '../src/documents';
import { readSeekSchemaSdl, seekSchema } from '../src/schema';

describe('SEEK GraphQL documents', () => {
  const schema = seekSchema();

  it.each(Object.entries(SEEK_DOCUMENTS))('%s validates against the SEEK schema', (name, document) => {
    const ast = parse(document);
    expect(validate(schema, ast)).toEqual([]);
    const operations = ast.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    expect(operations).toHaveLength(1);
    expect(operations[0].name?.value).toBe(name);
    // Every union payload selection names its member, so the client can tell _Success from _Conflict.
    if (/Payload_Conflict/.test(document)) expect(document).toContain('__typename');
  });

  it('would catch a misspelt field (the check above can fail)', () => {
    const broken = SEEK_DOCUMENTS.CreateCandidateProcessHistoryItem.replace('conflictingCandidateProcessHistoryItem', 'conflictingItem');
    expect(validate(schema, parse(broken)).map((error) => error.message).join('\n')).toMatch(/conflictingItem/);
  });
});

describe('schema copy', () => {
  const shared = join(__dirname, '..', '..', '..', '..', 'shared', 'seek', 'schema.graphql');
  const maybe = existsSync(shared) ? it : it.skip;

  maybe('equals ../shared/seek/schema.graphql byte for byte', () => {
    expect(readSeekSchemaSdl()).toBe(readFileSync(shared, 'utf8'));
  });

  it('parses into the full schema (294 named types per SOURCE.md, counting introspection types)', () => {
    expect(Object.keys(seekSchema().getTypeMap())).toHaveLength(294);
    expect(seekSchema().getMutationType()?.getFields().createCandidateProcessHistoryItem).toBeDefined();
  });
});
