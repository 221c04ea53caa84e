// createService is the one wiring main, the bench and the test stack share: what it is told to
// override must win over the configuration (the bench runs with credentials from each caller only,
// even when the configuration holds server credentials), and close() must leave nothing listening.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createService, type Service } from '../src/service.ts';
import { seedConversation } from './helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from './helpers/stack.ts';

const QUERY = JSON.stringify({ query: '{ conversations(first: 5) { nodes { name } } }' });
const silent = createLogger('silent');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
  seedConversation(emulator, 'held by the server account', ACCOUNT_SID);
});
afterAll(() => emulator.close());

/** The configuration an operator would write: the emulator as a remote upstream, with server-held credentials. */
const remoteConfig = () =>
  loadConfig({ CONVERSATIONS_API_URL: emulator.url, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, LIVE_SOURCE: 'poll' });

async function started(service: Service): Promise<string> {
  return `${await service.listen(0, '127.0.0.1')}/graphql`;
}

const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY });

describe('createService', () => {
  it('uses the configured upstream and server-held credentials by default', async () => {
    const service = createService(remoteConfig(), { logger: silent });
    try {
      emulator.requests.clear();
      const body = (await (await post(await started(service))).json()) as { data: { conversations: { nodes: unknown[] } } };
      expect(body.data.conversations.nodes).toEqual([{ name: 'held by the server account' }]);
      expect(emulator.requests.entries().map((entry) => [entry.method, entry.path, entry.username])).toEqual([
        ['GET', '/v2/Conversations', ACCOUNT_SID],
      ]);
    } finally {
      await service.close();
    }
  });

  it('serverCredentials: null wins over configured credentials: a caller without its own gets UNAUTHENTICATED, nothing goes upstream', async () => {
    const service = createService(remoteConfig(), { logger: silent, serverCredentials: null });
    try {
      emulator.requests.clear();
      const body = (await (await post(await started(service))).json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
      expect(emulator.requests.entries()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('close() ends the connections and the port refuses new ones', async () => {
    const service = createService(remoteConfig(), { logger: silent });
    const url = await started(service);
    expect((await post(url)).status).toBe(200);
    await service.close();
    const { port } = new URL(url);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
