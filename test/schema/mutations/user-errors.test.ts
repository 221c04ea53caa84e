// Issue 9 item 8: what the upstream refuses comes back as userErrors in the facade's own words —
// a path into `input` in the facade's names and a message the facade wrote — never the upstream's
// message or parameter names. Each case counts the POSTs the emulator saw. (That 401/403/429/5xx
// stay top-level errors is in upstream-rejections.test.ts and create-communication.test.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedConversation } from '../../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../../helpers/stack.ts';
import type { CreateCommunicationInput } from '../../generated/graphql.ts';
import { graphql } from '../../generated/index.ts';

const CREATE = graphql(`
  mutation RefusedCreate($input: CreateCommunicationInput!) {
    createCommunication(input: $input) {
      communication { sid }
      communicationEdge { cursor }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

/** Words of the upstream's refusals that must never reach a caller. */
const UPSTREAM_WORDS = [
  'Invalid parameter',
  'ConversationId',
  'Idempotency-Key',
  'participantId',
  'Conflict on parameter',
  'CLOSED and',
  "'",
];

let stack: Stack;
let conversationSid: string;

const author = { address: '+15005550001', channel: 'SMS' } as const;
const recipient = { address: '+15005550002', channel: 'SMS' } as const;

function input(extra: Partial<CreateCommunicationInput> = {}): CreateCommunicationInput {
  return { conversationSid, author, recipients: [recipient], content: { text: { text: 'hello' } }, clientMutationId: 'm-1', ...extra };
}

async function create(inputValue: CreateCommunicationInput) {
  const response = await stack.graphql(CREATE, { input: inputValue });
  const posts = stack.takeUpstreamCalls().filter((call) => call.method === 'POST');
  const payload = response.data?.createCommunication;
  for (const userError of payload?.userErrors ?? []) {
    for (const word of UPSTREAM_WORDS) expect(userError.message).not.toContain(word);
  }
  return { response, payload, posts };
}

beforeAll(async () => {
  stack = await startStack();
  conversationSid = seedConversation(stack.emulator, 'refusals');
});

beforeEach(() => {
  stack.emulator.faults.clear();
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('upstream refusals → userErrors in the facade’s words', () => {
  it('a CLOSED conversation names input.conversationSid', async () => {
    const closed = 'conv_conversation_01jclosedclosedclosedclose';
    stack.emulator.data.insertRaw(ACCOUNT_SID, 'conversations', {
      id: closed,
      accountId: ACCOUNT_SID,
      configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
      status: 'CLOSED',
      name: 'closed',
    });
    const { response, payload, posts } = await create(input({ conversationSid: closed }));
    expect(response.errors).toBeUndefined();
    expect(payload).toEqual({
      communication: null,
      communicationEdge: null,
      userErrors: [
        {
          field: ['input', 'conversationSid'],
          code: 'INVALID',
          message: 'The conversation is closed: it accepts no new communications or participants.',
        },
      ],
      clientMutationId: 'm-1',
    });
    expect(posts).toHaveLength(1);
  });

  it('an idempotency key reused with another input names input.idempotencyKey (CONFLICT)', async () => {
    const idempotencyKey = randomUUID();
    const first = await create(input({ idempotencyKey, content: { text: { text: 'first' } } }));
    expect(first.payload.userErrors).toEqual([]);
    const reused = await create(input({ idempotencyKey, content: { text: { text: 'something else' } } }));
    expect(reused.payload.communication).toBeNull();
    expect(reused.payload.userErrors).toEqual([
      {
        field: ['input', 'idempotencyKey'],
        code: 'CONFLICT',
        message: 'This idempotencyKey was already used with a different input: use a new key for a new request.',
      },
    ]);
    expect([first.posts.length, reused.posts.length]).toEqual([1, 1]);
  });

  it('an unknown author participant names input.author.participantSid, not participantId', async () => {
    const { payload, posts } = await create(
      input({ author: { ...author, participantSid: 'conv_participant_01jzzzzzzzzzzzzzzzzzzzzzzz' } }),
    );
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'author', 'participantSid'],
        code: 'INVALID',
        message: 'No participant with this sid is part of the conversation.',
      },
    ]);
    expect(posts).toHaveLength(1);
  });

  it('an unknown recipient participant names its index', async () => {
    const { payload } = await create(
      input({ recipients: [recipient, { ...recipient, participantSid: 'conv_participant_01jyyyyyyyyyyyyyyyyyyyyyyy' }] }),
    );
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'recipients', '1', 'participantSid'],
        code: 'INVALID',
        message: 'No participant with this sid is part of the conversation.',
      },
    ]);
  });

  it('a conversation that does not exist names input.conversationSid (NOT_FOUND)', async () => {
    const { payload, posts } = await create(input({ conversationSid: 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz' }));
    expect(payload.userErrors).toEqual([
      { field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: 'No conversation with this sid exists.' },
    ]);
    expect(posts).toHaveLength(1);
  });

  it('a refusal whose parameter the facade does not know has no field and a generic message of its own', async () => {
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 400 });
    const { payload, posts } = await create(input());
    expect(payload.userErrors).toEqual([{ field: null, code: 'INVALID', message: 'The conversation service did not accept this value.' }]);
    expect(posts).toHaveLength(1);
  });
});
