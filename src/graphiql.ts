// The documents GraphiQL opens with, each runnable as-is against the demo data: a paged
// communications query using the content union, a live subscription on the same thread (its new
// messages as they arrive, resumable with `after`), then one tab per write flow — send a message
// (createCommunication), open a conversation (createConversation), add an agent to the demo thread
// (addParticipant) and close a conversation (updateConversation). The close tab closes a demo
// conversation no other tab uses: a closed conversation takes no new participants or messages, so
// closing the demo thread would break the other tabs, whatever order they are run in.
//
// Each mutation tab's idempotency key is made when the service starts, one per tab: a key written
// into the code (or copied from the README) would be shared by everyone who ever ran it, so against
// a real account a stranger's run could replay, or conflict with, yours; and one key for two tabs
// would be a CONFLICT (the upstream binds a key to one request).
import { randomUUID } from 'node:crypto';

interface ExampleAddress {
  address: string;
  channel: string;
  participantSid?: string;
}

/** What the embedded emulator's demo data offers the tabs (src/emulator's demoExample()). */
export interface GraphiqlExample {
  /** The demo thread: read, written to, joined. */
  conversationSid: string;
  author: ExampleAddress;
  recipient: ExampleAddress;
  /** The configuration a new conversation follows. */
  configurationSid: string;
  /** Who joins the demo thread. */
  joiningAgent: { name: string; type: string; addresses: Array<{ address: string; channel: string }> };
  /** A conversation only the close tab uses. */
  conversationToCloseSid: string;
}

// The sid is also the variable's default: GraphiQL does not load the first tab's variables into its
// editor (graphql/graphiql#3392), and the document must run as it opens.
const query = (sid: string) => `# conversations-graphql: Twilio Conversations v2 as one typed GraphQL endpoint.
# Run this (▶), then page back: set "before" to pageInfo.startCursor.
query LatestCommunications($sid: String! = ${JSON.stringify(sid)}, $count: Int = 10, $before: String) {
  conversation(sid: $sid) {
    name
    status
    communications(last: $count, before: $before) {
      pageInfo { hasPreviousPage startCursor }
      edges {
        cursor
        node {
          id
          occurredAt
          author { address channel participant { name type } }
          content {
            __typename
            ... on TextContent { text }
            ... on TranscriptionContent {
              text
              transcription { confidence words { text startTime endTime } }
            }
            ... on UnsupportedContent { type raw }
          }
        }
      }
    }
  }
}
`;

// GraphiQL runs one operation per window and stops it when another tab is opened (its changeTab
// calls stop()): the message that shows up here is sent from a second browser tab of GraphiQL.
const live = (sid: string) => `# Live: the thread's new messages as they arrive (a subscription,
# over Server-Sent Events). Run it (▶): it keeps running. Then open
# this page in a second browser tab and run SendMessage there (with a
# new idempotencyKey if it ran before): the message shows here at once.
# (GraphiQL stops a running operation when you switch its own tabs.)
# Each cursor works as "after": run again with the last one you saw,
# and every message since then arrives first, then the live ones.
subscription LiveThread($sid: String! = ${JSON.stringify(sid)}, $after: String) {
  communicationAdded(conversationSid: $sid, after: $after) {
    cursor
    node {
      sid
      occurredAt
      author { address channel }
      content {
        __typename
        ... on TextContent { text }
        ... on TranscriptionContent { text }
      }
    }
  }
}
`;

const SEND_MESSAGE = `# Adds a message to the conversation. Run it twice: the idempotency key makes the
# second run return the same communication instead of creating another. (The key is new each
# time the service starts; give it another UUID to send another message.)
mutation SendMessage($input: CreateCommunicationInput!) {
  createCommunication(input: $input) {
    communication { sid createdAt content { ... on TextContent { text } } }
    communicationEdge { cursor }
    userErrors { field message code }
    clientMutationId
  }
}
`;

const OPEN_CONVERSATION = `# Opens a conversation under the demo configuration. Run it twice: the idempotency key
# returns the same conversation instead of opening another (give it another UUID for a new one).
# conversationEdge is the new conversation as an edge of Query.conversations (Relay: @appendEdge).
mutation OpenConversation($input: CreateConversationInput!) {
  createConversation(input: $input) {
    conversation { sid name status configurationSid metadata createdAt }
    conversationEdge { cursor }
    userErrors { field message code }
    clientMutationId
  }
}
`;

const ADD_AGENT = `# An agent joins the demo thread. Run it twice: the idempotency key returns the same
# participant. participantEdge is an edge of Conversation.participants (Relay: @appendEdge).
mutation AddAgent($input: AddParticipantInput!) {
  addParticipant(input: $input) {
    participant { sid name type addresses { address channel } conversation { name status } }
    participantEdge { cursor }
    userErrors { field message code }
    clientMutationId
  }
}
`;

const CLOSE_CONVERSATION = `# Closes a conversation: a PATCH, so what the input leaves out (the name) is unchanged, and
# metadata is merged (a key set to null would be removed). A closed conversation takes no new
# participants or messages: this tab closes the billing call, which the other tabs do not use.
# Running it again leaves the same state (the upstream replays keys only for creates and deletes).
mutation CloseConversation($input: UpdateConversationInput!) {
  updateConversation(input: $input) {
    conversation { sid name status metadata updatedAt }
    userErrors { field message code }
    clientMutationId
  }
}
`;

const variables = (value: unknown) => JSON.stringify(value, null, 2);

/** The default tabs; `newKey` makes each mutation tab's idempotency key (one call per tab). */
export function graphiqlTabs(example: GraphiqlExample | undefined, newKey: () => string = randomUUID) {
  const sid = example?.conversationSid ?? 'conv_conversation_…';
  const send = {
    conversationSid: sid,
    author: example?.author ?? { address: '+15005550006', channel: 'SMS' },
    recipients: [example?.recipient ?? { address: '+15005550001', channel: 'SMS' }],
    content: { text: { text: 'Hello from GraphiQL!' } },
    idempotencyKey: newKey(),
    clientMutationId: 'graphiql-1',
  };
  const open = {
    configurationSid: example?.configurationSid ?? 'conv_configuration_…',
    name: 'Follow-up visit - ticket #7731',
    metadata: { ticket: '7731', visit: 'router-swap' },
    idempotencyKey: newKey(),
    clientMutationId: 'graphiql-open',
  };
  const join = {
    conversationSid: sid,
    ...(example?.joiningAgent ?? { name: 'Ravi Shah', type: 'HUMAN_AGENT', addresses: [{ address: '+15005550006', channel: 'SMS' }] }),
    idempotencyKey: newKey(),
    clientMutationId: 'graphiql-join',
  };
  const close = {
    sid: example?.conversationToCloseSid ?? 'conv_conversation_…',
    status: 'CLOSED',
    metadata: { resolution: 'refund-issued' },
    idempotencyKey: newKey(),
    clientMutationId: 'graphiql-close',
  };
  return [
    { query: query(sid), variables: variables({ sid, count: 10 }) },
    { query: live(sid), variables: variables({ sid, after: null }) },
    { query: SEND_MESSAGE, variables: variables({ input: send }) },
    { query: OPEN_CONVERSATION, variables: variables({ input: open }) },
    { query: ADD_AGENT, variables: variables({ input: join }) },
    { query: CLOSE_CONVERSATION, variables: variables({ input: close }) },
  ];
}
