// The cost verdict cache keys on the "cost shape" of the coerced variables (numbers and list
// lengths, no string content) instead of their JSON, so its keys stay small. That is only sound
// while the cost model reads nothing else: this property checks it against the real model —
// variables with the same shape always cost the same, and a different size is a different key.
import fc from 'fast-check';
import { getVariableValues, parse, validate, type OperationDefinitionNode } from 'graphql';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { costShape } from '../../src/server/query-limits.ts';

const document = parse(`
  query Costed($sid: String!, $n: Int, $m: Int, $ids: [ID!]!, $after: String, $status: [ConversationStatus!], $channel: String) {
    conversation(sid: $sid) {
      communications(first: $n, after: $after, channelId: $channel) { nodes { sid author { participant { name } } } }
      participants(last: $m) { nodes { name } }
    }
    nodes(ids: $ids) { id }
    conversations(first: $m, status: $status) { nodes { sid communications(last: $n) { nodes { sid } } } }
  }
`);
const operation = document.definitions[0] as OperationDefinitionNode;

function costOf(variables: Record<string, unknown>): number {
  let cost = -1;
  const rule = createComplexityRule({ variableValues: variables, operationName: 'Costed', context: {}, maxComplexity: Number.MAX_SAFE_INTEGER, onResult: (result) => (cost = result.complexity) });
  expect(validate(schema, document, [rule])).toEqual([]);
  return cost;
}

function shapeOf(variables: Record<string, unknown>): string | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  expect(coerced.errors).toBeUndefined();
  return costShape(coerced.coerced);
}

const size = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 1500 }));
const text = fc.string({ maxLength: 40 });
const variables = fc.record(
  {
    sid: text,
    n: size,
    m: size,
    ids: fc.array(text, { maxLength: 8 }),
    after: fc.option(text),
    status: fc.option(fc.subarray(['ACTIVE', 'INACTIVE', 'CLOSED'])),
    channel: fc.option(text),
  },
  { requiredKeys: ['sid', 'ids'] },
);
/** The same variables with every string replaced: what the shape says does not matter. */
const withOtherStrings = (values: Record<string, unknown>, other: string) =>
  JSON.parse(JSON.stringify(values), (key, value: unknown) => (typeof value === 'string' && key !== 'status' && !/^(ACTIVE|INACTIVE|CLOSED)$/.test(value) ? `${other}${value}` : value)) as Record<string, unknown>;

describe('cost shape of the variables', () => {
  it('variables of the same shape cost the same; another size is another shape', () => {
    fc.assert(
      fc.property(variables, text, (values, other) => {
        const same = withOtherStrings(values, other);
        expect(shapeOf(same)).toBe(shapeOf(values));
        expect(costOf(same)).toBe(costOf(values));
        const bigger = { ...values, n: typeof values.n === 'number' ? values.n + 1 : 7 };
        expect(shapeOf(bigger)).not.toBe(shapeOf(values));
        const moreIds = { ...values, ids: [...values.ids, 'x'] };
        expect(shapeOf(moreIds)).not.toBe(shapeOf(values));
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('a shape too long to keep is not cached (undefined), however large the variables', () => {
    expect(costShape({ ids: Array.from({ length: 5000 }, (_, i) => i) })).toBeUndefined();
    expect(costShape({ ids: Array.from({ length: 5000 }, () => 'x'.repeat(100)) })).toBeUndefined();
    expect(costShape({ ids: Array.from({ length: 100 }, () => 'x'.repeat(100_000)) })).toBe('{ids=[100×s]}');
  });
});
