// The webhook intake beyond one account and one process: verification against PUBLIC_URL rather
// than the address a request reached, one token per account (WEBHOOK_AUTH_TOKENS), a bus that
// cannot take the event (503, and the retry gets through), webhooks off under polling, and the
// emulator signing and duplicating deliveries as Twilio does.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus, type LiveBus } from '../../src/live/bus.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';
import {
  callback,
  OTHER_ACCOUNT,
  OTHER_TOKEN,
  PUBLIC_WEBHOOK_URL,
  recorder,
  seedRecords,
  UNKNOWN_ACCOUNT,
  type Records,
} from './webhook-helpers.ts';

describe('PUBLIC_URL and WEBHOOK_AUTH_TOKENS', () => {
  let stack: Stack;
  let ours: Records;
  let theirs: Records;

  beforeAll(async () => {
    stack = await startStack({
      live: {
        webhook: {
          url: PUBLIC_WEBHOOK_URL,
          accountTokens: new Map([
            [ACCOUNT_SID, AUTH_TOKEN],
            [OTHER_ACCOUNT, OTHER_TOKEN],
          ]),
          maxBytes: 1_048_576,
        },
      },
    });
    ours = seedRecords(stack);
    theirs = seedRecords(stack, OTHER_ACCOUNT);
  });
  afterAll(() => stack.close());

  it('verifies against PUBLIC_URL + /webhooks/conversations, not the URL the request reached', async () => {
    const first = recorder(stack.live.bus, ACCOUNT_SID);
    expect(stack.webhookUrl).toBe(PUBLIC_WEBHOOK_URL);
    expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', ours.communication))).status).toBe(200);
    // Signed for the address it was actually sent to (with a matching Host): not the configured URL.
    const local = await stack.postWebhook(callback('COMMUNICATION_CREATED', ours.communication), { signedUrl: stack.webhookEndpoint });
    expect(local.status).toBe(403);
    const forgedHost = await stack.postWebhook(callback('COMMUNICATION_CREATED', ours.communication), {
      signedUrl: 'https://attacker.example/api/webhooks/conversations',
      headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' },
    });
    expect(forgedHost.status).toBe(403);
    expect(await first.take()).toHaveLength(1);
    first.close();
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it('each account’s callback verifies with its own token only; an account without one is refused', async () => {
    const first = recorder(stack.live.bus, ACCOUNT_SID);
    const second = recorder(stack.live.bus, OTHER_ACCOUNT);
    expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', theirs.communication), { authToken: OTHER_TOKEN })).status).toBe(200);
    // Another account's (valid) token cannot speak for this account, nor this one's for the other.
    expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', theirs.communication), { authToken: AUTH_TOKEN })).status).toBe(403);
    expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', ours.communication), { authToken: OTHER_TOKEN })).status).toBe(403);
    const unknown = { ...ours.communication, accountId: UNKNOWN_ACCOUNT };
    expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', unknown), { authToken: AUTH_TOKEN })).status).toBe(403);
    const [event, ...more] = await second.take();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ accountSid: OTHER_ACCOUNT, record: { id: theirs.communication.id } });
    expect(await first.take()).toEqual([]);
    first.close();
    second.close();
  });

  it('one account’s idempotency token does not hide another account’s delivery', async () => {
    const first = recorder(stack.live.bus, ACCOUNT_SID);
    const second = recorder(stack.live.bus, OTHER_ACCOUNT);
    const token = randomUUID();
    expect((await stack.postWebhook(callback('COMMUNICATION_UPDATED', ours.communication), { idempotencyToken: token })).body.outcome).toBe(
      'accepted',
    );
    expect(
      (
        await stack.postWebhook(callback('COMMUNICATION_UPDATED', theirs.communication), {
          idempotencyToken: token,
          authToken: OTHER_TOKEN,
        })
      ).body.outcome,
    ).toBe('accepted');
    expect(await first.take()).toHaveLength(1);
    expect(await second.take()).toHaveLength(1);
    first.close();
    second.close();
  });
});

describe('when the callback cannot be accepted now', () => {
  it('a bus that fails → 503, and the delivery is not remembered: Twilio’s retry is accepted', async () => {
    const inner = new InProcessBus();
    let failures = 1;
    const flaky: LiveBus = {
      publish: (event) => (failures-- > 0 ? Promise.reject(new Error('bus down')) : inner.publish(event)),
      listen: (topic, options) => inner.listen(topic, options),
      get listenerCount() {
        return inner.listenerCount;
      },
      close: () => inner.close(),
    };
    const stack = await startStack({ live: { bus: flaky } });
    try {
      const records = seedRecords(stack);
      const listener = recorder(inner, ACCOUNT_SID);
      const token = randomUUID();
      const body = callback('COMMUNICATION_CREATED', records.communication);
      const first = await stack.postWebhook(body, { idempotencyToken: token });
      expect(first.status).toBe(503);
      expect(await listener.take()).toEqual([]);
      expect(await stack.postWebhook(body, { idempotencyToken: token })).toEqual({ status: 200, body: { outcome: 'accepted' } });
      expect((await listener.take()).map((event) => event.eventId)).toEqual([token]);
      listener.close();
    } finally {
      await stack.close();
    }
  });

  it('webhooks off (LIVE_SOURCE=poll) → 404, nothing published', async () => {
    const stack = await startStack({ live: { source: 'poll' } });
    try {
      const records = seedRecords(stack);
      const listener = recorder(stack.live.bus, ACCOUNT_SID);
      expect((await stack.postWebhook(callback('COMMUNICATION_CREATED', records.communication))).status).toBe(404);
      expect(await listener.take()).toEqual([]);
      listener.close();
    } finally {
      await stack.close();
    }
  });
});

describe('the emulator as Twilio: a mutation → a signed status callback → the bus', () => {
  it('createCommunication is delivered (twice, by a duplicate fault) and published once; the webhook costs no upstream call', async () => {
    const stack = await startStack();
    try {
      // The conversation's own status callback (as a PATCH of configuration.statusCallbacks would set it).
      const conversation = stack.emulator.data.insertRaw(ACCOUNT_SID, 'conversations', {
        id: 'conv_conversation_01jwebhookwebhookwebhook00',
        accountId: ACCOUNT_SID,
        configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
        name: 'Signed by the emulator',
        status: 'ACTIVE',
        configuration: { statusCallbacks: [{ url: stack.webhookUrl, method: 'POST' }] },
      }) as { id: string };
      const listener = recorder(stack.live.bus, ACCOUNT_SID);
      stack.emulator.webhooks.faults.enqueue({ kind: 'duplicate', match: { eventType: 'COMMUNICATION_CREATED' } });
      stack.takeUpstreamCalls();
      const sent = await stack.graphql(
        `mutation ($input: CreateCommunicationInput!) { createCommunication(input: $input) { communication { sid } userErrors { message } } }`,
        {
          input: {
            conversationSid: conversation.id,
            author: { address: '+15005550001', channel: 'SMS' },
            recipients: [{ address: '+15005550002', channel: 'SMS' }],
            content: { text: { text: 'hello over a webhook' } },
          },
        },
      );
      const sid = sent.data.createCommunication.communication.sid as string;
      const [delivery] = await stack.emulator.webhooks.waitFor(
        (entry) => entry.eventType === 'COMMUNICATION_CREATED' && entry.state === 'delivered',
      );
      expect(delivery).toMatchObject({ resourceId: sid, sent: 2, lastStatus: 200, fault: 'duplicate' });
      const events = await listener.take();
      expect(events.map((event) => [event.type, event.record.id, event.eventId])).toEqual([
        ['COMMUNICATION_CREATED', sid, delivery!.token],
      ]);
      // Only the mutation's own POST reached the upstream.
      expect(stack.takeUpstreamCalls().map((call) => call.method)).toEqual(['POST']);
      listener.close();
    } finally {
      await stack.close();
    }
  });
});
