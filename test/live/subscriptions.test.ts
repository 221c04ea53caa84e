// Issue 11: subscriptions end to end over real sockets, fed by real signed webhooks (Twilio's own
// signing, test/helpers/stack.ts postWebhook) and read as Server-Sent Events over fetch. Resume
// without a gap, never twice, isolation between accounts, the access check first, and every
// payload type told apart by its brand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvent } from '../helpers/live-event.ts';
import { AGENT, CUSTOMER, seedCommunications, seedConversation } from '../helpers/seed.ts';
import { type Payload, SseStream, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, type Stack } from '../helpers/stack.ts';
import { basic, startTwoAccountStack } from './full-path.ts';
import type { LiveCommunicationAddedSubscription } from '../generated/graphql.ts';
import { graphql } from '../generated/index.ts';

const SECOND_ACCOUNT = 'AC22222222222222222222222222222222';
const SECOND_TOKEN = 'second-account-token';
const SECOND = basic(SECOND_ACCOUNT, SECOND_TOKEN);

const ADDED = graphql(`
  subscription LiveCommunicationAdded($sid: String!, $after: String) {
    communicationAdded(conversationSid: $sid, after: $after) { cursor node { sid accountSid content { ... on TextContent { text } } } }
  }
`);
const EVENTS = graphql(`
  subscription LiveConversationEvents($sid: String!) {
    conversationEvents(conversationSid: $sid) {
      __typename eventId occurredAt conversation { sid }
      ... on CommunicationAddedEvent { communicationEdge { cursor node { sid } } }
      ... on CommunicationUpdatedEvent { communication { sid recipients { deliveryStatus } } }
      ... on ParticipantAddedEvent { participantEdge { cursor node { sid name } } }
      ... on ParticipantUpdatedEvent { participant { sid name } }
      ... on ParticipantRemovedEvent { participantId }
    }
  }
`);

/** The event when it is of the given type (the test fails otherwise), narrowed to that type. */
function eventOf<E extends { __typename: string }, N extends E['__typename']>(event: E | undefined, typename: N) {
  expect(event?.__typename).toBe(typename);
  return event as Extract<E, { __typename: N }>;
}

const CONVERSATION_CHANGED = graphql(`
  subscription LiveConversationChanged($status: [ConversationStatus!]) {
    conversationChanged(status: $status) { created eventId conversationEdge { cursor node { sid status } } }
  }
`);

const FIRST_CONVERSATION = graphql(`
  query LiveFirstConversation {
    conversations(first: 1) { nodes { sid } }
  }
`);

const NEWEST_CURSOR = graphql(`
  query LiveNewestCursor($sid: String!) {
    conversation(sid: $sid) { communications(last: 5) { pageInfo { endCursor } } }
  }
`);

const COMMUNICATIONS_AFTER = graphql(`
  query LiveCommunicationsAfter($sid: String!, $after: String) {
    conversation(sid: $sid) { communications(first: 10, after: $after) { nodes { sid } pageInfo { hasPreviousPage hasNextPage } } }
  }
`);

const CLOSE_CONVERSATION = graphql(`
  mutation LiveCloseConversation($sid: String!) {
    updateConversation(input: { sid: $sid, status: CLOSED }) { userErrors { code } }
  }
`);

const CLOSED_AFTER = graphql(`
  query LiveClosedAfter($after: String) {
    conversations(status: [CLOSED], first: 5, after: $after) { nodes { sid } }
  }
`);

type Resource = { id: string; createdAt?: string; updatedAt?: string } & Record<string, unknown>;

let stack: Stack;

beforeAll(async () => {
  stack = await startTwoAccountStack(SECOND_ACCOUNT, SECOND_TOKEN);
  // The second account exists from its first request on (the emulator trusts a first password).
  expect((await stack.graphql(FIRST_CONVERSATION, {}, SECOND)).errors).toBeUndefined();
});

afterAll(() => stack.close());

function addCommunications(sid: string, count: number, prefix: string, account = ACCOUNT_SID): Resource[] {
  return Array.from(
    { length: count },
    (_, i) =>
      stack.emulator.data.createCommunication(account, sid, {
        author: CUSTOMER,
        recipients: [AGENT],
        content: { type: 'TEXT', text: `${prefix} ${i}` },
      }) as unknown as Resource,
  );
}

/** Posts each resource's status callback, signed for its account, as Twilio would (one delivery each). */
async function announce(
  eventType: string,
  resources: Resource[],
  options: { account?: string; idempotencyToken?: string } = {},
): Promise<void> {
  for (const data of resources) {
    const answer = await stack.postWebhook(
      { eventType, timestamp: data.updatedAt ?? data.createdAt, data },
      {
        authToken: options.account === SECOND_ACCOUNT ? SECOND_TOKEN : AUTH_TOKEN,
        ...(options.idempotencyToken ? { idempotencyToken: options.idempotencyToken } : {}),
      },
    );
    expect(answer.status).toBe(200);
  }
}

const sidOf = (payload: Payload<LiveCommunicationAddedSubscription>) => payload.data.communicationAdded.node.sid;

const listReads = (sid: string) =>
  stack.emulator.requests.entries().filter((entry) => entry.path === `/v2/Conversations/${sid}/Communications` && entry.status !== 0)
    .length;

/** A communication created and announced now is the stream's next payload, with nothing else pending; then the stream closes. */
async function endsWithNewOne(stream: SseStream, sid: string, label: string): Promise<void> {
  const [created] = addCommunications(sid, 1, label);
  await announce('COMMUNICATION_CREATED', [created!]);
  expect(sidOf(await stream.next())).toBe(created!.id);
  expect(stream.pending).toBe(0);
  stream.close();
}

/** Opens communicationAdded after `after` and waits until its catch-up read was answered: what is created later can only come live. */
async function resumeAfter(sid: string, after: string): Promise<SseStream> {
  const before = listReads(sid);
  const stream = await SseStream.open(stack.url, ADDED, { sid, after });
  await waitFor(() => listReads(sid) > before, 'the catch-up read');
  return stream;
}

async function newestCursor(sid: string, headers?: Record<string, string>): Promise<string> {
  const page = await stack.graphql(NEWEST_CURSOR, { sid }, headers);
  return page.data.conversation!.communications.pageInfo.endCursor!;
}

describe('communicationAdded: resume without gaps', () => {
  it('after a disconnect, a gap of 3 communications: exactly those 3, in order, then live; caught-up ones announced again are not repeated', async () => {
    const sid = seedConversation(stack.emulator, 'resume');
    seedCommunications(stack.emulator, sid, 5);
    let stream = await resumeAfter(sid, await newestCursor(sid));
    expect(stream.status).toBe(200);
    const [first] = addCommunications(sid, 1, 'before the break');
    await announce('COMMUNICATION_CREATED', [first!]);
    const live = await stream.next();
    expect(sidOf(live)).toBe(first!.id);
    const lastSeen = live.data.communicationAdded.cursor;

    stream.close();
    await waitFor(() => stack.live.subscribers.listening === 0, 'the first subscription to end');
    const gap = addCommunications(sid, 3, 'while away');
    await announce('COMMUNICATION_CREATED', gap); // delivered to nobody

    stack.takeUpstreamCalls();
    stream = await SseStream.open(stack.url, ADDED, { sid, after: lastSeen });
    const caughtUp = [await stream.next(), await stream.next(), await stream.next()];
    expect(caughtUp.map(sidOf)).toEqual(gap.map((item) => item.id));
    expect(caughtUp.map((payload) => payload.data.communicationAdded.node.content.text)).toEqual([
      'while away 0',
      'while away 1',
      'while away 2',
    ]);
    // The access check and one list read from the live edge's cursor (it sits on the list's last page).
    expect(stack.takeUpstreamCalls().map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /v2/Conversations/${sid}`,
      `GET /v2/Conversations/${sid}/Communications`,
    ]);

    // Caught-up communications announced again (new deliveries, so the webhook de-duplication lets them
    // through) never reach the subscriber twice; the next new one does.
    await announce('COMMUNICATION_CREATED', gap);
    await endsWithNewOne(stream, sid, 'back again');
  });

  it('communications created while the catch-up reads arrive once, after it: the listener opens first, the switch-over drops what the catch-up delivered', async () => {
    const sid = seedConversation(stack.emulator, 'switch-over');
    seedCommunications(stack.emulator, sid, 3);
    const from = await newestCursor(sid);
    const missed = addCommunications(sid, 2, 'missed');
    // The catch-up's list read answers late; the webhooks of the missed ones and of a new one come meanwhile.
    stack.emulator.faults.enqueue({ kind: 'delay', ms: 1500, match: { method: 'GET', path: `/v2/Conversations/${sid}/Communications` } });
    stack.takeUpstreamCalls();
    const stream = await SseStream.open(stack.url, ADDED, { sid, after: from });
    await waitFor(
      () => stack.emulator.requests.count({ path: `/v2/Conversations/${sid}/Communications` }) === 1,
      'the catch-up read to start',
    );
    const [during] = addCommunications(sid, 1, 'during');
    await announce('COMMUNICATION_CREATED', [...missed, during!]);
    const received = [await stream.next(), await stream.next(), await stream.next()].map(sidOf);
    // The read may or may not include `during` (it is created before the delayed answer): either way each once, in list order.
    expect(received).toEqual([...missed, during!].map((item) => item.id));
    await endsWithNewOne(stream, sid, 'later');
  });

  it('a communication at or before the after cursor is never delivered, even when announced late', async () => {
    const sid = seedConversation(stack.emulator, 'before-the-cursor');
    const old = seedCommunications(stack.emulator, sid, 3);
    const stream = await resumeAfter(sid, await newestCursor(sid));
    // The communication the cursor names, and one before it, announced now (a late or repeated webhook).
    const records = await rawCommunications(sid);
    expect(records.map((record) => record.id)).toEqual(old);
    await announce('COMMUNICATION_CREATED', [records[2]!, records[1]!]);
    await endsWithNewOne(stream, sid, 'fresh');
  });

  it('each live edge’s cursor works as after on Conversation.communications, in one list call (a walk to it would take two)', async () => {
    // 1,200 items: the list's last page (as `last: 5` read it) is its second page of 1,000.
    const sid = seedConversation(stack.emulator, 'live-cursors');
    seedCommunications(stack.emulator, sid, 1200);
    const stream = await resumeAfter(sid, await newestCursor(sid));
    const added = addCommunications(sid, 3, 'live');
    await announce('COMMUNICATION_CREATED', added);
    const cursors = [];
    for (const item of added) {
      const payload = await stream.next();
      expect(sidOf(payload)).toBe(item.id);
      cursors.push(payload.data.communicationAdded.cursor);
    }
    stream.close();
    stack.takeUpstreamCalls();
    const next = await stack.graphql(COMMUNICATIONS_AFTER, { sid, after: cursors[0] });
    expect(next.errors).toBeUndefined();
    expect(next.data.conversation!.communications.nodes.map((node) => node.sid)).toEqual(added.slice(1).map((item) => item.id));
    expect(stack.takeUpstreamCalls().filter((call) => call.path.endsWith('/Communications'))).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('the same webhook delivered twice, and the same change under two deliveries, reach a subscriber once', async () => {
    const sid = seedConversation(stack.emulator, 'duplicates');
    const added = await SseStream.open(stack.url, ADDED, { sid });
    const events = await SseStream.open(stack.url, EVENTS, { sid });
    const [one, two] = addCommunications(sid, 2, 'twice');
    await announce('COMMUNICATION_CREATED', [one!], { idempotencyToken: 'delivery-1' });
    await announce('COMMUNICATION_CREATED', [one!], { idempotencyToken: 'delivery-1' }); // Twilio's retry: dropped by the webhook
    await announce('COMMUNICATION_CREATED', [one!]); // another delivery of the same creation
    await announce('COMMUNICATION_CREATED', [two!]);
    expect([sidOf(await added.next()), sidOf(await added.next())]).toEqual([one!.id, two!.id]);
    const first = await events.next();
    const second = await events.next();
    const [firstAdded, secondAdded] = [first, second].map((payload) => eventOf(payload.data.conversationEvents, 'CommunicationAddedEvent'));
    expect([firstAdded!.communicationEdge.node.sid, secondAdded!.communicationEdge.node.sid]).toEqual([one!.id, two!.id]);
    expect(added.pending + events.pending).toBe(0);
    added.close();
    events.close();
  });
});

/** The conversation as the upstream sends it (a status callback's `data`). */
async function rawConversation(sid: string, headers = basic(ACCOUNT_SID, AUTH_TOKEN)): Promise<Resource> {
  return (await (await fetch(`${stack.emulator.url}/v2/Conversations/${sid}`, { headers })).json()) as Resource;
}

async function rawCommunications(sid: string, account = ACCOUNT_SID, token = AUTH_TOKEN): Promise<Resource[]> {
  const response = await fetch(`${stack.emulator.url}/v2/Conversations/${sid}/Communications?pageSize=100`, {
    headers: { authorization: `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}` },
  });
  return ((await response.json()) as { communications: Resource[] }).communications;
}

describe('isolation and access', () => {
  it('two accounts, interleaved, never see each other’s events, even one that names the other’s conversation', async () => {
    const mine = seedConversation(stack.emulator, 'account one');
    const theirs = seedConversation(stack.emulator, 'account two', SECOND_ACCOUNT);
    const one = await SseStream.open(stack.url, ADDED, { sid: mine });
    const two = await SseStream.open(stack.url, ADDED, { sid: theirs }, { headers: SECOND });
    const expected: Record<string, string[]> = { one: [], two: [] };
    for (let i = 0; i < 3; i++) {
      const [a] = addCommunications(mine, 1, `one ${i}`);
      const [b] = addCommunications(theirs, 1, `two ${i}`, SECOND_ACCOUNT);
      await announce('COMMUNICATION_CREATED', [b!], { account: SECOND_ACCOUNT });
      await announce('COMMUNICATION_CREATED', [a!]);
      expected.one!.push(a!.id);
      expected.two!.push(b!.id);
    }
    // A forged record: the second account's event naming the first account's conversation.
    await stack.live.bus.publish(
      webhookEvent({
        eventId: 'forged',
        type: 'COMMUNICATION_CREATED',
        accountSid: SECOND_ACCOUNT,
        conversationSid: mine,
        record: {
          kind: 'Communication',
          id: 'conv_communication_forged',
          conversationId: mine,
          accountId: SECOND_ACCOUNT,
          author: CUSTOMER,
          recipients: [],
          content: { type: 'TEXT', text: 'forged' },
        },
      }),
    );
    const received = { one: [] as string[], two: [] as string[] };
    for (let i = 0; i < 3; i++) {
      const a = await one.next();
      const b = await two.next();
      expect(a.data.communicationAdded.node.accountSid).toBe(ACCOUNT_SID);
      expect(b.data.communicationAdded.node.accountSid).toBe(SECOND_ACCOUNT);
      received.one.push(sidOf(a));
      received.two.push(sidOf(b));
    }
    expect(received).toEqual(expected);
    // The last word: a marker after the forged event shows nothing came in between.
    const [marker] = addCommunications(mine, 1, 'marker');
    await announce('COMMUNICATION_CREATED', [marker!]);
    expect(sidOf(await one.next())).toBe(marker!.id);
    expect(one.pending + two.pending).toBe(0);
    one.close();
    two.close();
  });

  it('another account’s conversation: NOT_FOUND, nothing delivered, nothing held; bad credentials: UNAUTHENTICATED', async () => {
    const theirs = seedConversation(stack.emulator, 'not yours', SECOND_ACCOUNT);
    // The earlier tests' subscriptions are gone (their clients left).
    await waitFor(() => stack.live.subscribers.listening === 0, 'earlier subscriptions to end');
    const before = 0;
    stack.takeUpstreamCalls();
    const refused = await SseStream.open(stack.url, ADDED, { sid: theirs });
    const answer = await refused.next();
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    await refused.untilEnded();
    expect(refused.pending).toBe(0);
    expect(stack.live.subscribers.listening).toBe(before);
    expect(stack.takeUpstreamCalls().map((call) => `${call.method} ${call.path}`)).toEqual([`GET /v2/Conversations/${theirs}`]);
    // Events of that conversation now reach no one of this account.
    const [hidden] = addCommunications(theirs, 1, 'hidden', SECOND_ACCOUNT);
    await announce('COMMUNICATION_CREATED', [hidden!], { account: SECOND_ACCOUNT });

    const wrong = await SseStream.open(
      stack.url,
      ADDED,
      { sid: theirs },
      { headers: { authorization: `Basic ${Buffer.from(`${SECOND_ACCOUNT}:wrong`).toString('base64')}` } },
    );
    const unauthenticated = await wrong.next();
    expect(unauthenticated.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    await wrong.untilEnded();
    expect(stack.live.subscribers.listening).toBe(before);
  });

  it('a malformed sid or cursor is BAD_USER_INPUT before anything is read or held', async () => {
    const sid = seedConversation(stack.emulator, 'bad arguments');
    stack.takeUpstreamCalls();
    for (const variables of [{ sid: 'not a sid!' }, { sid, after: 'bm90IGEgY3Vyc29y.AAAAAAAAAAAAAAAA' }]) {
      const stream = await SseStream.open(stack.url, ADDED, variables);
      const answer = await stream.next();
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      await stream.untilEnded();
    }
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });
});

describe('conversationEvents and conversationChanged', () => {
  it('each change arrives as its own type, told apart by its brand, with what the payload carries', async () => {
    const sid = seedConversation(stack.emulator, 'every event');
    const stream = await SseStream.open(stack.url, EVENTS, { sid });
    const participant = stack.emulator.data.createParticipant(ACCOUNT_SID, sid, {
      name: 'Ada',
      type: 'CUSTOMER',
      addresses: [CUSTOMER],
    }) as unknown as Resource;
    const [communication] = addCommunications(sid, 1, 'hello');
    const conversation = await rawConversation(sid);
    stack.takeUpstreamCalls();
    await announce('PARTICIPANT_ADDED', [participant]);
    await announce('COMMUNICATION_CREATED', [communication!]);
    await announce('COMMUNICATION_UPDATED', [{ ...communication!, recipients: [{ ...AGENT, deliveryStatus: 'DELIVERED' }] }]);
    await announce('PARTICIPANT_UPDATED', [{ ...participant, name: 'Ada L.' }]);
    await announce('CONVERSATION_UPDATED', [{ ...conversation, name: 'renamed' }]);
    await announce('PARTICIPANT_REMOVED', [participant]);
    const payloads = [];
    for (let i = 0; i < 6; i++) payloads.push((await stream.next()).data.conversationEvents);
    expect(payloads.map((payload) => payload.__typename)).toEqual([
      'ParticipantAddedEvent',
      'CommunicationAddedEvent',
      'CommunicationUpdatedEvent',
      'ParticipantUpdatedEvent',
      'ConversationUpdatedEvent',
      'ParticipantRemovedEvent',
    ]);
    expect(payloads.every((payload) => payload.conversation.sid === sid)).toBe(true);
    expect(new Set(payloads.map((payload) => payload.eventId)).size).toBe(6);
    expect(eventOf(payloads[0], 'ParticipantAddedEvent').participantEdge.node).toEqual({ sid: participant.id, name: 'Ada' });
    expect(eventOf(payloads[1], 'CommunicationAddedEvent').communicationEdge.node.sid).toBe(communication!.id);
    expect(eventOf(payloads[2], 'CommunicationUpdatedEvent').communication.recipients).toEqual([{ deliveryStatus: 'DELIVERED' }]);
    expect(eventOf(payloads[3], 'ParticipantUpdatedEvent').participant.name).toBe('Ada L.');
    expect(eventOf(payloads[5], 'ParticipantRemovedEvent').participantId).toBe(
      Buffer.from(`Participant:${sid}/${participant.id}`).toString('base64url'),
    );
    // Everything came from the payloads: `conversation { sid }` is known from the event.
    expect(stack.takeUpstreamCalls()).toEqual([]);
    stream.close();
  });

  it('conversationChanged: the account’s conversations as they are created or change, filtered by status', async () => {
    const all = await SseStream.open(stack.url, CONVERSATION_CHANGED, {});
    const closed = await SseStream.open(stack.url, CONVERSATION_CHANGED, { status: ['CLOSED'] });
    const other = await SseStream.open(stack.url, CONVERSATION_CHANGED, {}, { headers: SECOND });
    const sid = seedConversation(stack.emulator, 'inbox');
    const conversation = await rawConversation(sid);
    await announce('CONVERSATION_CREATED', [conversation]);
    const close = await stack.graphql(CLOSE_CONVERSATION, { sid });
    expect(close.data.updateConversation.userErrors).toEqual([]);
    await announce('CONVERSATION_UPDATED', [await rawConversation(sid)]);
    const created = (await all.next()).data.conversationChanged;
    const updated = (await all.next()).data.conversationChanged;
    expect([created.created, created.conversationEdge.node.sid, updated.created, updated.conversationEdge.node.status]).toEqual([
      true,
      sid,
      false,
      'CLOSED',
    ]);
    const onlyClosed = (await closed.next()).data.conversationChanged;
    expect([onlyClosed.created, onlyClosed.conversationEdge.node.status]).toEqual([false, 'CLOSED']);
    // The edge's cursor works as `after` on conversations with the same filter.
    const page = await stack.graphql(CLOSED_AFTER, { after: onlyClosed.conversationEdge.cursor });
    expect(page.errors).toBeUndefined();
    // The other account's inbox: its own new conversation is the first thing it hears of.
    const theirs = seedConversation(stack.emulator, 'their inbox', SECOND_ACCOUNT);
    const theirConversation = await rawConversation(theirs, SECOND);
    await announce('CONVERSATION_CREATED', [theirConversation], { account: SECOND_ACCOUNT });
    expect((await other.next()).data.conversationChanged.conversationEdge.node.sid).toBe(theirs);
    expect(closed.pending + all.pending + other.pending).toBe(0);
    for (const stream of [all, closed, other]) stream.close();
  });
});
