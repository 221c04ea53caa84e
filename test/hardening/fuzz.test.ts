// Property: whatever document, variables, headers and body shape a caller sends, the facade
// answers with a client error or data: never a 5xx, an internal error, a hang or a leaked secret.
import fc from 'fast-check';
import {
  getNamedType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { readBounded, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';
import { schema } from '../../src/schema/index.ts';

let stack: Stack;
let sid: string;
let cursor: string;
let secrets: string[];

beforeAll(async () => {
  stack = await startStack();
  sid = seedConversation(stack.emulator, 'fuzz');
  seedCommunications(stack.emulator, sid, 40);
  const page = await stack.graphql(
    `query ($sid: String!) { conversation(sid: $sid) { communications(first: 3) { pageInfo { endCursor } } } }`,
    { sid },
  );
  cursor = page.data.conversation.communications.pageInfo.endCursor;
  const upstream = new URL(stack.emulator.url);
  const serverAuthorization = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
  secrets = [AUTH_TOKEN, serverAuthorization, upstream.host, `:${upstream.port}/`, 'node_modules', 'at async', '.ts:', 'test-secret'];
});

afterAll(() => stack.close());

const graphqlString = (value: string) => JSON.stringify(value);

/** Argument values by argument name: mostly plausible, often hostile. */
function argumentValue(name: string): fc.Arbitrary<string> {
  const junk = fc.oneof(fc.string({ maxLength: 30 }).map(graphqlString), fc.constantFrom('null', '-1', '[]', '{}', '$v', '$missing'));
  const size = fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -5, max: 1500 })).map(String);
  const cursors = fc.oneof(
    fc.constant(null).map(() => graphqlString(cursor)),
    fc.constant(null).map(() => graphqlString(`${cursor.slice(0, -3)}AAA`)),
    fc.base64String({ maxLength: 60 }).map(graphqlString),
  );
  const sids = fc.oneof(
    fc.constant(null).map(() => graphqlString(sid)),
    fc.stringMatching(/^conv_[a-z_0-9]{0,40}$/).map(graphqlString),
    fc.string({ maxLength: 20 }).map(graphqlString),
  );
  const ids = fc.oneof(
    fc.constant(null).map(() => graphqlString(Buffer.from(`Conversation:${sid}`).toString('base64url'))),
    fc.string({ maxLength: 40 }).map((text) => graphqlString(Buffer.from(text).toString('base64url'))),
  );
  const pools: Record<string, fc.Arbitrary<string>> = {
    first: size,
    last: size,
    after: cursors,
    before: cursors,
    sid: sids,
    conversationSid: sids,
    id: ids,
    ids: fc.array(ids, { maxLength: 5 }).map((list) => `[${list.join(', ')}]`),
    status: fc.subarray(['ACTIVE', 'INACTIVE', 'CLOSED']).map((list) => `[${list.join(', ')}]`),
    channelId: fc.string({ maxLength: 10 }).map(graphqlString),
    input: fc
      .record({
        conversationSid: sids,
        text: fc.string({ maxLength: 40 }).map(graphqlString),
        channel: fc.constantFrom('SMS', 'SMS', 'VOICE', 'UNKNOWN'),
        recipients: fc.integer({ min: 0, max: 2 }),
        key: fc.oneof(fc.uuid().map(graphqlString), fc.string({ maxLength: 8 }).map(graphqlString)),
      })
      .map(
        (i) =>
          `{conversationSid: ${i.conversationSid}, author: {address: "+15005550001", channel: ${i.channel}}, recipients: [${Array(i.recipients).fill(`{address: "+15005550002", channel: SMS}`).join(', ')}], content: {text: {text: ${i.text}}}, idempotencyKey: ${i.key}}`,
      ),
  };
  return fc.oneof({ weight: 9, arbitrary: pools[name] ?? junk }, { weight: 1, arbitrary: junk });
}

/** The arguments of a field: required ones always (so documents reach the resolvers), others sometimes. */
function argumentsFor(args: readonly GraphQLArgument[]): fc.Arbitrary<string> {
  if (args.length === 0) return fc.constant('');
  const parts = args.map((arg) => {
    const pair = argumentValue(arg.name).map((value) => `${arg.name}: ${value}`);
    return isNonNullType(arg.type) ? pair : fc.option(pair, { nil: '', freq: 2 });
  });
  return fc.tuple(...parts).map((pairs) => {
    const given = pairs.filter(Boolean);
    return given.length ? `(${given.join(', ')})` : '';
  });
}

const selections = new Map<string, fc.Arbitrary<string>>();

/** A selection set for a type of the real schema, a few levels deep, with real and bogus fields (memoised: building arbitraries is the slow part). */
function selectionFor(type: GraphQLNamedType, depth: number): fc.Arbitrary<string> {
  const key = `${type.name}/${depth}`;
  const known = selections.get(key);
  if (known) return known;
  let built: fc.Arbitrary<string>;
  if (isUnionType(type) || isInterfaceType(type)) {
    const members = (isUnionType(type) ? type.getTypes() : schema.getPossibleTypes(type)) as readonly GraphQLObjectType[];
    built = fc
      .tuple(
        ...members.map((member) =>
          fc.option(
            selectionFor(member, depth).map((sel) => `... on ${member.name}${sel}`),
            { nil: '' },
          ),
        ),
      )
      .map((fragments) => ` { __typename ${fragments.join(' ')} }`);
  } else if (!isObjectType(type)) {
    built = fc.constant('');
  } else {
    const fields = Object.values(type.getFields()).map((definition) => {
      const named = getNamedType(definition.type);
      const leaf = !isObjectType(named) && !isUnionType(named) && !isInterfaceType(named);
      if (!leaf && depth <= 0) return fc.constant('__typename');
      // A unique alias now and then: repeated fields never conflict, and the alias limit is rarely hit.
      return fc
        .tuple(
          fc.option(fc.nat({ max: 1_000_000_000 }), { freq: 2 }),
          argumentsFor(definition.args),
          leaf ? fc.constant('') : selectionFor(named, depth - 1),
        )
        .map(([alias, args, sub]) => `${alias === null ? '' : `a${alias}: `}${definition.name}${args}${sub}`);
    });
    built = fc
      .array(fc.oneof({ weight: 100, arbitrary: fc.oneof(...fields) }, { weight: 1, arbitrary: fc.constantFrom('bogus', '...F') }), {
        minLength: 1,
        maxLength: 3,
      })
      .map((list) => ` { ${list.join(' ')} }`);
  }
  selections.set(key, built);
  return built;
}

const documentText = fc.oneof(
  { weight: 6, arbitrary: selectionFor(schema.getQueryType()!, 3).map((body) => `query Op${body}`) },
  { weight: 2, arbitrary: selectionFor(schema.getMutationType()!, 2).map((body) => `mutation${body}`) },
  // Over SSE a valid one streams until the client leaves: read bounded, below.
  { weight: 1, arbitrary: selectionFor(schema.getSubscriptionType()!, 2).map((body) => `subscription${body}`) },
  { weight: 1, arbitrary: selectionFor(schema.getQueryType()!, 3).map((body) => body.slice(0, Math.max(1, body.length - 9))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** Undefined nine times in ten. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const request = fc.record({
  query: documentText,
  variables: rarely(fc.dictionary(fc.constantFrom('v', 'sid', 'input', 'first'), fc.jsonValue({ maxDepth: 2 }))),
  operationName: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('Op', 'Nope', '') }),
  accept: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/event-stream'),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/graphql') },
  ),
  authorization: rarely(
    fc.oneof(
      fc.constantFrom('Basic', 'Basic !!', 'Bearer x'),
      fc.string({ maxLength: 20 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    ),
  ),
  rawBody: rarely(fc.oneof(fc.string({ maxLength: 100 }), fc.constant('{"query": 5}'), fc.constant('[]'), fc.constant('null'))),
});

describe('random requests', () => {
  it('never get a 5xx, an internal error, a hang or a leaked secret', async () => {
    let executed = 0;
    let streamed = 0;
    stack.takeUpstreamCalls();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers: Record<string, string> = { 'content-type': input.contentType, accept: input.accept };
        if (input.authorization) headers.authorization = input.authorization;
        const body =
          input.rawBody ?? JSON.stringify({ query: input.query, variables: input.variables, operationName: input.operationName });
        const response = await fetch(stack.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        const text = await readBounded(response);
        if (response.headers.get('content-type')?.startsWith('text/event-stream')) streamed++;
        expect(response.status).toBeLessThan(500);
        for (const secret of secrets) expect(text).not.toContain(secret);
        expect(text).not.toContain('INTERNAL_SERVER_ERROR');
        // JSON, or JSON in the data lines of an event stream.
        const payloads = text.startsWith('{')
          ? [text]
          : text
              .split('\n')
              .filter((line) => line.startsWith('data: {'))
              .map((line) => line.slice(6));
        for (const payload of payloads) {
          const parsed = JSON.parse(payload) as { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
          if (parsed.data) executed++;
          for (const error of parsed.errors ?? []) expect(typeof error.extensions?.code).toBe('string');
        }
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 90_000 },
    );
    // The generator must keep reaching the resolvers and the upstream, or the property proves little.
    expect(executed).toBeGreaterThan(150);
    expect(stack.takeUpstreamCalls().length).toBeGreaterThan(100);
    // Subscriptions were answered as streams too, and every one ended when its client left.
    expect(streamed).toBeGreaterThan(0);
    await waitFor(() => stack.live.subscribers.listening === 0, 'every subscription to end');
    // Still standing.
    expect((await stack.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  }, 120_000);
});
