// The document graphql-jit compiles for one operation, rewritten so that graphql-jit answers as
// graphql-js (the spec) does, or none: then the operation runs on graphql-js. Found by the
// differential test (test/server/compiled-execution.test.ts):
// - graphql-jit collects a selection set's own fields before those of its fragments, and its
//   fragments last first (a stack); graphql-js goes in document order. When two failing non-null
//   fields null the same parent, a different error was reported.
// - its @skip/@include handling differs: `...F @skip(if: true) ...F` lost F's fields (a fragment
//   is expanded once even when skipped, and conditions are kept per AST node, shared by every
//   spread), and the fields of a fragment inside a skipped field were still selected. Operations
//   with directives therefore run on graphql-js (the usual Relay query has none).
// - a variable the request leaves out, given as an input object field (`input: { sid: $sid, name:
//   $name }`), reaches the resolver as `name: null`; graphql-js leaves the field out, as the spec
//   says. For an update with PATCH semantics that turned "unchanged" into "cleared" (issue 10).
//   Operations with a variable inside an object literal therefore run on graphql-js (the usual Relay
//   mutation passes its whole `input: $input`).
//
// The rewrite: every field in an inline fragment of its own, each selection set listed last
// first (so graphql-jit's stack visits them in document order), every named spread replaced by an
// inline fragment with the fragment's type condition, and a repeated spread dropped where
// graphql-js drops it (a repeat it would expand stays: the same fields again, the same data; the
// duplicate error locations are removed in compiled-execution.ts).
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * Fragments spread again under merged fields are expanded again; beyond this many selections
 * the operation runs on graphql-js instead of being compiled.
 */
export const MAX_COMPILED_SELECTIONS = 20_000;

/** Why an operation is left to graphql-js. */
class NotCompilable extends Error {}

/** An input object field given by a variable (`{ name: $name }`), at any depth: see the top of this file. */
function variableInObjectField(value: ValueNode): boolean {
  if (value.kind === Kind.OBJECT)
    return value.fields.some((field) => field.value.kind === Kind.VARIABLE || variableInObjectField(field.value));
  if (value.kind === Kind.LIST) return value.values.some(variableInObjectField);
  return false;
}

function rewriter(fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
  let budget = MAX_COMPILED_SELECTIONS;

  /** `visited`: fragments graphql-js has certainly expanded in this scope already (its visitedFragmentNames). */
  function rewrite(selectionSet: SelectionSetNode, visited: Set<string>): SelectionSetNode {
    const selections: InlineFragmentNode[] = [];
    for (const selection of selectionSet.selections) {
      if (--budget < 0 || selection.directives?.length) throw new NotCompilable();
      if (selection.kind === Kind.FIELD) {
        if (selection.arguments?.some((argument) => variableInObjectField(argument.value))) throw new NotCompilable();
        // A copy each time: graphql-jit annotates field nodes while compiling.
        const field = { ...selection, ...(selection.selectionSet ? { selectionSet: rewrite(selection.selectionSet, new Set()) } : {}) };
        selections.push({ kind: Kind.INLINE_FRAGMENT, directives: [], selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        // A fragment with a type condition may not apply: what it spreads is not visited for the rest.
        selections.push({
          ...selection,
          selectionSet: rewrite(selection.selectionSet, selection.typeCondition ? new Set(visited) : visited),
        });
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue;
        // graphql-js marks a spread visited before checking its type condition.
        visited.add(name);
        selections.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: [],
          selectionSet: rewrite(fragment.selectionSet, new Set(visited)),
          ...(selection.loc ? { loc: selection.loc } : {}),
        });
      }
    }
    return { ...selectionSet, selections: selections.reverse() };
  }
  return rewrite;
}

/**
 * The operation alone, in the form above; undefined when it has directives, a variable inside an
 * object literal, or would exceed MAX_COMPILED_SELECTIONS.
 */
export function compilableDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  try {
    const rewritten = { ...operation, selectionSet: rewriter(fragments)(operation.selectionSet, new Set()) };
    return { ...document, definitions: [rewritten, ...fragments.values()] };
  } catch (error) {
    if (error instanceof NotCompilable) return undefined;
    throw error;
  }
}
