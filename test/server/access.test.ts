// The access policy for server-held credentials: static bearer tokens, HS256 JWTs and JWTs from a
// JWKS endpoint; a caller's own Basic credentials bypass it (they authenticate upstream).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const QUERY = graphql(`
  query AccessConversationNames {
    conversations(first: 5) { nodes { name } }
  }
`);
const SECRET = 'a-long-enough-hmac-secret-for-tests-0123456789';
let stack: Stack;
let jwks: Server;
let privateKey: CryptoKey;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codes = (response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  (response.errors ?? []).map((error) => error.extensions?.code);

async function hs256(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setIssuer('https://idp.example')
    .setAudience('conversations-graphql')
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

beforeAll(async () => {
  const keys = await generateKeyPair('RS256');
  privateKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  stack = await startStack({
    facade: {
      access: {
        tokens: ['static-token-1', 'static-token-2'],
        jwtSecret: SECRET,
        jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
        jwtIssuer: 'https://idp.example',
        jwtAudience: 'conversations-graphql',
      },
    },
  });
  seedConversation(stack.emulator, 'guarded');
});

afterAll(async () => {
  await stack.close();
  jwks.close();
});

describe('access policy for the server-held credentials', () => {
  it('no token → 401 UNAUTHENTICATED, nothing sent upstream', async () => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(QUERY);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it.each(['static-token-1', 'static-token-2'])('static bearer token %s → allowed', async (token) => {
    const response = await stack.graphql(QUERY, undefined, bearer(token));
    expect(response.errors).toBeUndefined();
    expect(response.data.conversations.nodes).toEqual([{ name: 'guarded' }]);
  });

  it('a wrong static token → 401', async () => {
    expect(codes(await stack.graphql(QUERY, undefined, bearer('static-token-3')))).toEqual(['UNAUTHENTICATED']);
  });

  it('an HS256 JWT with the right issuer and audience → allowed; wrong secret, expired, wrong audience → 401', async () => {
    expect((await stack.graphql(QUERY, undefined, bearer(await hs256({ sub: 'u1' })))).errors).toBeUndefined();
    for (const token of [
      await hs256({ sub: 'u1' }, { secret: 'another-secret-another-secret-another-secret' }),
      await hs256({ sub: 'u1' }, { expiresIn: '-1m' }),
      await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://idp.example')
        .setAudience('someone-else')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET)),
    ]) {
      expect(codes(await stack.graphql(QUERY, undefined, bearer(token)))).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('an RS256 JWT verified against the JWKS endpoint → allowed', async () => {
    const token = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('conversations-graphql')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await stack.graphql(QUERY, undefined, bearer(token))).errors).toBeUndefined();
  });

  it("a caller's own Basic credentials need no bearer token (and see their own account)", async () => {
    const own = `Basic ${Buffer.from('AC99999999999999999999999999999999:own').toString('base64')}`;
    const response = await stack.graphql(QUERY, undefined, { authorization: own });
    expect(response.errors).toBeUndefined();
    expect(response.data.conversations.nodes).toEqual([]);
  });
});
