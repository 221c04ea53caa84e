// Limits every query must pass before any resolver runs, so an abusive document costs nothing
// upstream: GraphQL Armor for depth, aliases, tokens and directives (and no field suggestions
// when introspection is off), and a cost limit computed from the schema's cost model (see
// schema/builder.ts: connections count first/last and multiply their selections).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { getVariableValues, validate, type ExecutionArgs, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { stringCostClass, UPSTREAM_PAGE_COST } from '../connections/index.ts';
import { FacadeError } from '../errors.ts';
import { BoundedCache, sourceOf, stringBytes, type CacheBounds } from './bounded-cache.ts';
import { operationDocument, operationKey, selectOperation } from './operation-selection.ts';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Hide "Did you mean …?" from validation errors (when introspection is off). */
  blockFieldSuggestions: boolean;
}

/** Tuned so real Relay-shaped queries pass (see the README): also the defaults of the MAX_QUERY_* variables. */
export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxTokens: 5000,
  maxDirectives: 50,
  maxCost: 20_000,
  blockFieldSuggestions: false,
};

function tooComplex(message: string, extensions: Record<string, unknown> = {}): FacadeError {
  return new FacadeError('QUERY_TOO_COMPLEX', message, { extensions });
}

/** Armor reports a rejection as "Syntax Error: …"; it is not one, so callers get our own error. */
const rejectAs = (_context: unknown, error: GraphQLError) => {
  throw tooComplex(error.message.replace(/^Syntax Error: /, ''));
};

/**
 * What the cost model reads from the variables (schema/builder.ts `fieldComplexity`): numbers
 * (`first`, `last`), list lengths (`nodes(ids:)`) and, of a string, only the class of the cursor it
 * may be (connections/index.ts stringCostClass: a cursor's page size and position by the
 * thousand decide how many upstream pages its request may read). Keying the verdict
 * on this shape of the coerced values, rather than on the variables' JSON, lets every page of a
 * paginated query (a new cursor each time) share one verdict, and keeps a 90 KB variable out of
 * the cache. Lists of equal items collapse (`[100×s]`); undefined when the shape is too long to keep.
 */
export function costShape(value: unknown, budget = { left: 512 }): string | undefined {
  let shape: string | undefined;
  if (typeof value === 'number') shape = String(value);
  else if (typeof value === 'boolean') shape = value ? 't' : 'f';
  else if (value === null || value === undefined) shape = 'n';
  else if (Array.isArray(value)) {
    const items: (string | undefined)[] = value.map((item) => costShape(item, budget));
    if (items.includes(undefined)) return undefined;
    shape = items.every((item) => item === items[0]) ? `[${items.length}×${items[0] ?? ''}]` : `[${items.join(',')}]`;
  } else if (typeof value === 'object') {
    const fields: string[] = [];
    for (const name of Object.keys(value).sort()) {
      const field = costShape((value as Record<string, unknown>)[name], budget);
      if (field === undefined) return undefined;
      fields.push(`${name}=${field}`);
    }
    shape = `{${fields.join(',')}}`;
  } else shape = typeof value === 'string' ? stringCostClass(value) : 's';
  budget.left -= shape.length;
  return budget.left < 0 ? undefined : shape;
}

export interface CostLimitOptions {
  maxCost: number;
  /** Verdicts kept, keyed by document text, operation and the cost shape of the variables. */
  cache?: CacheBounds;
}

/**
 * The cost of the operation that will run (the one `operationName` selects), with its variables
 * coerced as execution will coerce them; invalid variables are refused here, as execution would.
 */
function useCostLimit({ maxCost, cache }: CostLimitOptions): Plugin {
  const verdicts = new BoundedCache<readonly GraphQLError[]>(
    cache ?? { maxEntries: 2000, maxBytes: 8 * 1024 * 1024 },
    (key, errors) => stringBytes(key) + 512 * (1 + errors.length),
  );

  function costErrors(
    args: ExecutionArgs,
    operation: OperationDefinitionNode,
    variableValues: Record<string, unknown>,
  ): readonly GraphQLError[] {
    let cost = 0;
    const rule = createComplexityRule({
      variableValues,
      operationName: operation.name?.value,
      context: args.contextValue as object,
      maxComplexity: maxCost,
      onResult: (result) => {
        cost = result.complexity;
      },
    });
    return validate(args.schema, operationDocument(args.document, operation), [rule]).map((error) =>
      error.extensions?.code === 'QUERY_COMPLEXITY'
        ? tooComplex(
            `Query cost ${cost} exceeds the limit of ${maxCost}. A connection costs its first/last (default 20) times what is selected inside it, plus ${UPSTREAM_PAGE_COST} for each upstream page beyond the first it may read (\`last\` without \`before\` walks the list): ask for fewer items, fewer walks or fewer nested connections.`,
            { cost, maxCost },
          )
        : error,
    );
  }

  function check(args: ExecutionArgs): readonly GraphQLError[] {
    const operation = selectOperation(args.document, args.operationName);
    if (operation instanceof FacadeError) return [operation];
    const given = (args.variableValues ?? {}) as Record<string, unknown>;
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], given);
    if (coerced.errors) return coerced.errors;
    const source = sourceOf(args.document);
    const shape = costShape(coerced.coerced);
    const key = source === undefined || shape === undefined ? undefined : `${shape}\u0000${operationKey(source, operation)}`;
    const known = key === undefined ? undefined : verdicts.get(key);
    if (known) return known;
    const errors = costErrors(args, operation, given);
    if (key !== undefined) verdicts.set(key, errors);
    return errors;
  }

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    // Every event of a subscription runs its selection: the same cost, checked before it opens.
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}

export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  const callbacks = { onReject: [rejectAs], propagateOnRejection: true, exposeLimits: true };
  return [
    EnvelopArmorPlugin({
      // Introspection counts too (a deep `__schema { types { ofType … } }` is refused); the standard introspection query is depth 15.
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...callbacks },
      maxAliases: { n: limits.maxAliases, ...callbacks },
      maxTokens: { n: limits.maxTokens, ...callbacks },
      maxDirectives: { n: limits.maxDirectives, ...callbacks },
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
    }) as Plugin,
    useCostLimit({ maxCost: limits.maxCost }),
  ];
}
