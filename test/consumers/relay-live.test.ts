// A Relay app's live thread (issue 11 item 9): test/consumers/relay/LiveMessages.tsx, a useSubscription
// document with @appendEdge on Subscription.communicationAdded, compiled by the real relay-compiler.
// The artifact must hold the store updater (the appendEdge handle on the subscription field, fed
// $connections); the operation text must run against the facade over both transports a Relay network
// layer uses for subscriptions (Server-Sent Events and graphql-ws), with what the updater relies on: a
// pushed edge is the node the connection holds next, its cursor is where loadNext goes on, and
// subscribing again with `after` delivers exactly what was missed; the generated types must accept
// right use and reject wrong use under tsc. (relay-runtime itself is not a dependency: the store
// applying the edge is Relay's code, what it is fed is ours.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications } from '../helpers/seed.ts';
import { SseStream } from '../helpers/sse.ts';
import { startStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/websocket.ts';
import { hookedConversation } from '../live/full-path.ts';
import { compileRelayProject, typecheck, type RelayProject } from './relay-project.ts';

let work: string;
let project: RelayProject;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'consumers-relay-live-'));
  project = compileRelayProject(work);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

type Edge = { cursor: string; node: { id: string; sid: string; content: { __typename: string; text?: string } } };
type Page = { edges: Edge[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };

describe('relay-compiler on the live subscription', () => {
  it('compiles communicationAdded with @appendEdge: the appendEdge handle on the subscription field, fed $connections; the text sent has neither', () => {
    const subscription = project.artifact('LiveMessagesSubscription');
    expect(subscription).toContain('"operationKind": "subscription"');
    expect(subscription).toMatch(
      /"handle": "appendEdge",\s*"key": "",\s*"kind": "LinkedHandle",\s*"name": "communicationAdded",\s*"handleArgs": \[\s*\{\s*"kind": "Variable",\s*"name": "connections",\s*"variableName": "connections"/,
    );
    expect(subscription).toContain(
      'export type LiveMessagesSubscription$variables = {\n  after?: string | null | undefined;\n  connections: ReadonlyArray<string>;\n  sid: string;\n};',
    );
    const text = project.operationText('LiveMessagesSubscription');
    expect(text).toMatch(/^subscription LiveMessagesSubscription\(\n {2}\$sid: String!\n {2}\$after: String\n\) \{/);
    expect(text).not.toMatch(/@appendEdge|\$connections/);
  });

  it('runs against the facade as a Relay network layer would, over SSE and graphql-ws: the pushed edge is what the connection holds next, its cursor where loadNext goes on, and a resubscribe with after delivers exactly what was missed', async () => {
    const stack = await startStack();
    const client = connect(stack.url);
    try {
      const send = async <T>(name: string, variables: Record<string, unknown>): Promise<T> => {
        const response = await stack.graphql(project.operationText(name), variables);
        expect(response.errors, `${name} ${JSON.stringify(variables)}`).toBeUndefined();
        return response.data as T;
      };
      // A thread whose status callbacks reach the facade (as the demo configuration's do under npm start).
      const sid = hookedConversation(stack, 'Relay live thread');
      seedCommunications(stack.emulator, sid, 4);
      await stack.emulator.webhooks.idle();
      const { conversation } = await stack
        .graphql<{ conversation: { id: string } }>('query ($sid: String!) { conversation(sid: $sid) { id } }', { sid })
        .then((r) => r.data!);
      const connections = [`client:${conversation.id}:__ConversationCommunications_communications_connection(channelId:null)`];
      const screen = await send<{ node: { communications: Page } }>('ConversationScreenQuery', { id: conversation.id });
      expect(screen.node.communications.edges.map((edge) => edge.node.content.text)).toEqual([
        'message 0',
        'message 1',
        'message 2',
        'message 3',
      ]);

      // useSubscription from where the screen ends (its endCursor), over each transport. Relay sends
      // every variable, $connections included; the server ignores the one the text does not declare.
      const variables = { sid, after: screen.node.communications.pageInfo.endCursor, connections };
      const sse = await SseStream.open(stack.url, project.operationText('LiveMessagesSubscription'), variables);
      expect(sse.status).toBe(200);
      const pushedOverWs: Array<{ data?: unknown }> = [];
      let announce: () => void = () => {};
      const firstOverWs = new Promise<void>((resolve) => (announce = resolve));
      const ws = subscribe(client, { query: project.operationText('LiveMessagesSubscription'), variables }, (result) => {
        pushedOverWs.push(result);
        announce();
      });
      // Both listen (the SSE answer's headers come after its listener opened; graphql-ws's, polled).
      await expect.poll(() => stack.live.subscribers.listening, { timeout: 5000 }).toBe(2);

      const sent = await send<{ createCommunication: { communicationEdge: Edge } }>('SendMessageMutation', {
        input: {
          conversationSid: sid,
          author: { address: '+15005550001', channel: 'SMS' },
          recipients: [{ address: '+15005550002', channel: 'SMS' }],
          content: { text: { text: 'pushed to Relay' } },
        },
        connections,
      });
      const pushed = (await sse.next(10_000)).data.communicationAdded as Edge;
      expect(pushed.node).toEqual({
        ...sent.createCommunication.communicationEdge.node,
        occurredAt: expect.any(String),
        author: { address: '+15005550001', channel: 'SMS' },
      });
      await firstOverWs;
      expect(pushedOverWs).toEqual([{ data: { communicationAdded: { ...pushed, cursor: expect.any(String) } } }]);

      // What @appendEdge put at the end is what a fresh read of the connection has last, and paging
      // on from its cursor (loadNext) finds nothing newer: the screen and the server agree.
      const base = { id: conversation.id, channelId: null };
      const newest = await send<{ node: { communications: Page } }>('ConversationCommunicationsPaginationQuery', {
        ...base,
        last: 1,
        before: null,
        first: null,
        after: null,
      });
      expect(newest.node.communications.edges.map((edge) => edge.node.id)).toEqual([pushed.node.id]);
      for (const cursor of [pushed.cursor, (pushedOverWs[0] as { data: { communicationAdded: Edge } }).data.communicationAdded.cursor]) {
        const next = await send<{ node: { communications: Page } }>('ConversationCommunicationsPaginationQuery', {
          ...base,
          first: 5,
          after: cursor,
          last: null,
          before: null,
        });
        expect(next.node.communications).toMatchObject({ edges: [], pageInfo: { hasNextPage: false } });
      }

      // Offline: the app drops the stream; two messages arrive meanwhile. Resubscribing with the last
      // cursor it stored gets exactly those two, in order, then nothing more.
      sse.close();
      seedCommunications(stack.emulator, sid, 2, { prefix: 'while away' });
      await stack.emulator.webhooks.idle();
      const resumed = await SseStream.open(stack.url, project.operationText('LiveMessagesSubscription'), {
        ...variables,
        after: pushed.cursor,
      });
      try {
        const missed = [await resumed.next(10_000), await resumed.next(10_000)].map(
          (payload) => (payload.data.communicationAdded as Edge).node.content.text,
        );
        expect(missed).toEqual(['while away 0', 'while away 1']);
        expect(resumed.pending).toBe(0);
      } finally {
        resumed.close();
      }
      ws.cancel();
      await ws.outcome;
    } finally {
      await client.dispose();
      await stack.close();
    }
  });

  it('gives an app types that accept right use and reject wrong use (tsc)', () => {
    writeFileSync(
      join(project.dir, 'live.ts'),
      `import type { LiveMessagesSubscription$data, LiveMessagesSubscription$variables } from './__generated__/LiveMessagesSubscription.graphql.ts';
const connections = ['client:Q29udmVyc2F0aW9u:__ConversationCommunications_communications_connection(channelId:null)'];
export const live: LiveMessagesSubscription$variables = { sid: 'conv_conversation_1', after: null, connections };
export const resume: LiveMessagesSubscription$variables = { sid: 'conv_conversation_1', after: 'cursor', connections };
// @ts-expect-error @appendEdge needs the connections to append to
export const noConnections: LiveMessagesSubscription$variables = { sid: 'conv_conversation_1' };
// @ts-expect-error the conversation is required
export const noSid: LiveMessagesSubscription$variables = { connections };
export const lastCursor = (data: LiveMessagesSubscription$data): string => data.communicationAdded.cursor;
export const text = (data: LiveMessagesSubscription$data): string | null =>
  data.communicationAdded.node.content.__typename === 'TextContent' ? data.communicationAdded.node.content.text : null;
// @ts-expect-error only what the subscription selects is there
export const unselected = (data: LiveMessagesSubscription$data) => data.communicationAdded.node.recipients;
`,
    );
    const check = typecheck(project.dir, 'live.ts');
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});
