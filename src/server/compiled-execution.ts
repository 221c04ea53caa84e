// Execution compiled with graphql-jit: each distinct document becomes a plain function once
// (cached), which took execution from the largest share of the facade's CPU to almost nothing
// (BENCHMARKS.md). graphql-jit (0.8.x) ignores the default value of a non-null variable
// (`$sid: String! = "…"` left out is refused); the spec says the default applies, so defaults are
// filled in before the compiled query sees the variables.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, typeFromAST, valueFromAST, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function withVariableDefaults(args: ExecutionArgs): Record<string, unknown> | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  const given = (args.variableValues ?? {}) as Record<string, unknown>;
  let filled: Record<string, unknown> | undefined;
  for (const definition of operation?.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!definition.defaultValue || Object.hasOwn(given, name)) continue;
    const type = typeFromAST(args.schema, definition.type);
    const value = type ? valueFromAST(definition.defaultValue, type as Parameters<typeof valueFromAST>[1]) : undefined;
    if (value !== undefined) (filled ??= { ...given })[name] = value;
  }
  return filled;
}

export function useCompiledExecution(): Plugin[] {
  const useVariableDefaults: Plugin = {
    onExecute({ args }) {
      const filled = withVariableDefaults(args);
      if (filled) args.variableValues = filled;
    },
  };
  return [useVariableDefaults, useGraphQlJit() as Plugin];
}
