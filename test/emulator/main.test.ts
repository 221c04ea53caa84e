// `npm run emulator`: the emulator alone, in its own process, configured from the environment.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { basicAuth, DEMO_LONG_CONVERSATION } from '../../src/emulator/index.ts';

const MAIN = fileURLToPath(new URL('../../src/emulator/main.ts', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function firstLine(output: () => { stdout: string }, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!output().stdout.includes('\n')) {
    if (Date.now() > deadline) throw new Error('no output from the emulator');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return output().stdout.split('\n')[0]!;
}

describe('npm run emulator', () => {
  it('listens where it says, opens the demo account with the configured credentials, and stops on SIGTERM', async () => {
    const sid = `AC${'ab'.repeat(16)}`;
    const { child, exited, output } = run({ EMULATOR_PORT: '0', EMULATOR_ACCOUNT_SID: sid, EMULATOR_AUTH_TOKEN: 'tok' });
    try {
      const line = await firstLine(output);
      expect(line).toContain(`demo account: ${sid}, auth token: tok`);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
      const response = await fetch(`${url}/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=1`, {
        headers: { authorization: basicAuth(sid, 'tok') },
      });
      expect(response.status).toBe(200);
      // Same demo ids in another process: the seed is deterministic.
      expect(((await response.json()) as any).communications[0].conversationId).toBe(DEMO_LONG_CONVERSATION);
      expect((await fetch(`${url}/__emulator/health`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual([0, null]);
  });

  it.each([
    [{ EMULATOR_PORT: 'abc' }, 'Configuration error: EMULATOR_PORT must be a port number from 0 to 65535, got "abc"'],
    [{ EMULATOR_PORT: '70000' }, 'Configuration error: EMULATOR_PORT must be a port number from 0 to 65535, got "70000"'],
    [
      { EMULATOR_PORT: '0', EMULATOR_ACCOUNT_SID: 'ACnope' },
      'Configuration error: EMULATOR_ACCOUNT_SID must be AC followed by 32 hex digits, got "ACnope"',
    ],
  ])('refuses bad configuration %j with one line and exit code 1', async (env, message) => {
    const { exited, output } = run(env);
    expect(await exited).toEqual([1, null]);
    expect(output().stderr.trim()).toBe(message);
  });
});
