// The conversation a child record (a participant) belongs to. The child already knows its
// conversation's id and account, so a selection of only those (`conversation { id sid }`, what a
// Relay client asks to link the records) is answered from the child for free; anything more is
// read through the per-request conversation loader, so N children of one conversation cost one
// fetch, and a conversation this request already read (or wrote) costs none.
import type { GraphQLResolveInfo } from 'graphql';
import { FacadeError } from '../errors.ts';
import type { UpstreamConversation } from '../upstream/types.ts';
import type { Context } from './builder.ts';
import { selectedFields } from './prefetch.ts';

/** Conversation fields a child can answer without the conversation's own record. */
const KNOWN_FROM_CHILD = new Set(['__typename', 'id', 'sid', 'accountSid']);

function asksOnlyKnownFields(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.every((node) => selectedFields(node.selectionSet, info).every((field) => KNOWN_FROM_CHILD.has(field.name.value)));
}

export async function conversationOf(
  child: { conversationId: string; accountId: string },
  info: GraphQLResolveInfo,
  context: Context,
  what: string,
): Promise<UpstreamConversation> {
  if (asksOnlyKnownFields(info)) return { kind: 'Conversation', id: child.conversationId, accountId: child.accountId };
  const conversation = await context.loaders.conversation.load(child.conversationId);
  if (!conversation) throw new FacadeError('NOT_FOUND', `The conversation of this ${what} no longer exists.`);
  return conversation;
}
