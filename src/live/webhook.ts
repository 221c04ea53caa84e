// POST /webhooks/conversations: Conversation Orchestrator's status callbacks enter the facade here,
// beside /graphql and outside GraphQL. A callback is published on the live bus only once its
// X-Twilio-Signature verifies against the URL the operator configured (PUBLIC_URL, never the Host
// header) and the auth token of the account it names, and only once per delivery
// (I-Twilio-Idempotency-Token). It answers from what it received alone: nothing here calls the
// upstream, so Twilio gets its answer in the time a signature check and a publish take.
import type { Plugin } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { readBoundedBody } from '../server/bounded-body.ts';
import { recordOf } from '../server/telemetry.ts';
import { decodeCommunication, decodeConversation, decodeParticipant } from '../upstream/decode.ts';
import type { LiveBus } from './bus.ts';
import type { DeliveryDeduper } from './dedupe.ts';
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventType, type LiveRecord } from './events.ts';
import { bodySha256, verifyTwilioSignature, type SignatureFailure } from './signature.ts';

export const WEBHOOK_PATH = '/webhooks/conversations';

export interface WebhookSettings {
  /** The URL Twilio posts to and signs, without query: PUBLIC_URL + WEBHOOK_PATH (embedded: the facade's loopback URL). */
  url: string;
  /** Auth tokens by account SID (WEBHOOK_AUTH_TOKENS; embedded: the demo account's). */
  accountTokens: ReadonlyMap<string, string>;
  /** The token for accounts not in accountTokens (WEBHOOK_AUTH_TOKEN), limited to one account when that is known. */
  defaultToken?: { authToken: string; accountSid?: string | undefined } | undefined;
  /** Largest body accepted (413 beyond). */
  maxBytes: number;
}

export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'bad_signature'
  | 'malformed'
  | 'too_large'
  | 'not_allowed'
  | 'disabled'
  | 'unavailable';

export type VerificationFailure = SignatureFailure | 'unknown_account';

export interface WebhookEndpointOptions {
  bus: LiveBus;
  deduper: DeliveryDeduper;
  /** Unset: live updates come from polling, and the endpoint answers 404. */
  settings: WebhookSettings | undefined;
  logger: Logger;
  metrics: Metrics;
}

interface Answer {
  status: number;
  outcome: WebhookOutcome;
  message?: string;
  reason?: VerificationFailure;
  eventType?: string;
  account?: string;
  headers?: Record<string, string>;
}

const DECODERS: Record<string, (json: unknown) => LiveRecord> = {
  CONVERSATION: decodeConversation,
  PARTICIPANT: decodeParticipant,
  COMMUNICATION: decodeCommunication,
};
const KNOWN_TYPES = new Set<string>(LIVE_EVENT_TYPES);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** What may reach a log line or an event id from a header or an unverified body: short, plain. */
const SANE_TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;
const SANE_EVENT_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const SANE_ACCOUNT = /^AC[0-9a-fA-F]{32}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const ERROR_CODES: Record<number, string> = { 403: 'FORBIDDEN', 503: 'UPSTREAM_UNAVAILABLE' };

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function fieldOf(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The tokens that may have signed a callback naming this account: its own, or the default one. A
 * callback that names no account (an event type whose data is not one of the resources) may have
 * been signed by any configured account: each is tried (their number is the operator's, not the caller's).
 */
function tokensFor(settings: WebhookSettings, accountSid: string | undefined): string[] {
  const fallback = settings.defaultToken;
  if (accountSid === undefined) return [...new Set([...settings.accountTokens.values(), ...(fallback ? [fallback.authToken] : [])])];
  const own = settings.accountTokens.get(accountSid);
  if (own !== undefined) return [own];
  if (fallback && (fallback.accountSid === undefined || fallback.accountSid === accountSid)) return [fallback.authToken];
  return [];
}

/** The query string exactly as sent (node's raw request line when there is one: WHATWG parsing re-encodes some characters). */
function rawQuery(request: Request, serverContext: unknown): string {
  const raw = (serverContext as { req?: IncomingMessage } | undefined)?.req?.url ?? request.url;
  const start = raw.indexOf('?');
  if (start === -1) return '';
  const end = raw.indexOf('#', start);
  return raw.slice(start, end === -1 ? undefined : end);
}

function eventFrom(type: LiveEventType, callback: Record<string, unknown>, deliveryId: string, receivedAt: number): LiveEvent | undefined {
  let record: LiveRecord;
  try {
    record = DECODERS[type.slice(0, type.indexOf('_'))]!(callback.data);
  } catch {
    return undefined;
  }
  const conversationSid = record.kind === 'Conversation' ? record.id : record.conversationId;
  const timestamp = typeof callback.timestamp === 'string' && RFC3339.test(callback.timestamp) ? callback.timestamp : undefined;
  return {
    eventId: deliveryId,
    type,
    accountSid: record.accountId,
    conversationSid,
    occurredAt: timestamp ?? record.updatedAt ?? record.createdAt ?? new Date(receivedAt).toISOString(),
    receivedAt,
    source: 'webhook',
    record,
  } as LiveEvent;
}

export function useWebhookEndpoint(options: WebhookEndpointOptions): Plugin {
  const { bus, deduper, settings, logger, metrics } = options;

  async function answer(request: Request, serverContext: unknown, idempotencyToken: string | undefined): Promise<Answer> {
    if (request.method !== 'POST') {
      return { status: 405, outcome: 'not_allowed', message: 'Status callbacks are POSTed.', headers: { allow: 'POST' } };
    }
    if (!settings) {
      return {
        status: 404,
        outcome: 'disabled',
        message: 'Webhooks are off: set PUBLIC_URL (and WEBHOOK_AUTH_TOKEN) to receive status callbacks.',
      };
    }
    const coding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
    if (coding !== '' && coding !== 'identity') {
      return { status: 415, outcome: 'malformed', message: 'Status callbacks are not sent with a Content-Encoding.' };
    }
    const receivedAt = Date.now();
    const body = await readBoundedBody(request, settings.maxBytes);
    if ('problem' in body) {
      return body.problem === 'too_large'
        ? { status: 413, outcome: 'too_large', message: `The body is larger than ${settings.maxBytes} bytes.` }
        : { status: 400, outcome: 'malformed', message: 'The body was cut off before it was complete.' };
    }
    // The account the callback names chooses the token that must have signed it, so the body is
    // parsed first; nothing in it is used or published before the signature verifies.
    const callback = parseObject(body.bytes);
    if (!callback) return { status: 400, outcome: 'malformed', message: 'The body is not a JSON object.' };
    const named = fieldOf(callback.data, 'accountId');
    const accountSid = typeof named === 'string' ? named : undefined;
    const unverified = { account: accountSid && SANE_ACCOUNT.test(accountSid) ? accountSid : undefined };
    const tokens = tokensFor(settings, accountSid);
    const signature = request.headers.get('x-twilio-signature');
    const verdict =
      signature && tokens.length === 0
        ? ({ ok: false, reason: 'unknown_account' } as const)
        : verifyTwilioSignature({ signature, url: settings.url + rawQuery(request, serverContext), body: body.bytes }, tokens);
    if (!verdict.ok) {
      metrics.webhookVerificationFailures.inc({ reason: verdict.reason });
      return {
        status: 403,
        outcome: 'bad_signature',
        reason: verdict.reason,
        message: 'The X-Twilio-Signature does not verify.',
        ...unverified,
      };
    }

    const account = unverified.account;
    const type = callback.eventType;
    if (typeof type !== 'string') return { status: 400, outcome: 'malformed', message: 'The body has no eventType.', account };
    const eventType = SANE_EVENT_TYPE.test(type) ? type : '(other)';
    if (!KNOWN_TYPES.has(type)) return { status: 200, outcome: 'ignored', eventType, account };

    // A delivery without a usable token is named by its body: the same bytes are the same delivery.
    const deliveryId = idempotencyToken ?? `sha256:${bodySha256(body.bytes)}`;
    const event = eventFrom(type as LiveEventType, callback, deliveryId, receivedAt);
    if (!event)
      return { status: 400, outcome: 'malformed', message: `The data is not a ${type.split('_')[0]!.toLowerCase()}.`, eventType, account };

    // Keyed by account too: one account's deliveries can never mask another's.
    const key = `${event.accountSid}\u0000${deliveryId}`;
    let first: boolean;
    try {
      first = await deduper.claim(key);
    } catch {
      return { status: 503, outcome: 'unavailable', message: 'Status callbacks cannot be accepted right now; retry.', eventType, account };
    }
    if (!first) {
      metrics.liveEventsDropped.inc({ source: 'webhook', reason: 'duplicate_delivery' });
      return { status: 200, outcome: 'duplicate', eventType, account };
    }
    try {
      await bus.publish(event);
    } catch {
      await deduper.release(key).catch(() => {});
      return { status: 503, outcome: 'unavailable', message: 'Status callbacks cannot be accepted right now; retry.', eventType, account };
    }
    metrics.liveEventsReceived.inc({ source: 'webhook', type });
    return { status: 200, outcome: 'accepted', eventType, account };
  }

  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== WEBHOOK_PATH) return;
      const started = performance.now();
      const token = request.headers.get('i-twilio-idempotency-token');
      const idempotencyToken = token && SANE_TOKEN.test(token) ? token : undefined;
      let result: Answer;
      try {
        result = await answer(request, serverContext, idempotencyToken);
      } catch (error) {
        // onRequest errors are not caught by yoga: a bug here must not take the server down.
        logger.error({ err: error }, 'webhook intake failed');
        result = { status: 503, outcome: 'unavailable', message: 'Status callbacks cannot be accepted right now; retry.' };
      }
      const durationMs = performance.now() - started;
      metrics.webhookRequests.inc({ outcome: result.outcome });
      metrics.webhookDuration.observe({ outcome: result.outcome }, durationMs / 1000);
      // One line per callback, never its payload.
      logger.info({
        msg: 'webhook',
        requestId: recordOf(request).id,
        outcome: result.outcome,
        status: result.status,
        eventType: result.eventType ?? null,
        account: result.account ?? null,
        idempotencyToken: idempotencyToken ?? null,
        ...(result.reason ? { reason: result.reason } : {}),
        durationMs: Math.round(durationMs * 10) / 10,
      });
      const payload =
        result.status < 300
          ? { outcome: result.outcome }
          : { errors: [{ message: result.message, extensions: { code: ERROR_CODES[result.status] ?? 'BAD_USER_INPUT' } }] };
      endResponse(
        new fetchAPI.Response(JSON.stringify(payload), {
          status: result.status,
          headers: { 'content-type': 'application/json', ...result.headers },
        }),
      );
    },
  };
}
