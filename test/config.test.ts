// Configuration: every variable is parsed and checked at start; a bad value stops the process
// with one clear line naming the variable, and it never starts half-configured.
import { startMainWith } from './helpers/start-main.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeVariables, loadConfig, VARIABLES } from '../src/config/index.ts';

describe('loadConfig', () => {
  it('defaults to the embedded emulator on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', logLevel: 'info', graphiql: true, introspection: true });
    expect(config.upstream).toEqual({ kind: 'embedded-emulator', accountSid: 'AC00000000000000000000000000000000', authToken: 'emulator' });
  });

  it('uses Twilio when credentials are set, and a custom URL when given', () => {
    const twilio = loadConfig({ TWILIO_API_KEY: 'SKabc', TWILIO_API_SECRET: 's' });
    expect(twilio.upstream).toMatchObject({ kind: 'remote', url: 'https://conversations.twilio.com' });
    const custom = loadConfig({ CONVERSATIONS_API_URL: 'http://127.0.0.1:4010/', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' });
    expect(custom.upstream).toMatchObject({ kind: 'remote', url: 'http://127.0.0.1:4010' });
    const perRequest = loadConfig({ CONVERSATIONS_API_URL: 'https://proxy.example/twilio' });
    expect(perRequest.upstream).toEqual({ kind: 'remote', url: 'https://proxy.example/twilio', credentials: null });
  });

  it.each([
    [{ PORT: '70000' }, /^PORT must be a whole number from 0 to 65535/],
    [{ PORT: 'abc' }, /^PORT must be/],
    [{ CONVERSATIONS_API_URL: 'not a url' }, /^CONVERSATIONS_API_URL must be an http\(s\) URL/],
    [{ CONVERSATIONS_API_URL: 'ftp://x' }, /^CONVERSATIONS_API_URL must be an http\(s\) URL/],
    [{ CONVERSATIONS_API_URL: 'https://conversations.twilio.com/v2' }, /must not end in \/v2/],
    [{ TWILIO_API_KEY: 'SKabc' }, /^TWILIO_API_KEY and TWILIO_API_SECRET must be set together/],
    [{ TWILIO_AUTH_TOKEN: 'x' }, /^TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together/],
    [{ TWILIO_API_KEY: 'SK', TWILIO_API_SECRET: 's', TWILIO_ACCOUNT_SID: 'AC', TWILIO_AUTH_TOKEN: 't' }, /either/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ GRAPHIQL: 'maybe' }, /^GRAPHIQL must be true or false/],
    [{ HOST: '0.0.0.0', TWILIO_API_KEY: 'SK', TWILIO_API_SECRET: 's' }, /anyone who reaches the port/],
  ])('%o → %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('a public HOST with server credentials is allowed once an access policy is set', () => {
    expect(loadConfig({ HOST: '0.0.0.0', TWILIO_API_KEY: 'SK', TWILIO_API_SECRET: 's', ACCESS_TOKENS: 'a, b' }).access.tokens).toEqual([
      'a',
      'b',
    ]);
  });

  it('documents every variable, in --help and in the README', () => {
    const text = describeVariables();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(VARIABLES)) {
      expect(text).toContain(spec.name);
      expect(readme).toContain(`\`${spec.name}\``);
    }
  });
});

describe('npm start with a bad value', () => {
  it('exits 1 with one line naming the variable', () => {
    const result = startMainWith({ PORT: '99999' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['Configuration error: PORT must be a whole number from 0 to 65535 (got "99999")']);
    expect(result.stdout).toBe('');
  });
});
