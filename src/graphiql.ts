// The documents GraphiQL opens with: a paged communications query using the content union, and
// a createCommunication mutation, both runnable as-is against the demo data. The mutation's
// idempotency key is made when the service starts: a key written into the code (or copied from the
// README) would be shared by everyone who ever ran it, so against a real account a stranger's run
// could replay, or conflict with, yours.
import { randomUUID } from 'node:crypto';

export interface GraphiqlExample {
  conversationSid: string;
  author: { address: string; channel: string; participantSid?: string };
  recipient: { address: string; channel: string; participantSid?: string };
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

const MUTATION = `# Adds a message to the conversation. Run it twice: the idempotency key makes the
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

export function graphiqlTabs(example: GraphiqlExample | undefined, idempotencyKey: string = randomUUID()) {
  const sid = example?.conversationSid ?? 'conv_conversation_…';
  const input = {
    conversationSid: sid,
    author: example?.author ?? { address: '+15005550006', channel: 'SMS' },
    recipients: [example?.recipient ?? { address: '+15005550001', channel: 'SMS' }],
    content: { text: { text: 'Hello from GraphiQL!' } },
    idempotencyKey,
    clientMutationId: 'graphiql-1',
  };
  return [
    { query: query(sid), variables: JSON.stringify({ sid, count: 10 }, null, 2) },
    { query: MUTATION, variables: JSON.stringify({ input }, null, 2) },
  ];
}
