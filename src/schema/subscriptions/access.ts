// Who may subscribe to what, asked of the upstream with the caller's own credentials before
// anything is delivered: the answer also names the account whose bus topic the stream listens to.
import { FacadeError } from '../../errors.ts';
import type { Context } from '../builder.ts';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/** The conversation's account, if the caller may read it; NOT_FOUND otherwise (FORBIDDEN/UNAUTHENTICATED come from the upstream). */
export async function conversationAccount(context: Context, conversationSid: string): Promise<string> {
  const conversation = await context.loaders.conversation.load(conversationSid);
  if (!conversation) throw new FacadeError('NOT_FOUND', 'No conversation with this sid can be read with these credentials.');
  return conversation.accountId;
}

/**
 * The account whose conversations the caller's credentials read. One list call (a page of one)
 * checks the credentials; an Account SID username is the account, an API key's account is that
 * of the conversations it reads.
 */
export async function inboxAccount(context: Context): Promise<string> {
  const page = await context.loaders.listConversations({ pageSize: 1, pageToken: null }, {});
  const username = context.credentials?.username;
  if (username !== undefined && ACCOUNT_SID.test(username)) return username;
  const account = page.items[0]?.accountId;
  if (account === undefined) {
    throw new FacadeError(
      'NOT_FOUND',
      'These credentials read no conversation yet, so the account to follow cannot be told: subscribe with the Account SID’s credentials, or once a conversation exists.',
    );
  }
  return account;
}
