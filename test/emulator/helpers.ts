// Shared by the emulator's tests: credentials, a small HTTP client for the emulator's API, and
// bodies that pass validation.
import { request } from 'node:http';
import { expect } from 'vitest';
import { basicAuth, type Emulator } from '../../src/emulator/index.ts';

export const DEMO_SID = 'AC00000000000000000000000000000000';
export const DEMO_TOKEN = 'emulator';
export const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
export const PASSWORD = 'secret-1';
export const CONFIGURATION_ID = 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** [username, password]; null sends no Authorization header. Default [ACCOUNT, PASSWORD]. */
  auth?: [string, string] | null;
  headers?: Record<string, string>;
}

/** One request to the emulator; the body is parsed as JSON when there is one. */
export async function call<T = any>(emulator: Emulator, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const auth: [string, string] | null = options.auth === undefined ? [ACCOUNT, PASSWORD] : options.auth;
  const headers: Record<string, string> = { ...options.headers };
  if (auth) headers.authorization = basicAuth(auth[0], auth[1]);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(emulator.url + path, {
    method,
    headers,
    ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export function textBody(text: string, author = '+15005550001', recipient = '+15005550002') {
  return {
    author: { address: author, channel: 'SMS' },
    recipients: [{ address: recipient, channel: 'SMS' }],
    content: { type: 'TEXT', text },
  };
}

/** A Twilio-shaped error body. */
export function twilioError(status: number, code: number, message: string | RegExp) {
  return {
    code,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
}

/** Creates a conversation with `count` text communications in `account`; returns their ids. */
export function seedConversation(emulator: Emulator, count: number, account = ACCOUNT, extra: Record<string, unknown> = {}) {
  const conversation = emulator.data.createConversation(account, { configurationId: CONFIGURATION_ID, name: 'test', ...extra });
  const communications = Array.from(
    { length: count },
    (_, i) => emulator.data.createCommunication(account, conversation.id, textBody(`message ${i}`)).id,
  );
  return { conversationId: conversation.id, communications };
}

export interface RawResponse {
  /** 0 when no response arrived. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** How many data chunks the body came in. */
  chunks: number;
  /** Set when the connection failed, before or during the response. */
  error?: NodeJS.ErrnoException;
  elapsedMs: number;
}

/** A request on its own connection that reports exactly what arrived, for fault tests. */
export function rawRequest(
  emulator: Emulator,
  method: string,
  path: string,
  options: { body?: unknown; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    const result: RawResponse = { status: 0, headers: {}, body: Buffer.alloc(0), chunks: 0, elapsedMs: 0 };
    const parts: Buffer[] = [];
    const finish = (error?: NodeJS.ErrnoException) => {
      result.body = Buffer.concat(parts);
      result.elapsedMs = performance.now() - started;
      if (error) result.error = error;
      resolve(result);
    };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(emulator.url + path, {
      method,
      agent: false,
      headers: { authorization: basicAuth(ACCOUNT, PASSWORD), ...(payload && { 'content-type': 'application/json' }) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    req.on('response', (res) => {
      result.status = res.statusCode ?? 0;
      result.headers = res.headers;
      res.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        result.chunks++;
      });
      res.on('end', () => finish());
      res.on('error', finish);
    });
    req.on('error', finish);
    req.end(payload);
  });
}
