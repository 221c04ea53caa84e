// Limits every query must pass before any resolver runs, so an abusive document costs nothing
// upstream: GraphQL Armor for depth, aliases, tokens and directives (and no field suggestions
// when introspection is off), and a cost limit computed from the schema's cost model (see
// schema/builder.ts: connections count first/last and multiply their selections).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { validate, type DocumentNode, type ExecutionArgs, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';

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

function useCostLimit(maxCost: number): Plugin {
  // The verdict depends on the document, the operation and the variables only: clients repeat the
  // same few operations, so it is kept per parsed document (yoga caches those) and variables.
  const verdicts = new WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>();

  function check(args: ExecutionArgs): readonly GraphQLError[] {
    const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
    let byVariables = verdicts.get(args.document);
    const known = byVariables?.get(key);
    if (known) return known;
    let cost = 0;
    const rule = createComplexityRule({
      variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
      operationName: args.operationName ?? undefined,
      context: args.contextValue as object,
      maxComplexity: maxCost,
      onResult: (result) => {
        cost = result.complexity;
      },
    });
    const errors = validate(args.schema, args.document, [rule]).map((error) =>
      error.extensions?.code === 'QUERY_COMPLEXITY'
        ? tooComplex(
            `Query cost ${cost} exceeds the limit of ${maxCost}. A connection costs its first/last (default 20) times what is selected inside it: ask for fewer items or fewer nested connections.`,
            { cost, maxCost },
          )
        : error,
    );
    if (!byVariables) verdicts.set(args.document, (byVariables = new Map()));
    if (byVariables.size < 100) byVariables.set(key, errors);
    return errors;
  }

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}

export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  const callbacks = { onReject: [rejectAs], propagateOnRejection: true, exposeLimits: true };
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...callbacks },
      maxAliases: { n: limits.maxAliases, ...callbacks },
      maxTokens: { n: limits.maxTokens, ...callbacks },
      maxDirectives: { n: limits.maxDirectives, ...callbacks },
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
    }) as Plugin,
    useCostLimit(limits.maxCost),
  ];
}
