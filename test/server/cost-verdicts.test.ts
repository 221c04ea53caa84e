// The cost verdict cache keys on the "cost shape" of the coerced variables (numbers, list
// lengths, cursor classes; no string's text) instead of their JSON, so its keys stay small. That
// is only sound while the cost model reads nothing else: this property checks it against the real
// model — variables of the same shape always cost the same, and another size is another key.
import fc from 'fast-check';
import { getVariableValues, parse, validate, type OperationDefinitionNode } from 'graphql';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { describe, expect, it } from 'vitest';
import { CursorCodec, type PagePosition } from '../../src/connections/cursor.ts';
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
  const rule = createComplexityRule({
    variableValues: variables,
    operationName: 'Costed',
    context: {},
    maxComplexity: Number.MAX_SAFE_INTEGER,
    onResult: (result) => (cost = result.complexity),
  });
  expect(validate(schema, document, [rule])).toEqual([]);
  return cost;
}

function shapeOf(variables: Record<string, unknown>): string | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  expect(coerced.errors).toBeUndefined();
  return costShape(coerced.coerced);
}

// Cursors of a few classes (page size, position, tokens), two texts per class.
const codec = new CursorCodec('cost-verdicts');
const pages: Array<PagePosition | null> = [
  null,
  { size: 20, token: null, index: 0, offset: 0 },
  { size: 20, token: 'T1', index: 19, offset: 19, next: 'T2' },
  { size: 1000, token: 'T3', index: 5, offset: 3005, previous: 'T0' },
];
const cursors = pages.flatMap((page) => ['a', 'b'].map((id) => codec.encode('tag', { id: `item_${id}`, page })));

// Small domains for what may matter, any text for what may not: two independent draws often share a shape.
const variables = fc.record({
  sid: fc.string({ maxLength: 12 }),
  n: fc.constantFrom(1, 1000),
  m: fc.constantFrom(null, 20),
  ids: fc.array(fc.string({ maxLength: 6 }), { maxLength: 1 }),
  after: fc.option(fc.constantFrom(...cursors)),
  channel: fc.string({ maxLength: 12 }),
});

describe('cost shape of the variables', () => {
  it('two sets of variables with the same shape cost the same; another size is another shape', () => {
    let shared = 0;
    fc.assert(
      fc.property(variables, variables, (one, other) => {
        if (shapeOf(one) === shapeOf(other)) {
          shared++;
          expect(costOf(other)).toBe(costOf(one));
        }
        const bigger = { ...one, n: typeof one.n === 'number' ? one.n + 1 : 7 };
        expect(shapeOf(bigger)).not.toBe(shapeOf(one));
        expect(shapeOf({ ...one, ids: [...one.ids, 'x'] })).not.toBe(shapeOf(one));
      }),
      { seed: 4242, numRuns: 2000 },
    );
    // Enough pairs shared a verdict for the implication to say something.
    expect(shared).toBeGreaterThan(30);
  });

  it('a shape too long to keep is not cached (undefined), however large the variables', () => {
    expect(costShape({ ids: Array.from({ length: 5000 }, (_, i) => i) })).toBeUndefined();
    expect(costShape({ ids: Array.from({ length: 5000 }, () => 'x'.repeat(100)) })).toBeUndefined();
    expect(costShape({ ids: Array.from({ length: 100 }, () => 'x'.repeat(100_000)) })).toBe('{ids=[100×s]}');
  });
});
