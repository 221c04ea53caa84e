// The account's conversations as an inbox screen holds them: Query.conversations as a Relay
// @connection, so OpenConversation's @appendEdge has a connection to put the new edge into
// (its id: ConnectionHandler.getConnectionID('client:root', 'ConversationInbox_conversations')).
import { graphql } from './graphql.ts';

export const conversationInboxQuery = graphql`
  query ConversationInboxQuery($first: Int = 20, $after: String) {
    conversations(first: $first, after: $after) @connection(key: "ConversationInbox_conversations") {
      edges {
        node {
          id
          sid
          name
          status
        }
      }
    }
  }
`;
