// Issue 10 item 1 (conversations): createConversation, updateConversation (PATCH), deleteConversation
// and Conversation.metadata, over HTTP against the emulator. Every case asserts the exact upstream
// requests from the emulator's log (method, path, body, Idempotency-Key) and what a fresh read shows.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth } from '../../../src/emulator/index.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../../helpers/stack.ts';
import { graphql } from '../../generated/index.ts';

const CONFIGURATION_SID = 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'AC22222222222222222222222222222222';
const OTHER_AUTH = { authorization: basicAuth(OTHER, 'other-secret') };

const CREATE = graphql(`
  mutation ConversationMutationsCreate($input: CreateConversationInput!) {
    createConversation(input: $input) {
      conversation { id sid accountSid configurationSid name status metadata }
      conversationEdge { cursor node { id sid name } }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const UPDATE = graphql(`
  mutation ConversationMutationsUpdate($input: UpdateConversationInput!) {
    updateConversation(input: $input) {
      conversation { id sid name status metadata }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

/** The input as an object literal whose fields are variables: one not given is left out of the input. */
const UPDATE_FIELDS = graphql(`
  mutation ConversationMutationsUpdateFields($sid: String!, $name: String, $status: ConversationStatus) {
    updateConversation(input: { sid: $sid, name: $name, status: $status }) {
      conversation { name status metadata }
      userErrors { field message code }
    }
  }
`);

const DELETE = graphql(`
  mutation ConversationMutationsDelete($input: DeleteConversationInput!) {
    deleteConversation(input: $input) {
      deletedConversationId
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const READ = graphql(`
  query ConversationMutationsRead($sid: String!) {
    conversation(sid: $sid) { id sid accountSid name status metadata }
  }
`);

const READ_NODE = graphql(`
  query ConversationMutationsReadNode($id: ID!) {
    node(id: $id) { id }
  }
`);

const AROUND = graphql(`
  query ConversationMutationsAround($cursor: String!) {
    after: conversations(first: 5, after: $cursor) { edges { node { sid } } pageInfo { hasNextPage } }
    before: conversations(last: 1, before: $cursor) { edges { node { sid } } }
  }
`);

/** Two writes in one request; the second reads the first's conversation through its own payload. */
const UPDATE_THEN_SEND = graphql(`
  mutation ConversationMutationsUpdateThenSend($update: UpdateConversationInput!, $send: CreateCommunicationInput!) {
    updateConversation(input: $update) { conversation { id name status metadata } again: conversation { name } userErrors { code } }
    createCommunication(input: $send) { communication { conversation { id name status metadata } } userErrors { code } }
  }
`);

let stack: Stack;

interface SentRequest {
  method: string;
  path: string;
  username: string | null;
  idempotencyKey: string | undefined;
  body: unknown;
}

/** The upstream requests since the last call, with their bodies parsed (and clears the log). */
function upstream(): SentRequest[] {
  return stack.takeUpstreamCalls().map((call) => ({
    method: call.method,
    path: call.path,
    username: call.username,
    idempotencyKey: call.idempotencyKey,
    body: call.body === undefined ? undefined : JSON.parse(call.body),
  }));
}

/** How many conversations the account holds upstream (read directly from the emulator; the log is cleared after). */
async function conversationCount(account = ACCOUNT_SID, password = AUTH_TOKEN): Promise<number> {
  const response = await fetch(`${stack.emulator.url}/v2/Conversations?pageSize=1000`, {
    headers: { authorization: basicAuth(account, password) },
  });
  const body = (await response.json()) as { conversations: unknown[] };
  stack.takeUpstreamCalls();
  return body.conversations.length;
}

function seed(name: string, metadata: Record<string, string> = {}, account = ACCOUNT_SID): string {
  return stack.emulator.data.createConversation(account, { configurationId: CONFIGURATION_SID, name, metadata }).id;
}

async function read(sid: string, headers?: Record<string, string>) {
  const response = await stack.graphql(READ, { sid }, headers);
  expect(response.errors).toBeUndefined();
  return response.data.conversation;
}

const userError = (field: string[], code: string, message: string) => ({ field: ['input', ...field], code, message });

beforeAll(async () => {
  stack = await startStack();
  // OTHER's password is trusted on first use: make it this one.
  await conversationCount(OTHER, 'other-secret');
});

beforeEach(() => {
  stack.emulator.faults.clear();
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('createConversation', () => {
  it('one POST /v2/Conversations with exactly the input and the key in lower case; the payload and its edge cost nothing more', async () => {
    const before = seed('an older conversation');
    const key = randomUUID().toUpperCase();
    const metadata = { ticket: 'TKT-456', 'priority.level': 'high' };
    const response = await stack.graphql(CREATE, {
      input: { configurationSid: CONFIGURATION_SID, name: 'Billing question', metadata, idempotencyKey: key, clientMutationId: 'c-1' },
    });
    expect(response.errors).toBeUndefined();
    const payload = response.data.createConversation;
    expect(upstream()).toEqual([
      {
        method: 'POST',
        path: '/v2/Conversations',
        username: ACCOUNT_SID,
        idempotencyKey: key.toLowerCase(),
        body: { configurationId: CONFIGURATION_SID, name: 'Billing question', metadata },
      },
    ]);
    const sid = payload.conversation!.sid;
    expect(sid).toMatch(/^conv_conversation_[0-9a-z]{26}$/);
    expect(payload).toEqual({
      conversation: {
        id: expect.any(String),
        sid,
        accountSid: ACCOUNT_SID,
        configurationSid: CONFIGURATION_SID,
        name: 'Billing question',
        status: 'ACTIVE',
        metadata,
      },
      conversationEdge: { cursor: expect.any(String), node: { id: payload.conversation!.id, sid, name: 'Billing question' } },
      userErrors: [],
      clientMutationId: 'c-1',
    });

    // The edge is one of Query.conversations: nothing after the newest, the older one before it.
    const around = await stack.graphql(AROUND, { cursor: payload.conversationEdge!.cursor });
    expect(around.errors).toBeUndefined();
    expect(around.data.after).toEqual({ edges: [], pageInfo: { hasNextPage: false } });
    expect(around.data.before.edges).toEqual([{ node: { sid: before } }]);
    const { configurationSid: _configurationSid, ...readable } = payload.conversation!;
    expect(await read(sid)).toEqual(readable);
  });

  it('a replay with the same key creates nothing new and answers the same conversation; the key with another input is CONFLICT on input.idempotencyKey', async () => {
    const count = await conversationCount();
    const idempotencyKey = randomUUID();
    const input = { configurationSid: CONFIGURATION_SID, name: 'once', idempotencyKey };
    const first = await stack.graphql(CREATE, { input });
    const replay = await stack.graphql(CREATE, { input });
    expect(upstream().map((call) => [call.method, call.idempotencyKey])).toEqual([
      ['POST', idempotencyKey],
      ['POST', idempotencyKey],
    ]);
    expect(replay.data.createConversation).toEqual(first.data.createConversation);
    expect(await conversationCount()).toBe(count + 1);

    const reused = await stack.graphql(CREATE, { input: { ...input, name: 'twice' } });
    expect(reused.data.createConversation).toEqual({
      conversation: null,
      conversationEdge: null,
      userErrors: [
        userError(
          ['idempotencyKey'],
          'CONFLICT',
          'This idempotencyKey was already used with a different input: use a new key for a new request.',
        ),
      ],
      clientMutationId: null,
    });
    expect(upstream()).toHaveLength(1);
    expect(await conversationCount()).toBe(count + 1);
  });

  it('only configurationId is sent when name and metadata are left out or null; metadata then reads as {}', async () => {
    for (const extra of [{}, { name: null, metadata: null }]) {
      const response = await stack.graphql(CREATE, { input: { configurationSid: CONFIGURATION_SID, ...extra } });
      expect(upstream().map((call) => call.body)).toEqual([{ configurationId: CONFIGURATION_SID }]);
      expect(response.data.createConversation.conversation).toMatchObject({ name: null, status: 'ACTIVE', metadata: {} });
    }
  });

  it('a configurationSid the upstream refuses is INVALID on input.configurationSid, in the facade’s words (one POST)', async () => {
    const response = await stack.graphql(CREATE, { input: { configurationSid: 'conv_configuration_nope' } });
    expect(response.data.createConversation.userErrors).toEqual([
      userError(['configurationSid'], 'INVALID', 'Not a valid configuration sid.'),
    ]);
    expect(upstream()).toHaveLength(1);
  });

  describe('input the facade refuses itself → userErrors, zero upstream calls', () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    const cases: [string, Record<string, unknown>, ReturnType<typeof userError>][] = [
      [
        'a malformed configurationSid',
        { configurationSid: 'bad sid!' },
        userError(['configurationSid'], 'INVALID', 'Not a valid configuration sid.'),
      ],
      [
        'an empty configurationSid',
        { configurationSid: '' },
        userError(['configurationSid'], 'REQUIRED', 'A configurationSid is required.'),
      ],
      [
        'a 65-character configurationSid',
        { configurationSid: 'c'.repeat(65) },
        userError(['configurationSid'], 'INVALID', 'At most 64 characters.'),
      ],
      ['a 257-character name', { name: 'n'.repeat(257) }, userError(['name'], 'INVALID', 'At most 256 characters.')],
      [
        'metadata that is a list',
        { metadata: ['a'] },
        userError(['metadata'], 'INVALID', 'metadata must be an object of string values, such as {"ticket": "TKT-456"}.'),
      ],
      [
        'metadata that is a string',
        { metadata: 'a=b' },
        userError(['metadata'], 'INVALID', 'metadata must be an object of string values, such as {"ticket": "TKT-456"}.'),
      ],
      ['metadata with 9 entries', { metadata: nine }, userError(['metadata'], 'INVALID', 'metadata takes at most 8 entries.')],
      [
        'a metadata key with a space',
        { metadata: { 'bad key': 'v' } },
        userError(['metadata', 'bad key'], 'INVALID', 'A metadata key is 1 to 128 letters, digits, periods, underscores or dashes.'),
      ],
      [
        'a 129-character metadata key',
        { metadata: { ['k'.repeat(129)]: 'v' } },
        userError(['metadata', 'k'.repeat(129)], 'INVALID', 'A metadata key is 1 to 128 letters, digits, periods, underscores or dashes.'),
      ],
      [
        'a 513-character metadata value',
        { metadata: { k: 'v'.repeat(513) } },
        userError(['metadata', 'k'], 'INVALID', 'A metadata value is a string of at most 512 characters.'),
      ],
      [
        'a metadata value that is a number',
        { metadata: { k: 5 } },
        userError(['metadata', 'k'], 'INVALID', 'A metadata value is a string of at most 512 characters.'),
      ],
      [
        'a metadata value that is null (nothing to remove on a create)',
        { metadata: { k: null } },
        userError(['metadata', 'k'], 'INVALID', 'A metadata value is a string of at most 512 characters.'),
      ],
      [
        'metadata over 8,192 characters of JSON',
        { metadata: { k: 'v'.repeat(9000) } },
        userError(['metadata'], 'INVALID', 'At most 8192 characters of JSON.'),
      ],
      [
        'an idempotencyKey that is not a UUID',
        { idempotencyKey: 'retry-1' },
        userError(['idempotencyKey'], 'INVALID', 'idempotencyKey must be a UUID.'),
      ],
    ];
    it.each(cases)('%s', async (_name, extra, expected) => {
      const response = await stack.graphql(CREATE, { input: { configurationSid: CONFIGURATION_SID, clientMutationId: 'bad', ...extra } });
      expect(response.errors).toBeUndefined();
      expect(response.data.createConversation).toEqual({
        conversation: null,
        conversationEdge: null,
        userErrors: [expected],
        clientMutationId: 'bad',
      });
      expect(upstream()).toEqual([]);
    });
  });
});

describe('updateConversation: PATCH semantics, visible in reads', () => {
  it('a name-only update sends PATCH {name} with the key; status and metadata stay as they were', async () => {
    const sid = seed('before', { a: '1', b: '2' });
    const idempotencyKey = randomUUID();
    const response = await stack.graphql(UPDATE, { input: { sid, name: 'after', idempotencyKey, clientMutationId: 'u-1' } });
    expect(upstream()).toEqual([
      { method: 'PATCH', path: `/v2/Conversations/${sid}`, username: ACCOUNT_SID, idempotencyKey, body: { name: 'after' } },
    ]);
    const expected = { sid, name: 'after', status: 'ACTIVE', metadata: { a: '1', b: '2' } };
    expect(response.data.updateConversation).toEqual({
      conversation: { id: expect.any(String), ...expected },
      userErrors: [],
      clientMutationId: 'u-1',
    });
    expect(await read(sid)).toMatchObject(expected);
  });

  it('name: null clears the name (sent as null); a variable left out of an input literal leaves its field out of the PATCH (graphql-jit made it null)', async () => {
    const sid = seed('named', { a: '1' });
    const cleared = await stack.graphql(UPDATE, { input: { sid, name: null } });
    expect(upstream().map((call) => call.body)).toEqual([{ name: null }]);
    expect(cleared.data.updateConversation.conversation).toMatchObject({ name: null, status: 'ACTIVE', metadata: { a: '1' } });
    expect(await read(sid)).toMatchObject({ name: null });

    await stack.graphql(UPDATE, { input: { sid, name: 'again' } });
    upstream();
    const statusOnly = await stack.graphql(UPDATE_FIELDS, { sid, status: 'INACTIVE' });
    expect(statusOnly.errors).toBeUndefined();
    expect(upstream().map((call) => call.body)).toEqual([{ status: 'INACTIVE' }]);
    expect(statusOnly.data.updateConversation.conversation).toEqual({ name: 'again', status: 'INACTIVE', metadata: { a: '1' } });

    const nameNull = await stack.graphql(UPDATE_FIELDS, { sid, name: null });
    expect(upstream().map((call) => call.body)).toEqual([{ name: null }]);
    expect(nameNull.data.updateConversation.conversation).toEqual({ name: null, status: 'INACTIVE', metadata: { a: '1' } });
  });

  it('metadata is merged: a string sets a key, null removes one, keys not mentioned are kept; status CLOSED; a retry leaves the same state', async () => {
    const sid = seed('merge me', { keep: 'k', change: 'old', drop: 'x' });
    const input = { sid, status: 'CLOSED' as const, metadata: { change: 'new', drop: null, add: 'a' }, idempotencyKey: randomUUID() };
    const response = await stack.graphql(UPDATE, { input });
    expect(upstream().map(({ method, body }) => [method, body])).toEqual([
      ['PATCH', { status: 'CLOSED', metadata: { change: 'new', drop: null, add: 'a' } }],
    ]);
    const expected = { name: 'merge me', status: 'CLOSED', metadata: { keep: 'k', change: 'new', add: 'a' } };
    expect(response.data.updateConversation.conversation).toMatchObject(expected);
    const retry = await stack.graphql(UPDATE, { input });
    expect(retry.data.updateConversation.conversation).toMatchObject(expected);
    expect(upstream()).toHaveLength(1);
    expect(await read(sid)).toMatchObject(expected);
  });

  it('what only the upstream can judge (9 keys once merged) is INVALID on input.metadata, one PATCH, nothing changed', async () => {
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v']));
    const sid = seed('full', eight);
    const response = await stack.graphql(UPDATE, { input: { sid, name: 'not applied', metadata: { ninth: 'v' } } });
    expect(response.data.updateConversation).toEqual({
      conversation: null,
      userErrors: [
        userError(
          ['metadata'],
          'INVALID',
          'metadata takes at most 8 entries (an update counts them after merging with the stored ones), keys of 1 to 128 letters, digits, periods, underscores or dashes, and string values of at most 512 characters.',
        ),
      ],
      clientMutationId: null,
    });
    expect(upstream().map((call) => call.method)).toEqual(['PATCH']);
    expect(await read(sid)).toMatchObject({ name: 'full', metadata: eight });
  });

  it('an unknown sid is NOT_FOUND on input.sid (one PATCH)', async () => {
    const response = await stack.graphql(UPDATE, { input: { sid: 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz', name: 'x' } });
    expect(response.data.updateConversation.userErrors).toEqual([userError(['sid'], 'NOT_FOUND', 'Nothing with this sid exists.')]);
    expect(upstream()).toHaveLength(1);
  });

  describe('input the facade refuses itself → userErrors, zero upstream calls', () => {
    const cases: [string, Record<string, unknown>, ReturnType<typeof userError>][] = [
      ['a malformed sid', { sid: '../Conversations' }, userError(['sid'], 'INVALID', 'Not a valid conversation sid.')],
      ['an empty sid', { sid: '' }, userError(['sid'], 'REQUIRED', 'A conversation sid is required.')],
      [
        'status: null',
        { status: null },
        userError(['status'], 'INVALID', 'status cannot be null: leave it out to keep the current status.'),
      ],
      [
        'metadata: null',
        { metadata: null },
        userError(['metadata'], 'INVALID', 'metadata cannot be null: leave it out to keep it, or set a key to null to remove that key.'),
      ],
      [
        'metadata that is a list',
        { metadata: [] },
        userError(['metadata'], 'INVALID', 'metadata must be an object of string values, such as {"ticket": "TKT-456"}.'),
      ],
      [
        'a 513-character metadata value',
        { metadata: { k: 'v'.repeat(513) } },
        userError(['metadata', 'k'], 'INVALID', 'A metadata value is a string of at most 512 characters, or null to remove the key.'),
      ],
      [
        'a metadata key with a slash',
        { metadata: { 'a/b': null } },
        userError(['metadata', 'a/b'], 'INVALID', 'A metadata key is 1 to 128 letters, digits, periods, underscores or dashes.'),
      ],
      ['a 257-character name', { name: 'n'.repeat(257) }, userError(['name'], 'INVALID', 'At most 256 characters.')],
      [
        'an idempotencyKey that is not a UUID',
        { idempotencyKey: '12345' },
        userError(['idempotencyKey'], 'INVALID', 'idempotencyKey must be a UUID.'),
      ],
    ];
    it.each(cases)('%s', async (_name, extra, expected) => {
      const response = await stack.graphql(UPDATE, { input: { sid: 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz', ...extra } });
      expect(response.errors).toBeUndefined();
      expect(response.data.updateConversation).toEqual({ conversation: null, userErrors: [expected], clientMutationId: null });
      expect(upstream()).toEqual([]);
    });
  });
});

describe('deleteConversation: returns once the upstream accepted it (202)', () => {
  it('one DELETE with the key; the Node id at once; then the conversation reads as null by sid and by id', async () => {
    const sid = seed('to delete');
    const { id } = (await read(sid))!;
    upstream();
    const idempotencyKey = randomUUID();
    const response = await stack.graphql(DELETE, { input: { sid, idempotencyKey, clientMutationId: 'd-1' } });
    expect(response.data.deleteConversation).toEqual({ deletedConversationId: id, userErrors: [], clientMutationId: 'd-1' });
    // The statusUrl of the 202 is never polled: the DELETE is the only call.
    expect(upstream()).toEqual([
      { method: 'DELETE', path: `/v2/Conversations/${sid}`, username: ACCOUNT_SID, idempotencyKey, body: undefined },
    ]);
    expect(await read(sid)).toBeNull();
    const node = await stack.graphql(READ_NODE, { id });
    expect(node.data.node).toBeNull();
  });

  it('a retry with the same key answers the same id and deletes nothing more; the key for another sid is CONFLICT; without a key, again is NOT_FOUND', async () => {
    const sid = seed('delete twice');
    const bystander = seed('bystander');
    const count = await conversationCount();
    const idempotencyKey = randomUUID();
    const first = await stack.graphql(DELETE, { input: { sid, idempotencyKey } });
    const retry = await stack.graphql(DELETE, { input: { sid, idempotencyKey } });
    expect(retry.data.deleteConversation).toEqual(first.data.deleteConversation);
    expect(first.data.deleteConversation.deletedConversationId).toEqual(expect.any(String));
    const conflict = await stack.graphql(DELETE, { input: { sid: bystander, idempotencyKey } });
    expect(conflict.data.deleteConversation).toEqual({
      deletedConversationId: null,
      userErrors: [
        userError(
          ['idempotencyKey'],
          'CONFLICT',
          'This idempotencyKey was already used with a different input: use a new key for a new request.',
        ),
      ],
      clientMutationId: null,
    });
    const again = await stack.graphql(DELETE, { input: { sid } });
    expect(again.data.deleteConversation.userErrors).toEqual([userError(['sid'], 'NOT_FOUND', 'Nothing with this sid exists.')]);
    expect(upstream().map((call) => call.method)).toEqual(['DELETE', 'DELETE', 'DELETE', 'DELETE']);
    expect(await conversationCount()).toBe(count - 1);
    expect(await read(bystander)).toMatchObject({ name: 'bystander' });
  });

  it('a 202 whose statusUrl names another host is answered from the 202 alone: nothing is sent there', async () => {
    let trapped = 0;
    const trap: Server = createServer((_req, res) => {
      trapped++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const statusUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/v2/ControlPlane/Operations/proc_job_x`;
      const sid = seed('statusUrl elsewhere');
      stack.emulator.faults.enqueue({
        match: { method: 'DELETE' },
        kind: 'status',
        status: 202,
        body: { statusUrl, related: { conversationId: sid } },
      });
      const response = await stack.graphql(DELETE, { input: { sid } });
      expect(response.data.deleteConversation.userErrors).toEqual([]);
      expect(response.data.deleteConversation.deletedConversationId).toEqual(expect.any(String));
      expect(JSON.stringify(response)).not.toContain(statusUrl);
      expect(upstream().map((call) => call.method)).toEqual(['DELETE']);
      expect(trapped).toBe(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('input the facade refuses itself (a malformed sid, a bad key) costs zero upstream calls', async () => {
    const bad = await stack.graphql(DELETE, { input: { sid: 'conv conversation' } });
    const key = await stack.graphql(DELETE, { input: { sid: 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz', idempotencyKey: 'x' } });
    expect([bad.data.deleteConversation.userErrors, key.data.deleteConversation.userErrors]).toEqual([
      [userError(['sid'], 'INVALID', 'Not a valid conversation sid.')],
      [userError(['idempotencyKey'], 'INVALID', 'idempotencyKey must be a UUID.')],
    ]);
    expect(upstream()).toEqual([]);
  });
});

describe('another account’s credentials', () => {
  it('can neither update nor delete: NOT_FOUND on input.sid, and the owner reads it unchanged', async () => {
    const sid = seed('mine', { owner: 'me' });
    const update = await stack.graphql(UPDATE, { input: { sid, name: 'theirs', status: 'CLOSED', metadata: { owner: null } } }, OTHER_AUTH);
    const remove = await stack.graphql(DELETE, { input: { sid, idempotencyKey: randomUUID() } }, OTHER_AUTH);
    expect(update.data.updateConversation).toEqual({
      conversation: null,
      userErrors: [userError(['sid'], 'NOT_FOUND', 'Nothing with this sid exists.')],
      clientMutationId: null,
    });
    expect(remove.data.deleteConversation).toEqual({
      deletedConversationId: null,
      userErrors: [userError(['sid'], 'NOT_FOUND', 'Nothing with this sid exists.')],
      clientMutationId: null,
    });
    expect(upstream().map(({ method, username }) => [method, username])).toEqual([
      ['PATCH', OTHER],
      ['DELETE', OTHER],
    ]);
    expect(await read(sid)).toMatchObject({ name: 'mine', status: 'ACTIVE', metadata: { owner: 'me' } });
    expect(await read(sid, OTHER_AUTH)).toBeNull();
  });

  it('creates in its own account, which the server-held account does not see', async () => {
    const response = await stack.graphql(CREATE, { input: { configurationSid: CONFIGURATION_SID, name: 'other’s' } }, OTHER_AUTH);
    const { sid, accountSid } = response.data.createConversation.conversation!;
    expect(accountSid).toBe(OTHER);
    expect(await read(sid)).toBeNull();
  });
});

describe('reading a write back costs nothing upstream', () => {
  it('an update read back in its payload (twice, aliased) and through the next mutation’s communication.conversation: only the two writes go upstream', async () => {
    const sid = seed('read back', { a: '1' });
    const response = await stack.graphql(UPDATE_THEN_SEND, {
      update: { sid, name: 'read back, renamed' },
      send: {
        conversationSid: sid,
        author: { address: '+15005550001', channel: 'SMS' },
        recipients: [{ address: '+15005550002', channel: 'SMS' }],
        content: { text: { text: 'hello' } },
      },
    });
    expect(response.errors).toBeUndefined();
    const expected = { name: 'read back, renamed', status: 'ACTIVE', metadata: { a: '1' } };
    expect(response.data.updateConversation.conversation).toMatchObject(expected);
    expect(response.data.updateConversation.again).toEqual({ name: expected.name });
    expect(response.data.createCommunication.communication!.conversation).toEqual({
      id: response.data.updateConversation.conversation!.id,
      ...expected,
    });
    expect(upstream().map((call) => `${call.method} ${call.path}`)).toEqual([
      `PATCH /v2/Conversations/${sid}`,
      `POST /v2/Conversations/${sid}/Communications`,
    ]);
  });
});

describe('Conversation.metadata reads', () => {
  it('is the upstream’s object; one outside the read bounds (65 entries, a number) reads as null, the rest of the conversation intact', async () => {
    const cases: [string, unknown, unknown][] = [
      ['conv_conversation_01jmetaokmetaokmetaokmetao', { zendesk_ticket_id: 'TKT-456' }, { zendesk_ticket_id: 'TKT-456' }],
      ['conv_conversation_01jmetamanymetamanymetaman', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])), null],
      ['conv_conversation_01jmetanumbermetanumbermet', { count: 5 }, null],
      ['conv_conversation_01jmetamissingmetamissingm', undefined, null],
    ];
    for (const [id, metadata, expected] of cases) {
      stack.emulator.data.insertRaw(ACCOUNT_SID, 'conversations', {
        id,
        accountId: ACCOUNT_SID,
        configurationId: CONFIGURATION_SID,
        name: id,
        status: 'ACTIVE',
        metadata,
      });
      expect(await read(id)).toMatchObject({ sid: id, name: id, status: 'ACTIVE', metadata: expected });
    }
  });
});
