// Live-update configuration: LIVE_SOURCE=auto picks webhooks when Twilio can reach the facade
// (PUBLIC_URL) or the embedded emulator sends them, else polling; webhook tokens and limits are
// read and checked at start, and a bad value stops the start with one line that names the
// variable and never repeats a token.
import { startMainWith } from '../helpers/start-main.ts';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLive, DEFAULT_LIVE_LIMITS, liveOptionsFrom } from '../../src/live/index.ts';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const OTHER = 'ACfedcba9876543210fedcba9876543210';
const REMOTE = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'account-token' };

describe('live-update configuration', () => {
  it('LIVE_SOURCE=auto: webhooks in embedded mode or with PUBLIC_URL, polling otherwise', () => {
    expect(loadConfig({}).live).toMatchObject({ source: 'webhook', publicUrl: undefined });
    expect(loadConfig(REMOTE).live.source).toBe('poll');
    const withUrl = loadConfig({ ...REMOTE, PUBLIC_URL: 'https://graphql.example.com/api/' });
    expect(withUrl.live).toMatchObject({ source: 'webhook', publicUrl: 'https://graphql.example.com/api' });
    expect(loadConfig({ ...REMOTE, PUBLIC_URL: 'https://graphql.example.com', LIVE_SOURCE: 'poll' }).live.source).toBe('poll');
    expect(loadConfig({ LIVE_SOURCE: 'poll' }).live.source).toBe('poll');
  });

  it('WEBHOOK_AUTH_TOKEN defaults to TWILIO_AUTH_TOKEN, then only for TWILIO_ACCOUNT_SID; WEBHOOK_AUTH_TOKENS by account', () => {
    expect(loadConfig(REMOTE).live.webhookAuthToken).toEqual({ authToken: 'account-token', accountSid: ACCOUNT });
    expect(loadConfig({ ...REMOTE, WEBHOOK_AUTH_TOKEN: 'hook-token' }).live.webhookAuthToken).toEqual({ authToken: 'hook-token' });
    const many = loadConfig({
      ...REMOTE,
      PUBLIC_URL: 'https://x.example',
      WEBHOOK_AUTH_TOKENS: ` ${ACCOUNT}:one:with:colons , ${OTHER}:two`,
    }).live;
    expect([...many.webhookAuthTokens]).toEqual([
      [ACCOUNT, 'one:with:colons'],
      [OTHER, 'two'],
    ]);
  });

  it('limits and poll settings have defaults and can be set', () => {
    const live = loadConfig({ MAX_SUBSCRIBERS: '2500', SUBSCRIBER_BUFFER: '8', POLL_INTERVAL_MS: '750', WEBHOOK_MAX_BYTES: '4096' }).live;
    expect(live.limits).toEqual({ ...DEFAULT_LIVE_LIMITS, maxSubscribers: 2500, subscriberBuffer: 8 });
    expect(live.poll).toMatchObject({ intervalMs: 750, jitterMs: 500 });
    expect(live.webhookMaxBytes).toBe(4096);
    expect(DEFAULT_LIVE_LIMITS).toEqual({
      maxSubscriptionsPerConnection: 100,
      maxSubscriptionsPerCaller: 1000,
      maxSubscribers: 10_000,
      subscriberBuffer: 256,
    });
  });

  it('embedded mode: webhooks to the facade’s own loopback URL, signed with the demo account’s token', async () => {
    const config = loadConfig({});
    const options = liveOptionsFrom(config.live, { ownUrl: 'http://127.0.0.1:4000', accountSid: ACCOUNT, authToken: 'emulator' });
    expect(options.webhook).toMatchObject({ url: 'http://127.0.0.1:4000/webhooks/conversations', maxBytes: 1_048_576 });
    expect([...options.webhook!.accountTokens]).toEqual([[ACCOUNT, 'emulator']]);
    const remote = liveOptionsFrom(loadConfig({ ...REMOTE, PUBLIC_URL: 'https://graphql.example.com/api' }).live);
    expect(remote.webhook).toMatchObject({
      url: 'https://graphql.example.com/api/webhooks/conversations',
      defaultToken: { authToken: 'account-token', accountSid: ACCOUNT },
    });
    const polling = liveOptionsFrom(loadConfig(REMOTE).live);
    expect(polling).toMatchObject({ source: 'poll', webhook: undefined }); // polling: the endpoint is off
    const live = createLive({
      ...polling,
      webhook: { url: 'http://x/webhooks/conversations', accountTokens: new Map(), maxBytes: 1024 },
      upstream: {} as never,
    });
    expect(live.webhook).toBeUndefined(); // a poll source never takes webhooks, whatever else is passed
    await live.close();
  });

  it.each([
    [{ LIVE_SOURCE: 'sometimes' }, /^LIVE_SOURCE must be one of auto, webhook, poll/],
    [{ PUBLIC_URL: 'graphql.example.com' }, /^PUBLIC_URL must be an http\(s\) URL/],
    [{ PUBLIC_URL: 'ftp://graphql.example.com' }, /^PUBLIC_URL must be an http\(s\) URL/],
    [{ PUBLIC_URL: 'https://graphql.example.com/?x=1' }, /^PUBLIC_URL must be an http\(s\) URL without credentials, query or fragment/],
    [{ PUBLIC_URL: 'https://user:pw@graphql.example.com' }, /^PUBLIC_URL must be/],
    [{ ...REMOTE, LIVE_SOURCE: 'webhook' }, /^LIVE_SOURCE=webhook needs PUBLIC_URL/],
    [
      { TWILIO_API_KEY: 'SK1', TWILIO_API_SECRET: 's', PUBLIC_URL: 'https://x.example' },
      /^Webhooks \(PUBLIC_URL is set\) need the token that signs them: set WEBHOOK_AUTH_TOKEN/,
    ],
    [{ WEBHOOK_AUTH_TOKENS: 'ACnothex:secret-value' }, /^WEBHOOK_AUTH_TOKENS must be comma-separated AC…:token pairs .*entry 1 is not$/],
    [{ WEBHOOK_AUTH_TOKENS: `${ACCOUNT}:ok,${OTHER}` }, /entry 2 is not$/],
    [{ WEBHOOK_AUTH_TOKENS: `${ACCOUNT}:a,${ACCOUNT}:b` }, /names AC0123456789abcdef0123456789abcdef twice/],
    [{ MAX_SUBSCRIBERS: '0' }, /^MAX_SUBSCRIBERS must be a whole number from 1/],
    [{ SUBSCRIBER_BUFFER: 'lots' }, /^SUBSCRIBER_BUFFER must be a whole number/],
    [{ POLL_INTERVAL_MS: '10' }, /^POLL_INTERVAL_MS must be a whole number from 100/],
    [{ WEBHOOK_MAX_BYTES: '1' }, /^WEBHOOK_MAX_BYTES must be a whole number from 1024/],
  ])('%o → %s', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain('secret-value');
  });

  it('npm start with a bad live setting exits 1 with one line naming the variable, before listening', () => {
    const result = startMainWith({ PORT: '0', WEBHOOK_AUTH_TOKENS: 'AC1:secret-value' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'Configuration error: WEBHOOK_AUTH_TOKENS must be comma-separated AC…:token pairs (an Account SID, a colon, its auth token); entry 1 is not',
    ]);
  });
});
