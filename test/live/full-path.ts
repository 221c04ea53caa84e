// Shared by the tests of the whole live path: a conversation whose status callbacks go to the
// facade (so the emulator, as Twilio, signs and posts every change to it), a communication sent
// with the createCommunication mutation over HTTP, and the communicationAdded document.
import { expect } from 'vitest';
import { webhookUrl } from '../../src/live/index.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';

export const ADDED = `subscription Added($sid: String!, $after: String) {
  communicationAdded(conversationSid: $sid, after: $after) { cursor node { sid content { ... on TextContent { text } } } }
}`;

const CREATE = `mutation Send($input: CreateCommunicationInput!) { createCommunication(input: $input) { communication { sid } userErrors { code message } } }`;

export const basic = (account: string, token: string) => ({
  authorization: `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}`,
});

/** A stack whose webhook endpoint accepts callbacks of the default account and of a second one, each signed with its own token. */
export function startTwoAccountStack(secondAccount: string, secondToken: string): Promise<Stack> {
  return startStack({
    live: (ownUrl) => ({
      webhook: {
        url: webhookUrl(ownUrl),
        accountTokens: new Map([
          [ACCOUNT_SID, AUTH_TOKEN],
          [secondAccount, secondToken],
        ]),
        maxBytes: 1_048_576,
      },
    }),
  });
}

let conversations = 0;

/** A new conversation of `account` whose own statusCallbacks post to the facade's webhook URL (as a PATCH of configuration.statusCallbacks sets them). */
export function hookedConversation(stack: Stack, name: string, account = ACCOUNT_SID): string {
  const id = `conv_conversation_01jhooked${String(++conversations).padStart(16, '0')}`;
  stack.emulator.data.insertRaw(account, 'conversations', {
    id,
    accountId: account,
    configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
    name,
    status: 'ACTIVE',
    configuration: { statusCallbacks: [{ url: stack.webhookUrl, method: 'POST' }] },
  });
  return id;
}

/** createCommunication over HTTP (as a client would send a message); its sid once the mutation answered. */
export async function send(stack: Stack, sid: string, text: string, headers?: Record<string, string>): Promise<string> {
  const answer = await stack.graphql(
    CREATE,
    {
      input: {
        conversationSid: sid,
        author: { address: '+15005550001', channel: 'SMS' },
        recipients: [{ address: '+15005550002', channel: 'SMS' }],
        content: { text: { text } },
      },
    },
    headers,
  );
  expect(answer.errors).toBeUndefined();
  expect(answer.data.createCommunication.userErrors).toEqual([]);
  return answer.data.createCommunication.communication.sid as string;
}

/** The emulator's COMMUNICATION_CREATED deliveries of one communication. */
export const deliveryOf = (stack: Stack, communicationSid: string) =>
  stack.emulator.webhooks
    .deliveries()
    .find((entry) => entry.eventType === 'COMMUNICATION_CREATED' && entry.resourceId === communicationSid);

/** Waits until the emulator has delivered (answered 2xx) the COMMUNICATION_CREATED callback of each communication. */
export async function delivered(stack: Stack, ...communicationSids: string[]): Promise<void> {
  for (const sid of communicationSids) {
    await stack.emulator.webhooks.waitFor(
      (entry) => entry.eventType === 'COMMUNICATION_CREATED' && entry.resourceId === sid && entry.state === 'delivered',
    );
  }
}

/** List reads of a conversation's communications in the emulator's request log (answered ones). */
export const listReads = (stack: Stack, sid: string) =>
  stack.emulator.requests
    .entries()
    .filter((entry) => entry.path === `/v2/Conversations/${sid}/Communications` && entry.method === 'GET' && entry.status !== 0).length;
