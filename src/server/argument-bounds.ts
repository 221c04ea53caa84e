// Refuses a request whose arguments break their bounds (schema/input-bounds.ts: a 50,000-character
// `channelId`, a 5,000-item list) before anything runs: one BAD_USER_INPUT, zero upstream calls,
// rather than an upstream refusal or a URL the upstream cannot take. The arguments of a Mutation
// field itself (its `input`) are left to the mutation, which answers userErrors with the field's
// path (schema/mutations/run-mutation.ts); arguments anywhere below it are checked here.
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badUserInput } from '../errors.ts';
import { boundViolations, declaredBounds } from '../schema/input-bounds.ts';

interface FieldWithArguments {
  definition: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

interface Plan {
  operation: OperationDefinitionNode;
  fields: FieldWithArguments[];
}

/** The operation and the fragments it spreads (directly or through other fragments). */
function reachableDefinitions(document: DocumentNode, operation: OperationDefinitionNode) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const reached: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  const seen = new Set<string>();
  for (let i = 0; i < reached.length; i++) {
    visit(reached[i]!, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !seen.has(spread.name.value)) {
          seen.add(spread.name.value);
          reached.push(fragment);
        }
      },
    });
  }
  return reached;
}

function planFor(args: ExecutionArgs): Plan | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return undefined;
  const typeInfo = new TypeInfo(args.schema);
  const mutationType = args.schema.getMutationType();
  const fields: FieldWithArguments[] = [];
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: reachableDefinitions(args.document, operation) };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const definition = typeInfo.getFieldDef();
        if (!definition || !node.arguments?.length) return;
        if (mutationType && typeInfo.getParentType() === mutationType) return;
        fields.push({ definition, node });
      },
    }),
  );
  return { operation, fields };
}

export function useArgumentBounds(): Plugin {
  // The fields to check depend on the document and operation only; clients repeat a few documents.
  const plans = new WeakMap<DocumentNode, Map<string, Plan | undefined>>();

  function planOf(args: ExecutionArgs): Plan | undefined {
    let byOperation = plans.get(args.document);
    if (!byOperation) plans.set(args.document, (byOperation = new Map()));
    const key = args.operationName ?? '';
    if (!byOperation.has(key)) byOperation.set(key, planFor(args));
    return byOperation.get(key);
  }

  function firstViolation(args: ExecutionArgs) {
    const plan = planOf(args);
    if (!plan || plan.fields.length === 0) return undefined;
    const variables = getVariableValues(
      args.schema,
      plan.operation.variableDefinitions ?? [],
      (args.variableValues ?? {}) as Record<string, unknown>,
    );
    // Variables that do not coerce are refused by execution itself, with its own message.
    if (variables.errors) return undefined;
    for (const { definition, node } of plan.fields) {
      let values: Record<string, unknown>;
      try {
        values = getArgumentValues(definition, node, variables.coerced);
      } catch {
        continue;
      }
      for (const argument of definition.args) {
        if (!Object.hasOwn(values, argument.name)) continue;
        const [violation] = boundViolations(argument.type, values[argument.name], [argument.name], declaredBounds(argument));
        if (violation) {
          const where = violation.path.join('.');
          return badUserInput(`\`${where}\` of \`${definition.name}\`: ${violation.message}`, { argument: where });
        }
      }
    }
    return undefined;
  }

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = firstViolation(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = firstViolation(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
