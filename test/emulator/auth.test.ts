// HTTP Basic auth: 401 cases, trust on first use, the demo account's token, and account isolation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, twilioError } from './helpers.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ demoAccountSid: `AC${'d'.repeat(32)}`, demoAuthToken: 'demo-token' });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.data.reset());

const DEMO: [string, string] = [`AC${'d'.repeat(32)}`, 'demo-token'];

async function raw(authorization?: string) {
  const response = await fetch(`${emulator.url}/v2/Conversations`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('authentication', () => {
  it('answers 401 (code 20003) with WWW-Authenticate for missing or malformed Authorization', async () => {
    for (const header of [undefined, 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      const response = await raw(header);
      expect(response.status, String(header)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
      expect(response.body).toEqual(twilioError(401, 20003, /^Authentication Error - /));
    }
  });

  it('accepts only AC or SK followed by 32 hex digits as the username, with a non-empty password', async () => {
    for (const [username, password] of [
      [`US${'a'.repeat(32)}`, 'x'],
      [`AC${'a'.repeat(31)}`, 'x'],
      [`AC${'g'.repeat(32)}`, 'x'],
      [`AC${'a'.repeat(32)}`, ''],
    ] as [string, string][]) {
      const response = await call(emulator, 'GET', '/v2/Conversations', { auth: [username, password] });
      expect(response.status, username).toBe(401);
      expect(response.body.code).toBe(20003);
    }
  });

  it('opens the demo account with its token only', async () => {
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: DEMO })).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: [DEMO[0], 'guess'] })).status).toBe(401);
    // The default demo SID is an ordinary account when another one is the demo account.
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: [DEMO_SID, DEMO_TOKEN] })).body.conversations).toEqual([]);
  });

  it('trusts the first password of any other username and refuses others later, until reset', async () => {
    const username = `AC${'1'.repeat(32)}`;
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: [username, 'first'] })).status).toBe(200);
    const wrong = await call(emulator, 'GET', '/v2/Conversations', { auth: [username, 'second'] });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(twilioError(401, 20003, 'Authentication Error - invalid username or password'));
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: [username, 'first'] })).status).toBe(200);
    emulator.data.reset();
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth: [username, 'second'] })).status).toBe(200);
  });

  it('checks credentials before routing: unknown paths answer 401 without them', async () => {
    expect((await call(emulator, 'GET', '/v2/Nope', { auth: null })).status).toBe(401);
  });
});

describe('accounts', () => {
  it('keeps each username’s data separate, including an API key and its own account', async () => {
    const key = `SK${ACCOUNT.slice(2)}`;
    const mine = await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId: CONFIGURATION_ID, name: 'mine' } });
    expect(mine.body.accountId).toBe(ACCOUNT);

    const viaKey = await call(emulator, 'POST', '/v2/Conversations', {
      auth: [key, 'key-secret'],
      body: { configurationId: CONFIGURATION_ID, name: 'via key' },
    });
    expect(viaKey.status).toBe(201);
    expect(viaKey.body.accountId).toBe(ACCOUNT); // AC + the same 32 hex digits

    const names = async (auth: [string, string]) =>
      (await call(emulator, 'GET', '/v2/Conversations', { auth })).body.conversations.map((c: any) => c.name);
    expect(await names([ACCOUNT, 'secret-1'])).toEqual(['mine']);
    expect(await names([key, 'key-secret'])).toEqual(['via key']);

    const stranger: [string, string] = [`AC${'e'.repeat(32)}`, 'x'];
    expect(await names(stranger)).toEqual([]);
    expect((await call(emulator, 'GET', `/v2/Conversations/${mine.body.id}`, { auth: stranger })).status).toBe(404);
    expect(
      (await call(emulator, 'POST', `/v2/Conversations/${mine.body.id}/Participants`, { auth: stranger, body: { addresses: [] } })).status,
    ).toBe(404);
  });

  it('seeds the demo data into the demo account only', async () => {
    const demo = await call(emulator, 'GET', '/v2/Conversations', { auth: DEMO });
    expect(demo.body.conversations.length).toBeGreaterThanOrEqual(5);
    expect(demo.body.conversations.every((c: any) => c.accountId === DEMO[0])).toBe(true);
  });
});
