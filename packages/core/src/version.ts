import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The service name and version partners see in our User-Agent. */
export const SERVICE_NAME = 'status-bridge';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const SERVICE_VERSION = readVersion();
export const USER_AGENT = `${SERVICE_NAME}/${SERVICE_VERSION}`;
