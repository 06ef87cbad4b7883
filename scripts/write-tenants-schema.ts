import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tenantsFileSchema } from '@status-bridge/core';

// Writes config/tenants.schema.json from the schema the services validate with, so editors can
// check a tenants file as it is typed. A test keeps the two equal.
const target = join(__dirname, '..', 'config', 'tenants.schema.json');
const document = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'status-bridge tenants file', ...tenantsFileSchema };
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
