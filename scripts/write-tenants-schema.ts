import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENANTS_FILE_SCHEMA } from '@status-bridge/partners';

// Writes config/tenants.schema.json from the schema the services validate with (core's common
// tenant fields plus every registered partner's section), so editors can check a tenants file as
// it is typed. A test keeps the two equal: run this after adding a partner or changing a section.
const target = join(__dirname, '..', 'config', 'tenants.schema.json');
const document = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'status-bridge tenants file', ...TENANTS_FILE_SCHEMA };
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
