import { spawn } from 'node:child_process';
import { join } from 'node:path';

const fixture = join(__dirname, 'fixtures', 'slow-service.ts');

function run(env: Record<string, string>, signalAfterMs?: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; out: string; messages: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    if (signalAfterMs !== undefined) {
      // Signal `signalAfterMs` after the service logged "starting" (tsx's load time varies).
      const onData = (chunk: Buffer): void => {
        if (!chunk.toString().includes('"message":"starting"')) return;
        child.stdout.off('data', onData);
        setTimeout(() => child.kill(signal), signalAfterMs);
      };
      child.stdout.on('data', onData);
    }
    child.on('exit', (code) => {
      const messages = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { message: string }).message);
      resolve({ code, out, messages });
    });
  });
}

describe('runService', () => {
  it('stops gracefully when the signal arrives while the service is still starting', async () => {
        const result = await run({ START_MS: '2000' }, 200);
    expect(result.code).toBe(0);
    expect(result.messages).toEqual(['starting', 'shutting down', 'ready', 'stopped']);
  }, 20_000);

  it('exits 1 when stopping takes longer than the bound', async () => {
    const result = await run({ START_MS: '0', STOP_MS: '5000', TIMEOUT_MS: '300' }, 100);
    expect(result.code).toBe(1);
    expect(result.messages).toEqual(['starting', 'ready', 'shutting down', 'shutdown took too long; exiting']);
  }, 20_000);

  it('prints a configuration error plainly and exits 78 without starting', async () => {
    const result = await run({ BROKEN_CONFIG: '1' });
    expect(result.code).toBe(78);
    expect(result.out).toBe('slow-service: EXAMPLE_VAR is not set — an example variable\n');
  }, 20_000);
});
