// GraphiQL's default tabs, outside a browser (test/browser/graphiql.test.ts clicks them in one):
// every tab's document and variables are valid against the schema, and every tab runs as it opens
// over HTTP against the demo data, in any order and twice, with exactly the upstream calls it should
// cost; the live tab subscribes over SSE as GraphiQL sends it (a GET), receives what the send tab
// sends, and resumes from a cursor. And the tabs' idempotency keys are never shared — not with the README's examples (everyone
// who ran either would send the same key, so against one account a stranger's run could replay, or
// conflict with, yours), not between starts, and not between tabs (the upstream binds a key to one
// request: a second tab with the same key would be a CONFLICT).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getVariableValues, parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIGURATION_ID, DEMO_CONVERSATIONS, DEMO_LONG_CONVERSATION, demoExample } from '../src/emulator/index.ts';
import { graphiqlTabs } from '../src/graphiql.ts';
import { schema } from '../src/schema/index.ts';
import { SseStream } from './helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from './helpers/stack.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The key the README and the tab both used to carry. */
const FORMERLY_SHARED = '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11';
/** The tabs in their order: a query, the live subscription, then the write flows. */
const OPERATIONS = ['LatestCommunications', 'LiveThread', 'SendMessage', 'OpenConversation', 'AddAgent', 'CloseConversation'];
const LIVE_TAB = 1;
const MUTATION_TABS = [2, 3, 4, 5];

type Tabs = ReturnType<typeof graphiqlTabs>;
const inputOf = (tabs: Tabs, index: number) => (JSON.parse(tabs[index]!.variables) as { input: Record<string, unknown> }).input;
const keysOf = (tabs: Tabs) => MUTATION_TABS.map((index) => inputOf(tabs, index).idempotencyKey as string);
const operationOf = (document: string) => parse(document).definitions[0] as OperationDefinitionNode;

describe('idempotency keys of the examples', () => {
  it('every mutation tab gets a fresh UUID each start, its own, never one of the README’s examples', () => {
    const keys = Array.from({ length: 3 }, () => keysOf(graphiqlTabs(undefined))).flat();
    expect(keys).toHaveLength(12);
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(12);
    const readmeKeys = [...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(/idempotencyKey: "([^"]+)"/g)].map(
      (match) => match[1]!,
    );
    expect(readmeKeys.length).toBeGreaterThanOrEqual(1);
    for (const key of readmeKeys) expect(key).toMatch(UUID);
    expect(new Set(readmeKeys).size).toBe(readmeKeys.length);
    expect(readmeKeys).not.toContain(FORMERLY_SHARED);
    for (const key of keys) expect(readmeKeys).not.toContain(key);
    expect(keys).not.toContain(FORMERLY_SHARED);
  });

  it('one start, one key per tab: each tab runs twice with the same key, which is what shows the replay', () => {
    let made = 0;
    const tabs = graphiqlTabs(undefined, () => `0b6f1f4e-58a4-4d0e-9a53-1f7c2f7d9e2${made++}`);
    expect(made).toBe(4);
    expect(keysOf(tabs)).toEqual([0, 1, 2, 3].map((n) => `0b6f1f4e-58a4-4d0e-9a53-1f7c2f7d9e2${n}`));
    expect(tabs[2]!.query).toMatch(/Run it twice/);
    expect(tabs[3]!.query).toMatch(/Run it twice/);
    expect(tabs[4]!.query).toMatch(/Run it twice/);
  });
});

describe('the default tabs’ documents', () => {
  it.each([
    ['the demo data', () => graphiqlTabs(demoExample())],
    ['a configured upstream (placeholders to fill in)', () => graphiqlTabs(undefined)],
  ])('are valid against the schema, one operation each, with variables of the right types (%s)', (_, make) => {
    const tabs = make();
    expect(tabs.map((tab) => operationOf(tab.query).name?.value)).toEqual(OPERATIONS);
    for (const tab of tabs) {
      const document = parse(tab.query);
      expect(document.definitions).toHaveLength(1);
      expect(validate(schema, document).map((error) => error.message)).toEqual([]);
      const coerced = getVariableValues(
        schema,
        operationOf(tab.query).variableDefinitions ?? [],
        JSON.parse(tab.variables) as Record<string, unknown>,
      );
      expect(coerced.errors?.map((error) => error.message) ?? []).toEqual([]);
    }
    expect(tabs.map((tab) => operationOf(tab.query).operation)).toEqual([
      'query',
      'subscription',
      'mutation',
      'mutation',
      'mutation',
      'mutation',
    ]);
  });
});

describe('the default tabs on the demo data, over HTTP', () => {
  let stack: Stack;
  const example = demoExample();
  const tabs = graphiqlTabs(example);

  beforeAll(async () => {
    // The demo data in the test account: the stack's server-held credentials are ACCOUNT_SID's.
    stack = await startStack({
      emulator: { seedDemoData: true, demoAccountSid: ACCOUNT_SID, demoAuthToken: AUTH_TOKEN },
      facade: { graphiql: { defaultTabs: tabs } },
    });
    // As npm start does in embedded mode: the demo configuration's status callbacks come to the facade.
    stack.emulator.webhooks.setDemoStatusCallback(stack.webhookUrl);
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Runs tab `index` as GraphiQL sends it (the first tab without variables: GraphiQL drops them, graphql/graphiql#3392). */
  async function runTab(index: number) {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(
      tabs[index]!.query,
      index === 0 ? undefined : (JSON.parse(tabs[index]!.variables) as Record<string, unknown>),
    );
    expect(response.status).toBe(200);
    expect(response.errors, OPERATIONS[index]).toBeUndefined();
    const calls = stack
      .takeUpstreamCalls()
      .map((call) => `${call.method} ${call.path}${call.idempotencyKey ? ` key=${call.idempotencyKey}` : ''}`);
    return { data: response.data as Record<string, any>, calls };
  }

  it('each runs as it opens, last tab first and then twice more: no errors, no userErrors, the replays answer the same', async () => {
    const [sendKey, openKey, joinKey, closeKey] = keysOf(tabs);
    // Closing first: the close tab's conversation is none the other tabs use, so they all still run.
    const closed = await runTab(5);
    expect(closed.calls).toEqual([`PATCH /v2/Conversations/${example.conversationToCloseSid} key=${closeKey}`]);
    expect(closed.data.updateConversation).toEqual({
      conversation: {
        sid: DEMO_CONVERSATIONS.voiceBilling,
        name: 'Billing call - duplicate charge',
        status: 'CLOSED',
        metadata: { call_reason: 'billing', resolution: 'refund-issued' },
        updatedAt: expect.any(String),
      },
      userErrors: [],
      clientMutationId: 'graphiql-close',
    });

    const joined = await runTab(4);
    expect(joined.calls).toEqual([
      `POST /v2/Conversations/${DEMO_LONG_CONVERSATION}/Participants key=${joinKey}`,
      `GET /v2/Conversations/${DEMO_LONG_CONVERSATION}`,
    ]);
    expect(joined.data.addParticipant).toEqual({
      participant: {
        sid: expect.stringMatching(/^conv_participant_/),
        name: 'Ravi Shah',
        type: 'HUMAN_AGENT',
        addresses: [{ address: '+18005550177', channel: 'SMS' }],
        conversation: { name: 'Internet outage - ticket #7731', status: 'ACTIVE' },
      },
      participantEdge: { cursor: expect.any(String) },
      userErrors: [],
      clientMutationId: 'graphiql-join',
    });

    const opened = await runTab(3);
    expect(opened.calls).toEqual([`POST /v2/Conversations key=${openKey}`]);
    expect(opened.data.createConversation).toEqual({
      conversation: {
        sid: expect.stringMatching(/^conv_conversation_/),
        name: 'Follow-up visit - ticket #7731',
        status: 'ACTIVE',
        configurationSid: DEMO_CONFIGURATION_ID,
        metadata: { ticket: '7731', visit: 'router-swap' },
        createdAt: expect.any(String),
      },
      conversationEdge: { cursor: expect.any(String) },
      userErrors: [],
      clientMutationId: 'graphiql-open',
    });

    const sent = await runTab(2);
    expect(sent.calls).toEqual([`POST /v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications key=${sendKey}`]);
    expect(sent.data.createCommunication).toMatchObject({
      communication: { sid: expect.stringMatching(/^conv_communication_/), content: { text: 'Hello from GraphiQL!' } },
      userErrors: [],
      clientMutationId: 'graphiql-1',
    });

    const read = await runTab(0);
    // The conversation, one page of communications, one participant list for every author (arrival order varies).
    expect([...read.calls].sort()).toEqual([
      `GET /v2/Conversations/${DEMO_LONG_CONVERSATION}`,
      `GET /v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`,
      `GET /v2/Conversations/${DEMO_LONG_CONVERSATION}/Participants`,
    ]);
    expect(read.data.conversation).toMatchObject({ name: 'Internet outage - ticket #7731', status: 'ACTIVE' });
    const edges = read.data.conversation.communications.edges as Array<{ node: { content: { text?: string } } }>;
    expect(edges).toHaveLength(10);
    expect(edges.at(-1)!.node.content.text).toBe('Hello from GraphiQL!');

    // Run again, as the tabs' comments invite: the creates replay (the same objects, one upstream call
    // each, nothing new created), the close leaves the same state.
    for (const [index, first] of [
      [2, sent],
      [3, opened],
      [4, joined],
    ] as const) {
      const again = await runTab(index);
      expect(again.data).toEqual(first.data);
      expect(again.calls[0]).toBe(first.calls[0]);
    }
    const closedAgain = await runTab(5);
    expect(closedAgain.calls).toEqual(closed.calls);
    expect({ ...closedAgain.data.updateConversation.conversation, updatedAt: null }).toEqual({
      ...closed.data.updateConversation.conversation,
      updatedAt: null,
    });
    const participants = await stack.graphql<{ conversation: { participants: { nodes: Array<{ name: string }> } } }>(
      'query ($sid: String!) { conversation(sid: $sid) { participants(first: 50) { nodes { name } } } }',
      { sid: DEMO_LONG_CONVERSATION },
    );
    expect(participants.data!.conversation.participants.nodes.filter((node) => node.name === 'Ravi Shah')).toHaveLength(1);
  });

  /** The send tab's variables with a key of its own: a new message, as the tab's comment says. */
  const newMessage = (text: string) => ({ input: { ...inputOf(tabs, 2), idempotencyKey: randomUUID(), content: { text: { text } } } });

  it('the live tab subscribes over SSE as GraphiQL sends it (GET, its variables) and shows the message the send tab sends', async () => {
    const live = tabs[LIVE_TAB]!;
    stack.takeUpstreamCalls();
    const stream = await SseStream.open(stack.url, live.query, JSON.parse(live.variables) as Record<string, unknown>, { method: 'GET' });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // Subscribing: the access check (the conversation) and where its list ends now (its last page).
      expect(
        stack
          .takeUpstreamCalls()
          .map((call) => `${call.method} ${call.path}`)
          .sort(),
      ).toEqual([`GET /v2/Conversations/${DEMO_LONG_CONVERSATION}`, `GET /v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`]);
      const sent = await stack.graphql(tabs[2]!.query, newMessage('Seen live in GraphiQL'));
      expect(sent.errors).toBeUndefined();
      const communication = sent.data.createCommunication.communication as { sid: string };
      const { data, errors } = await stream.next(10_000);
      expect(errors).toBeUndefined();
      expect(data.communicationAdded).toEqual({
        cursor: expect.any(String),
        node: {
          sid: communication.sid,
          occurredAt: expect.any(String),
          author: { address: example.author.address, channel: example.author.channel },
          content: { __typename: 'TextContent', text: 'Seen live in GraphiQL' },
        },
      });
      expect(stream.pending).toBe(0);
    } finally {
      stream.close();
    }
  });

  it('the live tab resumes: with "after" set to the last cursor seen, what was sent meanwhile arrives first, then the live ones', async () => {
    const live = tabs[LIVE_TAB]!;
    const variables = JSON.parse(live.variables) as { sid: string; after: string | null };
    expect(variables.after).toBeNull();
    const first = await SseStream.open(stack.url, live.query, variables, { method: 'GET' });
    await stack.graphql(tabs[2]!.query, newMessage('before the break'));
    const seen = (await first.next(10_000)).data.communicationAdded as { cursor: string; node: { content: { text: string } } };
    expect(seen.node.content.text).toBe('before the break');
    first.close();
    // Away: two messages nobody is subscribed to.
    for (const text of ['while away 1', 'while away 2'])
      expect((await stack.graphql(tabs[2]!.query, newMessage(text))).errors).toBeUndefined();
    const resumed = await SseStream.open(stack.url, live.query, { ...variables, after: seen.cursor }, { method: 'GET' });
    try {
      const caughtUp = [await resumed.next(10_000), await resumed.next(10_000)].map(
        (payload) => payload.data.communicationAdded.node.content.text,
      );
      expect(caughtUp).toEqual(['while away 1', 'while away 2']);
      await stack.graphql(tabs[2]!.query, newMessage('back, live'));
      expect((await resumed.next(10_000)).data.communicationAdded.node.content.text).toBe('back, live');
      expect(resumed.pending).toBe(0);
    } finally {
      resumed.close();
    }
  });

  it('serves GraphiQL with subscriptions over SSE and the tab fix, and the live tab among its tabs', async () => {
    const page = await fetch(stack.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('"subscriptionsProtocol":"SSE"');
    expect(html).toContain('subscription LiveThread(');
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toContain('.graphiql-tab { transform: none !important; }');
  });
});
