// The webhook signature check, compared with Twilio's own helper library (the reference for "as
// Twilio computes it"): every request it accepts, we accept; every change to the URL, the body,
// the token or the signature that it refuses, we refuse.
import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { bodySha256, signedUrlCandidates, verifyTwilioSignature } from '../../src/live/signature.ts';

const encoder = new TextEncoder();

function signed(base: string, body: string, token: string) {
  const url = `${base}?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
  return { url, signature: twilio.getExpectedTwilioSignature(token, url, {}) };
}

const verify = (url: string, signature: string | null, body: string, tokens: string[]) =>
  verifyTwilioSignature({ url, signature, body: encoder.encode(body) }, tokens);

describe('verifyTwilioSignature', () => {
  const base = 'https://hooks.example.com/prefix/webhooks/conversations';
  const body = JSON.stringify({ eventType: 'COMMUNICATION_CREATED', data: { id: 'comm_1', text: 'héllo' } });

  it('accepts what Twilio signs, and says which token matched', () => {
    const { url, signature } = signed(base, body, 'token-b');
    expect(twilio.validateRequestWithBody('token-b', signature, url, body)).toBe(true);
    expect(verify(url, signature, body, ['token-a', 'token-b'])).toEqual({ ok: true, authToken: 'token-b' });
  });

  it('refuses a missing signature, a missing bodySHA256, another token, another body, another URL', () => {
    const { url, signature } = signed(base, body, 'token');
    expect(verify(url, null, body, ['token'])).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify(url, '', body, ['token'])).toEqual({ ok: false, reason: 'missing_signature' });
    const bare = twilio.getExpectedTwilioSignature('token', base, {});
    expect(verify(base, bare, body, ['token'])).toEqual({ ok: false, reason: 'missing_body_hash' });
    expect(verify(url, signature, body, ['other'])).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verify(url, signature, body, [])).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verify(url, signature, body.replace('héllo', 'hello'), ['token'])).toEqual({ ok: false, reason: 'body_hash_mismatch' });
    const elsewhere = url.replace('hooks.example.com', 'evil.example.com');
    expect(verify(elsewhere, signature, body, ['token'])).toEqual({ ok: false, reason: 'signature_mismatch' });
    // The body swapped together with its hash: the URL changed, so the signature no longer covers it.
    const swapped = `${base}?bodySHA256=${bodySha256(encoder.encode('{}'))}`;
    expect(verify(swapped, signature, '{}', ['token'])).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts the port spellings Twilio may sign (with and without the default port), like its helper', () => {
    const withPort = signed('https://hooks.example.com:443/webhooks/conversations', body, 't');
    const url = withPort.url.replace(':443', '');
    expect(twilio.validateRequestWithBody('t', withPort.signature, url, body)).toBe(true);
    expect(verify(url, withPort.signature, body, ['t']).ok).toBe(true);
    expect(signedUrlCandidates('http://127.0.0.1:4000/w?a=b')).toEqual(
      expect.arrayContaining(['http://127.0.0.1/w?a=b', 'http://127.0.0.1:4000/w?a=b']),
    );
  });

  it('property: agrees with twilio.validateRequestWithBody on signed, re-signed and tampered requests', () => {
    const host = fc.constantFrom('hooks.example.com', '127.0.0.1:4000', 'example.com:443', 'EXAMPLE.com', '[::1]:8080');
    const scheme = fc.constantFrom('http', 'https');
    const path = fc.constantFrom(
      '/webhooks/conversations',
      '/api/webhooks/conversations',
      "/a'b/webhooks/conversations",
      '/ä/webhooks/conversations',
    );
    const extraQuery = fc.constantFrom('', 'x=1&', "q=it's&", 'a=%20b&', 'k=a b&', 'z=~!*()&');
    const tamper = fc.constantFrom('none', 'body', 'token', 'signature', 'url');
    fc.assert(
      fc.property(
        scheme,
        host,
        path,
        extraQuery,
        fc.string({ maxLength: 60 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        tamper,
        (s, h, p, q, text, token, how) => {
          const body = JSON.stringify({ eventType: 'X', text });
          const url = `${s}://${h}${p}?${q}bodySHA256=${twilio.getExpectedBodyHash(body)}`;
          const signature = twilio.getExpectedTwilioSignature(token, url, {});
          const sentBody = how === 'body' ? `${body} ` : body;
          const sentToken = how === 'token' ? `${token}x` : token;
          const sentSignature = how === 'signature' ? signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) : signature;
          const sentUrl = how === 'url' ? url.replace('webhooks', 'webhookz') : url;
          const reference = twilio.validateRequestWithBody(sentToken, sentSignature, sentUrl, sentBody);
          const ours = verify(sentUrl, sentSignature, sentBody, [sentToken]).ok;
          expect(ours).toBe(reference);
          expect(ours).toBe(how === 'none');
        },
      ),
      { numRuns: 500 },
    );
  });
});
