// Checks every connection field's first/last/after/before in the operation that will run, before
// anything executes. Without it, a bad argument deep in a query was found only when its field
// resolved: its parent had already been fetched upstream (a wasted call) and was then nulled by
// the error. Here the sizes, the cursors' signatures, versions and windows are checked for every
// connection field, and a cursor's list (its scope tag) wherever the field's parent is given by
// an argument (`conversation(sid: "…") { communications(after: …) }`); where the parent is known
// only at run time (`conversations { edges { node { communications(after: …) } } }`) the
// resolver checks the list, at no upstream cost either: the cursor is read before any page.
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isInterfaceType,
  isObjectType,
  Kind,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import {
  KNOWN_ID_EXTENSION,
  LIST_SCOPE_EXTENSION,
  parseConnectionArgs,
  scopeTag,
  type CursorCodec,
  type KnownIdOf,
  type ListScopeOf,
} from '../connections/index.ts';
import { FacadeError } from '../errors.ts';

/** An object the operation names by id before execution, and its type. */
interface KnownObject {
  type: string;
  id: string;
}

interface Walk {
  schema: GraphQLSchema;
  codec: CursorCodec;
  variables: Record<string, unknown>;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Selection sets already checked under a type and known parent (fragments may be spread often). */
  visited: Set<string>;
  selectionIds: Map<SelectionSetNode, number>;
  errors: GraphQLError[];
}

/** Relay connection fields: they take both a size and a cursor. */
function isConnectionField(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => arg.name === 'first') && field.args.some((arg) => arg.name === 'after');
}

function skipped(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (!node.directives?.length) return false;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
  } catch {
    return false; // execution reports a bad directive argument
  }
}

function checkField(
  walk: Walk,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  args: Record<string, unknown>,
  parentId: string | null,
) {
  const scopeOf = field.extensions?.[LIST_SCOPE_EXTENSION] as ListScopeOf | undefined;
  // The list matters only to a cursor.
  const scope = args.after || args.before ? (scopeOf?.(parentId, args) ?? null) : null;
  try {
    parseConnectionArgs(args, walk.codec, scope === null ? null : scopeTag(scope));
  } catch (error) {
    if (!(error instanceof FacadeError)) throw error;
    const argument = error.extensions.argument;
    const argumentNode = node.arguments?.find((given) => given.name.value === argument);
    walk.errors.push(
      new GraphQLError(error.message, {
        nodes: [argumentNode ?? node],
        extensions: { ...error.extensions, field: field.name },
      }),
    );
  }
}

function visit(walk: Walk, selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined | null, known: KnownObject | null) {
  if (!type) return;
  let id = walk.selectionIds.get(selectionSet);
  if (id === undefined) walk.selectionIds.set(selectionSet, (id = walk.selectionIds.size));
  const key = `${id}\u0000${type.name}\u0000${known ? `${known.type}:${known.id}` : ''}`;
  if (walk.visited.has(key)) return;
  walk.visited.add(key);
  for (const selection of selectionSet.selections) {
    if (skipped(selection, walk.variables)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const narrowed = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      visit(walk, selection.selectionSet, narrowed, known);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value);
      if (fragment) visit(walk, fragment.selectionSet, walk.schema.getType(fragment.typeCondition.name.value), known);
      continue;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const field = type.getFields()[selection.name.value];
    if (!field) continue; // __typename and other meta fields
    // Most fields take no arguments; coercing none costs a microsecond each on every request.
    let args: Record<string, unknown> = {};
    try {
      if (selection.arguments?.length) args = getArgumentValues(field, selection, walk.variables);
    } catch {
      continue; // execution reports it
    }
    if (isConnectionField(field)) checkField(walk, field, selection, args, known?.type === type.name ? known.id : null);
    if (!selection.selectionSet) continue;
    const childType = getNamedType(field.type);
    const knownIdOf = field.extensions?.[KNOWN_ID_EXTENSION] as KnownIdOf | undefined;
    const childId = knownIdOf?.(args) ?? null;
    visit(walk, selection.selectionSet, childType, childId === null ? null : { type: childType.name, id: childId });
  }
}

/** The connection-argument errors of the operation that will run; none when execution will report its own errors. */
export function connectionArgumentErrors(args: ExecutionArgs, codec: CursorCodec): GraphQLError[] {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return [];
  const coerced = getVariableValues(
    args.schema,
    operation.variableDefinitions ?? [],
    (args.variableValues ?? {}) as Record<string, unknown>,
  );
  if (coerced.errors) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of args.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walk: Walk = {
    schema: args.schema,
    codec,
    variables: coerced.coerced,
    fragments,
    visited: new Set(),
    selectionIds: new Map(),
    errors: [],
  };
  visit(walk, operation.selectionSet, args.schema.getRootType(operation.operation), null);
  return walk.errors;
}

/** Refuses the operation (BAD_USER_INPUT, nothing executed, nothing sent upstream) when a connection argument is invalid. */
export function useConnectionArguments(codec: CursorCodec): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = connectionArgumentErrors(args, codec);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
    // A subscription's events may select connections too; refused before it starts.
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = connectionArgumentErrors(args, codec);
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}
