// New messages pushed into the open thread with useSubscription: each communicationAdded edge goes to
// the end of the paginated connection through @appendEdge (the connection ids from
// ConnectionHandler.getConnectionID), and `after` (the connection's endCursor, then the last edge's
// cursor) makes a reconnect deliver what was missed first, so the screen has no gap.
import { graphql } from './graphql.ts';

export const liveMessagesSubscription = graphql`
  subscription LiveMessagesSubscription($sid: String!, $after: String, $connections: [ID!]!) {
    communicationAdded(conversationSid: $sid, after: $after) @appendEdge(connections: $connections) {
      cursor
      node {
        id
        sid
        occurredAt
        author {
          address
          channel
        }
        content {
          __typename
          ... on TextContent {
            text
          }
        }
      }
    }
  }
`;
