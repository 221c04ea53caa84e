// Where a status callback may go and how it is signed. Only loopback URLs: the emulator runs in
// sandboxes and CI and must never send traffic off the machine, so a URL is checked before any request
// and the resolver the HTTP client uses knows `localhost` only. The signature is Twilio's for a JSON body.
import { createHash, createHmac } from 'node:crypto';
import type { SigningKey } from './auth.ts';

/** Why a callback URL may not be contacted, or undefined when it may (http(s) to a loopback address). */
export function loopbackProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URLs are not delivered to (http or https only)`;
  if (url.username || url.password) return 'credentials in the URL are not supported';
  const host = url.hostname;
  if (host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return undefined;
  return `${host} is not a loopback address: the emulator only delivers to 127.0.0.0/8, [::1] and localhost`;
}

/**
 * Twilio's signature for a JSON body: the URL gets `bodySHA256=<hex SHA-256 of the body>` (after `&`
 * when it has a query), and X-Twilio-Signature is base64(HMAC-SHA1(auth token, that full URL)), with
 * no parameters appended. The URL is signed as it is sent (normalised, no fragment).
 */
export function signDelivery(url: string, body: string, key: SigningKey): { url: string; signature: string } {
  const target = new URL(url);
  target.hash = '';
  const base = target.href;
  const separator = target.search === '' ? (base.endsWith('?') ? '' : '?') : '&';
  const signedUrl = `${base}${separator}bodySHA256=${createHash('sha256').update(body, 'utf8').digest('hex')}`;
  return { url: signedUrl, signature: createHmac('sha1', key).update(signedUrl, 'utf8').digest('base64') };
}

/** Resolves `localhost` to 127.0.0.1 and nothing else, so no name can lead a delivery off the machine. */
export function loopbackLookup(hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void {
  if (hostname !== 'localhost') {
    callback(Object.assign(new Error(`refusing to resolve ${hostname}`), { code: 'ENOTFOUND' }));
    return;
  }
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}
