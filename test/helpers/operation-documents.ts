// fast-check generators of GraphQL requests built from the real schema, for the differential test
// of operation selection: documents with several operations (queries and mutations), named
// fragments, variables (some with defaults), aliases and @include/@skip, and requests that name
// one of the operations, another, none or an unknown one. Mostly valid, so execution is reached;
// mutations always carry a conversationSid the facade refuses before any upstream call.
import fc from 'fast-check';
import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLNamedType,
} from 'graphql';
import { schema } from '../../src/schema/index.ts';

/** Real values from the seeded emulator, read in the test's beforeAll. */
export interface Fixtures {
  conversationSids: string[];
  communicationSids: string[];
  nodeIds: string[];
  cursors: string[];
}

export interface GeneratedRequest {
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  method: 'GET' | 'POST';
}

export interface GeneratedCase {
  query: string;
  requests: GeneratedRequest[];
  /** Indexes into `requests`: each twice, shuffled — the order the compiled facade sees them. */
  order: number[];
}

const OPERATION_NAMES = ['O0', 'O1', 'O2'];
const VARIABLE_TYPES: Record<string, string> = {
  sid: 'String!',
  n: 'Int!',
  yes: 'Boolean!',
  cursor: 'String',
  input: 'CreateCommunicationInput!',
};
/** The types that get a named fragment `F_<Type>` a selection may spread. */
const FRAGMENT_TYPES = ['Query', 'Conversation', 'Communication', 'Participant', 'CommunicationAddress'];
const VARIABLE_DEFAULTS: Record<string, string> = { n: '2', yes: 'true', cursor: 'null' };

const json = (value: unknown) => JSON.stringify(value);

export function requestCases(fixtures: Fixtures): fc.Arbitrary<GeneratedCase> {
  const sidLiteral = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fixtures.conversationSids, ...fixtures.communicationSids) },
    { weight: 1, arbitrary: fc.constantFrom('conv_conversation_unknown', 'bad sid!') },
  );
  const ARGUMENTS: Record<string, fc.Arbitrary<string>> = {
    first: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }).map(String) },
      { weight: 4, arbitrary: fc.constant('$n') },
      { weight: 1, arbitrary: fc.constantFrom('0', '1001') },
    ),
    last: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }).map(String) }, { weight: 4, arbitrary: fc.constant('$n') }),
    after: fc.oneof(fc.constant('$cursor'), fc.constantFrom(...fixtures.cursors).map(json), fc.constant('"garbage"')),
    before: fc.oneof(fc.constant('$cursor'), fc.constantFrom(...fixtures.cursors).map(json)),
    sid: fc.oneof(fc.constant('$sid'), sidLiteral.map(json)),
    id: fc.constantFrom(...fixtures.nodeIds, 'bm9wZQ').map(json),
    ids: fc.array(fc.constantFrom(...fixtures.nodeIds, 'bm9wZQ'), { maxLength: 3 }).map(json),
    status: fc.subarray(['ACTIVE', 'INACTIVE', 'CLOSED']).map((list) => `[${list.join(', ')}]`),
    channelId: fc.constantFrom('"ch-0"', 'null'),
    input: fc.oneof(fc.constant('$input'), rejectedInput().map(inputLiteral)),
  };
  const directive = fc.constantFrom('', '', '', '', ' @include(if: $yes)', ' @skip(if: $yes)', ' @include(if: false)', ' @skip(if: false)');

  function argumentsOf(args: readonly GraphQLArgument[]): fc.Arbitrary<string> {
    if (args.length === 0) return fc.constant('');
    const parts = args.map((arg) => {
      const pair = (ARGUMENTS[arg.name] ?? fc.constant('null')).map((value) => `${arg.name}: ${value}`);
      return isNonNullType(arg.type) ? pair : fc.option(pair, { nil: '', freq: 2 });
    });
    return fc.tuple(...parts).map((pairs) => (pairs.some(Boolean) ? `(${pairs.filter(Boolean).join(', ')})` : ''));
  }

  const memo = new Map<string, fc.Arbitrary<string>>();
  /** A selection set on `type`; `spreads`: may use the named fragment `F_<Type>` (defined by the case). */
  function selection(type: GraphQLNamedType, depth: number, spreads: boolean): fc.Arbitrary<string> {
    const key = `${type.name}/${depth}/${spreads}`;
    const known = memo.get(key);
    if (known) return known;
    let built: fc.Arbitrary<string>;
    if (isUnionType(type) || isInterfaceType(type)) {
      const members = isUnionType(type) ? type.getTypes() : schema.getPossibleTypes(type);
      built = fc
        .tuple(
          ...members.map((member) =>
            fc.option(
              fc.tuple(directive, selection(member, depth, spreads)).map(([dir, sub]) => `... on ${member.name}${dir}${sub}`),
              { nil: '' },
            ),
          ),
        )
        .map((fragments) => ` { __typename ${fragments.join(' ')} }`);
    } else if (!isObjectType(type)) {
      built = fc.constant('');
    } else {
      const fields = Object.values(type.getFields()).flatMap((field) => {
        // `$input` and the literal inputs are createCommunication's: other mutations would only ever be refused by validation.
        if (type === schema.getMutationType() && field.name !== 'createCommunication') return [];
        const named = getNamedType(field.type);
        if (!isLeafType(named) && depth <= 0) return [];
        const sub = isLeafType(named) ? fc.constant('') : selection(named, depth - 1, spreads);
        return [
          fc
            .tuple(fc.option(fc.nat({ max: 999_999 }), { freq: 3 }), argumentsOf(field.args), directive, sub)
            .map(([alias, args, dir, body]) => `${alias === null ? '' : `a${alias}: `}${field.name}${args}${dir}${body}`),
        ];
      });
      const items = [
        ...fields,
        fc.constant('__typename'),
        ...(spreads && FRAGMENT_TYPES.includes(type.name) ? [directive.map((dir) => `...F_${type.name}${dir}`)] : []),
      ];
      built = fc.array(fc.oneof(...items), { minLength: 1, maxLength: 3 }).map((list) => ` { ${list.join(' ')} }`);
    }
    memo.set(key, built);
    return built;
  }

  const fragmentBodies = fc.record(
    Object.fromEntries(FRAGMENT_TYPES.map((name) => [name, selection(schema.getType(name)!, 1, false)])) as Record<
      string,
      fc.Arbitrary<string>
    >,
  );
  const queryBody = selection(schema.getQueryType()!, 3, true);
  const mutationBody = selection(schema.getMutationType()!, 2, true);
  const operation = fc.record({
    kind: fc.oneof({ weight: 3, arbitrary: fc.constant('query' as const) }, { weight: 1, arbitrary: fc.constant('mutation' as const) }),
    query: queryBody,
    mutation: mutationBody,
    defaults: fc.subarray(Object.keys(VARIABLE_DEFAULTS)),
  });

  const document = fc
    .tuple(fc.array(operation, { minLength: 1, maxLength: 3 }), fragmentBodies, fc.boolean())
    .map(([operations, fragments, anonymous]) => {
      const fragmentText = (name: string) => `fragment F_${name} on ${name}${fragments[name]}`;
      const spread = (body: string) => FRAGMENT_TYPES.filter((name) => new RegExp(`\\.\\.\\.F_${name}\\b`).test(body));
      const definitions = operations.map((op, index) => {
        const body = op.kind === 'query' ? op.query : op.mutation;
        const used = new Set(
          [
            ...`${body} ${spread(body)
              .map((name) => fragments[name])
              .join(' ')}`.matchAll(/\$(\w+)/g),
          ].map((m) => m[1]!),
        );
        const declared = [...used].map((name) => {
          const fallback = op.defaults.includes(name) && VARIABLE_DEFAULTS[name] ? ` = ${VARIABLE_DEFAULTS[name]}` : '';
          return `$${name}: ${VARIABLE_TYPES[name] ?? 'String'}${fallback}`;
        });
        const header =
          operations.length === 1 && anonymous && op.kind === 'query' && declared.length === 0
            ? ''
            : `${op.kind} ${OPERATION_NAMES[index]}${declared.length ? `(${declared.join(', ')})` : ''}`;
        return `${header}${body}`;
      });
      const used = new Set(operations.flatMap((op) => spread(op.kind === 'query' ? op.query : op.mutation)));
      return { text: [...definitions, ...[...used].map(fragmentText)].join('\n'), names: OPERATION_NAMES.slice(0, operations.length) };
    });

  /** Now and then a value is left out: its default applies, or it is missing. */
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 12 });
  const variables = fc
    .record({
      sid: sometimes(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...fixtures.conversationSids) },
          { weight: 1, arbitrary: fc.constantFrom('conv_conversation_unknown', 'bad sid!', 7) },
        ),
      ),
      n: sometimes(
        fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1500, '2', null) }),
      ),
      yes: sometimes(fc.oneof({ weight: 12, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant('true') })),
      cursor: sometimes(fc.oneof(fc.constantFrom(...fixtures.cursors), fc.constant(null), fc.constant('garbage'))),
      input: sometimes(rejectedInput()),
      pad: fc.constant('unused variables are ignored'),
    })
    .map((all) => Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)));
  const request = (names: string[]) =>
    fc.record({
      operationName: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...names) },
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...OPERATION_NAMES, 'Nope', '') },
      ),
      variables: fc.option(variables, { nil: undefined, freq: 12 }),
      method: fc.oneof({ weight: 3, arbitrary: fc.constant('POST' as const) }, { weight: 1, arbitrary: fc.constant('GET' as const) }),
    });

  return document.chain(({ text, names }) =>
    fc.array(request(names), { minLength: 2, maxLength: 5 }).chain((requests) => {
      const twice = [...requests.keys(), ...requests.keys()];
      return fc.shuffledSubarray(twice, { minLength: twice.length }).map((order) => ({ query: text, requests, order }));
    }),
  );
}

interface RejectedInput {
  conversationSid: string;
  author: { address: string; channel: string };
  recipients: { address: string; channel: string }[];
  content: Record<string, unknown>;
  idempotencyKey?: string;
}

/** createCommunication input the facade refuses itself (never a valid conversation sid), with other faults at random. */
function rejectedInput(): fc.Arbitrary<RejectedInput> {
  return fc.record(
    {
      conversationSid: fc.constantFrom('bad sid!', 'not/a/sid', ''),
      author: fc.record({ address: fc.constantFrom('+15005550001', ' '), channel: fc.constantFrom('SMS', 'UNKNOWN') }),
      recipients: fc.array(fc.record({ address: fc.constantFrom('+15005550002', ''), channel: fc.constantFrom('SMS', 'WHATSAPP') }), {
        maxLength: 2,
      }),
      content: fc.constantFrom<Record<string, unknown>>({ text: { text: 'hi' } }, { transcription: { text: 'hi', confidence: 2 } }),
      idempotencyKey: fc.constantFrom('not-a-uuid', '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11'),
    },
    { requiredKeys: ['conversationSid', 'author', 'recipients', 'content'] },
  );
}

/** The same input as a GraphQL literal (enum values bare). */
function inputLiteral(input: RejectedInput): string {
  const literal = (value: unknown, key = ''): string => {
    if (Array.isArray(value)) return `[${value.map((item) => literal(item)).join(', ')}]`;
    if (value && typeof value === 'object')
      return `{${Object.entries(value)
        .map(([name, item]) => `${name}: ${literal(item, name)}`)
        .join(', ')}}`;
    return key === 'channel' ? String(value) : json(value);
  };
  return literal(input);
}
