// POST /webhooks/conversations over HTTP against the real facade: a callback signed the way
// Twilio signs it (by Twilio's own helper library) is published on the live bus once; anything
// unsigned, signed for another URL, altered, repeated, malformed or oversized is refused or
// absorbed without publishing, and no webhook ever costs an upstream call.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { ACCOUNT_SID, AUTH_TOKEN, signWebhook, startStack, type Stack } from '../helpers/stack.ts';
import { callback, metricValue, recorder, SECRET_TEXT, seedRecords, TIMESTAMP, type Records } from './webhook-helpers.ts';

describe('POST /webhooks/conversations', () => {
  let stack: Stack;
  let records: Records;
  let bus: ReturnType<typeof recorder>;
  const logLines: Record<string, unknown>[] = [];
  const metrics = new Metrics();

  beforeAll(async () => {
    const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    stack = await startStack({ facade: { logger, metrics } });
    records = seedRecords(stack);
    bus = recorder(stack.live.bus, ACCOUNT_SID);
  });
  afterAll(async () => {
    bus.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.takeUpstreamCalls();
  });
  afterEach(() => {
    // No webhook, accepted or refused, ever calls the upstream.
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('a callback signed as Twilio signs it is published once: decoded, with its delivery id, account and conversation', async () => {
    const token = randomUUID();
    const answer = await stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { idempotencyToken: token });
    expect(answer).toEqual({ status: 200, body: { outcome: 'accepted' } });
    const [event, ...more] = await bus.take();
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      eventId: token,
      type: 'COMMUNICATION_CREATED',
      accountSid: ACCOUNT_SID,
      conversationSid: records.communication.conversationId,
      occurredAt: TIMESTAMP,
      source: 'webhook',
      record: { kind: 'Communication', id: records.communication.id, content: { type: 'TEXT', text: SECRET_TEXT } },
    });
    expect(event!.receivedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('every event type is decoded into its record, on its conversation’s topic', async () => {
    const conversationSid = records.conversation.id as string;
    const topic = stack.live.bus.listen({ accountSid: ACCOUNT_SID, conversationSid }, { maxBuffered: 100 });
    const cases = [
      ['CONVERSATION_CREATED', records.conversation, 'Conversation'],
      ['CONVERSATION_UPDATED', records.conversation, 'Conversation'],
      ['PARTICIPANT_ADDED', records.participant, 'Participant'],
      ['PARTICIPANT_UPDATED', records.participant, 'Participant'],
      ['PARTICIPANT_REMOVED', records.participant, 'Participant'],
      ['COMMUNICATION_CREATED', records.communication, 'Communication'],
      ['COMMUNICATION_UPDATED', records.communication, 'Communication'],
    ] as const;
    for (const [type, data] of cases) {
      expect((await stack.postWebhook(callback(type, data))).status).toBe(200);
    }
    const events = await bus.take();
    expect(events.map((event) => [event.type, event.record.kind, event.conversationSid])).toEqual(
      cases.map(([type, , kind]) => [type, kind, conversationSid]),
    );
    const iterator = topic[Symbol.asyncIterator]();
    for (const [type] of cases) expect((await iterator.next()).value?.type).toBe(type);
    topic.close();
  });

  describe('signature failures → 403, nothing published', () => {
    const refused = async (answer: Promise<{ status: number; body: any }>) => {
      const { status, body } = await answer;
      expect(status).toBe(403);
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(await bus.take()).toEqual([]);
    };

    it('signed with another token', async () => {
      await refused(stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { authToken: 'not-the-token' }));
    });

    it('a body altered after signing (still valid JSON, same length)', async () => {
      const body = JSON.stringify(callback('COMMUNICATION_CREATED', records.communication));
      const altered = body.replace(SECRET_TEXT, SECRET_TEXT.replace('private', 'PRIVATE'));
      expect(altered).not.toBe(body);
      await refused(stack.postWebhook(body, { sentBody: altered }));
    });

    it('a replay with another body and that body’s own bodySHA256 (the signature covers the URL)', async () => {
      const original = signWebhook(stack.webhookUrl, JSON.stringify(callback('COMMUNICATION_CREATED', records.communication)), AUTH_TOKEN);
      const forged = JSON.stringify(callback('COMMUNICATION_UPDATED', records.communication));
      // The forged body goes with its own (correct) bodySHA256 in the URL, and the original signature.
      await refused(stack.postWebhook(forged, { signature: original.signature }));
    });

    it('no X-Twilio-Signature header, or an empty one', async () => {
      await refused(stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { signature: null }));
      await refused(stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { signature: '' }));
    });

    it('signed for another URL: a forged Host header changes nothing (the URL is never taken from Host)', async () => {
      const evil = 'http://evil.example/webhooks/conversations';
      await refused(
        stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { signedUrl: evil, headers: { host: 'evil.example' } }),
      );
      const otherPort = stack.webhookUrl.replace(/:(\d+)\//, (_, port: string) => `:${Number(port) + 1}/`);
      await refused(
        stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), {
          signedUrl: otherPort,
          headers: { host: new URL(otherPort).host },
        }),
      );
    });

    it('a signature without bodySHA256 in the URL (it would not cover the body)', async () => {
      const body = JSON.stringify(callback('COMMUNICATION_CREATED', records.communication));
      const answer = await new Promise<number>((resolve, reject) => {
        const { signature } = signWebhook(stack.webhookUrl, body, AUTH_TOKEN);
        const outgoing = httpRequest(
          stack.webhookEndpoint,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-twilio-signature': signature } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
      expect(answer).toBe(403);
      expect(await bus.take()).toEqual([]);
    });
  });

  it('the same delivery (I-Twilio-Idempotency-Token) twice, or five times at once: published once, every answer 2xx', async () => {
    const token = randomUUID();
    const body = callback('COMMUNICATION_CREATED', records.communication);
    expect(await stack.postWebhook(body, { idempotencyToken: token })).toEqual({ status: 200, body: { outcome: 'accepted' } });
    expect(await stack.postWebhook(body, { idempotencyToken: token })).toEqual({ status: 200, body: { outcome: 'duplicate' } });
    expect((await bus.take()).map((event) => event.eventId)).toEqual([token]);

    const concurrent = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => stack.postWebhook(body, { idempotencyToken: concurrent })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((answer) => answer.body.outcome === 'accepted')).toHaveLength(1);
    expect((await bus.take()).map((event) => event.eventId)).toEqual([concurrent]);
  });

  it('without an idempotency token, the same bytes are the same delivery', async () => {
    const body = JSON.stringify(callback('COMMUNICATION_UPDATED', records.communication));
    expect((await stack.postWebhook(body, { idempotencyToken: null })).body.outcome).toBe('accepted');
    expect((await stack.postWebhook(body, { idempotencyToken: null })).body.outcome).toBe('duplicate');
    expect(await bus.take()).toHaveLength(1);
  });

  it('malformed JSON, a non-object, no eventType, or data that is not the event’s resource → 400, nothing published', async () => {
    for (const body of [
      '{"eventType": "COMMUNICATION_CREATED", "data": {',
      '[]',
      '"text"',
      '',
      JSON.stringify({ data: records.communication }),
    ]) {
      const answer = await stack.postWebhook(body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    for (const [type, data] of [
      ['COMMUNICATION_CREATED', records.participant],
      ['PARTICIPANT_ADDED', { id: 'p' }],
      ['CONVERSATION_UPDATED', 'nope'],
    ] as const) {
      expect((await stack.postWebhook(callback(type, data))).status).toBe(400);
    }
    expect(await bus.take()).toEqual([]);
  });

  it('an event type the facade does not use → 200 ignored, nothing published', async () => {
    for (const type of ['CONVERSATION_DELETED', 'SOMETHING_NEW', 'x'.repeat(500)]) {
      expect(await stack.postWebhook(callback(type, { any: 'thing' }))).toEqual({ status: 200, body: { outcome: 'ignored' } });
    }
    expect(await bus.take()).toEqual([]);
  });

  it('a body over WEBHOOK_MAX_BYTES → 413 (declared or streamed), nothing published', async () => {
    const huge = JSON.stringify(callback('COMMUNICATION_CREATED', { ...records.communication, padding: 'x'.repeat(2_000_000) }));
    expect((await stack.postWebhook(huge)).status).toBe(413);
    const { url, signature } = signWebhook(stack.webhookUrl, huge, AUTH_TOKEN);
    const streamed = await new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest(
        `${stack.webhookEndpoint}${url.slice(url.indexOf('?'))}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-twilio-signature': signature },
          agent: false,
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      outgoing.on('error', (error) => (outgoing.destroyed ? undefined : reject(error)));
      for (let at = 0; at < huge.length; at += 65_536) outgoing.write(huge.slice(at, at + 65_536));
      outgoing.end();
    });
    expect(streamed).toBe(413);
    expect(await bus.take()).toEqual([]);
  });

  it('only POST: GET → 405', async () => {
    const response = await fetch(stack.webhookEndpoint);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('one log line per webhook (event type, outcome, account, idempotency token, latency), never the payload; metrics by outcome', async () => {
    logLines.length = 0;
    const token = randomUUID();
    await stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { idempotencyToken: token });
    await stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { idempotencyToken: token });
    await stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication), { authToken: 'wrong' });
    await stack.postWebhook(callback('UNHEARD_OF', {}));
    await stack.postWebhook('{');
    await bus.take();

    const webhookLines = logLines.filter((line) => line.msg === 'webhook');
    expect(logLines.filter((line) => line.path === '/webhooks/conversations')).toEqual([]); // no second, generic line
    expect(webhookLines.map((line) => [line.outcome, line.status, line.eventType])).toEqual([
      ['accepted', 200, 'COMMUNICATION_CREATED'],
      ['duplicate', 200, 'COMMUNICATION_CREATED'],
      ['bad_signature', 403, null],
      ['ignored', 200, 'UNHEARD_OF'],
      ['malformed', 400, null],
    ]);
    expect(webhookLines[0]).toMatchObject({ account: ACCOUNT_SID, idempotencyToken: token, requestId: expect.any(String) });
    expect(webhookLines[2]).toMatchObject({ reason: 'signature_mismatch', account: ACCOUNT_SID });
    for (const line of webhookLines) expect(line.durationMs).toEqual(expect.any(Number));
    const text = JSON.stringify(logLines);
    expect(text).not.toContain(SECRET_TEXT);
    expect(text).not.toContain(AUTH_TOKEN);

    const exposition = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
    for (const outcome of ['accepted', 'duplicate', 'bad_signature', 'ignored', 'malformed']) {
      expect(metricValue(exposition, 'webhook_requests_total', `outcome="${outcome}"`), outcome).toBeGreaterThanOrEqual(1);
    }
    expect(metricValue(exposition, 'webhook_verification_failures_total', 'reason="signature_mismatch"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(exposition, 'webhook_verification_failures_total', 'reason="missing_signature"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(exposition, 'live_events_received_total', 'source="webhook",type="COMMUNICATION_CREATED"')).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('no upstream call during any webhook, whatever its outcome (emulator request log: 0)', async () => {
    stack.takeUpstreamCalls();
    const body = callback('COMMUNICATION_CREATED', records.communication);
    const token = randomUUID();
    const statuses = [
      (await stack.postWebhook(body, { idempotencyToken: token })).status,
      (await stack.postWebhook(body, { idempotencyToken: token })).status,
      (await stack.postWebhook(body, { authToken: 'wrong' })).status,
      (await stack.postWebhook('{')).status,
      (await stack.postWebhook(callback('NEW_THING', {}))).status,
      (await stack.postWebhook(callback('PARTICIPANT_ADDED', records.participant))).status,
    ];
    expect(statuses).toEqual([200, 200, 403, 400, 200, 200]);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
    expect(await bus.take()).toHaveLength(2);
  });
});
