// Look-ahead for `conversation(sid:)`: the conversation's own fetch and the first page of each
// connection selected under it do not depend on each other, so their upstream calls are started
// together instead of one after the other (a whole upstream round trip saved per query). A
// connection field of Conversation takes part by declaring the list it serves in its
// PREFETCH_LIST_EXTENSION extension (communication.ts, participant.ts).
import { getArgumentValues, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { PREFETCH_LIST_EXTENSION, prefetchConnection, type PrefetchListOf } from '../connections/index.ts';
import type { Context } from './builder.ts';

/** The fields a selection set selects, through inline fragments and named spreads (each spread once). */
export function selectedFields(
  selectionSet: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  seen = new Set<string>(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...selectedFields(selection.selectionSet, info, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      fields.push(...selectedFields(info.fragments[selection.name.value]?.selectionSet, info, seen));
    }
  }
  return fields;
}

export function prefetchConversationConnections(conversationId: string, info: GraphQLResolveInfo, context: Context): void {
  const conversationType = info.schema.getType('Conversation');
  if (!isObjectType(conversationType)) return;
  const definitions = conversationType.getFields();
  for (const fieldNode of info.fieldNodes) {
    for (const field of selectedFields(fieldNode.selectionSet, info)) {
      const definition = definitions[field.name.value];
      const listOf = definition?.extensions[PREFETCH_LIST_EXTENSION] as PrefetchListOf<Context> | undefined;
      if (!definition || !listOf) continue;
      // Skipped (@skip/@include) or invalid arguments: leave it to execution.
      if (field.directives?.length) continue;
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(definition, field, info.variableValues);
      } catch {
        continue;
      }
      prefetchConnection(args, listOf(conversationId, args, context), {
        codec: context.cursors,
        maxPages: context.maxPagesPerConnection,
      });
    }
  }
}
