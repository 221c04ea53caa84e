// Execution compiled with graphql-jit: each distinct operation becomes a plain function once
// (cached), which took execution from the largest share of the facade's CPU to almost nothing
// (BENCHMARKS.md).
//
// @envelop/graphql-jit caches the compiled query per DocumentNode object, not per operation, and
// graphql-yoga reuses one parsed document per query text: after `mutation M` of a document had
// run, `operationName: "Q"` on the same text ran M again (a mutation over GET, issue 9). So the
// plugin is handed a document of its own per (document text, operation): the selected operation
// alone, rewritten so graphql-jit collects fields as graphql-js does (jit-document.ts), held in a
// bounded cache; when an entry leaves that cache, the compiled query keyed by it (a WeakMap inside
// the plugin) goes with it. An operation with @skip/@include, or too large to rewrite, runs on
// graphql-js (jit-document.ts says why).
//
// graphql-jit's errors carry `locations` but not the nodes or source positions graphql-yoga
// rebuilds every error from before sending it, so they would reach the caller without
// `locations`; they are remade as graphql-js errors at the same positions.
//
// graphql-jit (0.8.x) also ignores the default value of a non-null variable (`$sid: String! =
// "…"` left out is refused); the spec says the default applies, so defaults are filled in before
// the compiled query sees the variables.
import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  GraphQLError,
  typeFromAST,
  valueFromAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';
import { BoundedCache, documentBytes, sourceOf, stringBytes, type CacheBounds } from './bounded-cache.ts';
import { compilableDocument } from './jit-document.ts';
import { operationDocument, operationKey, selectOperation } from './operation-selection.ts';

export interface CompiledExecutionOptions {
  /** false: graphql-js executes (the reference the differential tests compare against). Default true. */
  enabled?: boolean;
  /** Operations kept compiled. Each holds its AST and the compiled code (about as large again). */
  cache?: CacheBounds;
}

const DEFAULT_BOUNDS: CacheBounds = { maxEntries: 500, maxBytes: 32 * 1024 * 1024 };

function withVariableDefaults(args: ExecutionArgs, operation: OperationDefinitionNode): Record<string, unknown> | undefined {
  const given = (args.variableValues ?? {}) as Record<string, unknown>;
  let filled: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!definition.defaultValue || Object.hasOwn(given, name)) continue;
    const type = typeFromAST(args.schema, definition.type);
    const value = type ? valueFromAST(definition.defaultValue, type as Parameters<typeof valueFromAST>[1]) : undefined;
    if (value !== undefined) (filled ??= { ...given })[name] = value;
  }
  return filled;
}

/** Character offsets of each line's start (GraphQL's line terminators: \r\n, \n, \r). */
function lineStarts(body: string): number[] {
  const starts = [0];
  for (const match of body.matchAll(/\r\n|[\n\r]/g)) starts.push(match.index + match[0].length);
  return starts;
}

/** The result with each error that has `locations` but no positions remade as graphql-js makes it. */
function withLocatedErrors(result: ExecutionResult, source: Source): ExecutionResult {
  if (!result.errors?.some((error) => error.locations && !error.positions)) return result;
  const starts = lineStarts(source.body);
  const errors = result.errors.map((error) =>
    error.locations && !error.positions
      ? new GraphQLError(error.message, {
          source,
          // A fragment spread twice in the compiled form lists its field twice; graphql-js, once.
          positions: [...new Set(error.locations.map(({ line, column }) => (starts[line - 1] ?? 0) + column - 1))],
          path: error.path,
          originalError: error.originalError,
          extensions: error.extensions,
        })
      : error,
  );
  return { ...result, errors };
}

export function useCompiledExecution(options: CompiledExecutionOptions = {}): Plugin[] {
  if (options.enabled === false) return [];
  const operations = new BoundedCache<DocumentNode>(
    options.cache ?? DEFAULT_BOUNDS,
    (key, document) => stringBytes(key) + 2 * documentBytes(document),
  );
  /** The documents graphql-jit may compile: the rewritten ones (the others run on graphql-js). */
  const compilable = new WeakSet<DocumentNode>();

  const useOneOperationPerDocument: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = selectOperation(args.document, args.operationName);
      // The operation guard refuses these first; should it ever not run, nothing is executed either.
      if (operation instanceof FacadeError) {
        setResultAndStopExecution({ errors: [operation] });
        return;
      }
      const source = sourceOf(args.document);
      const key = source === undefined ? undefined : operationKey(source, operation);
      let single = key === undefined ? undefined : operations.get(key);
      if (!single) {
        const rewritten = compilableDocument(args.document, operation);
        if (rewritten) compilable.add(rewritten);
        single = rewritten ?? operationDocument(args.document, operation);
        if (key !== undefined) operations.set(key, single);
      }
      args.document = single;
      const filled = withVariableDefaults(args, operation);
      if (filled) args.variableValues = filled;
      const documentSource = single.loc?.source;
      if (!documentSource) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) setResult(withLocatedErrors(result, documentSource));
        },
      };
    },
  };
  // A document that does not compile gets its errors as the result; they need no console line.
  return [
    useOneOperationPerDocument,
    useGraphQlJit({}, { onError: () => {}, enableIf: (args) => compilable.has(args.document) }) as Plugin,
  ];
}
