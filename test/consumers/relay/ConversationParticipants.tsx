// A conversation's participants as a Relay @connection, so AddParticipant's @appendEdge has a
// connection to put the new edge into (its id: ConnectionHandler.getConnectionID(conversation.id,
// 'ConversationParticipants_participants')).
import { graphql } from './graphql.ts';

export const conversationParticipantsFragment = graphql`
  fragment ConversationParticipants_conversation on Conversation {
    id
    participants(first: 50) @connection(key: "ConversationParticipants_participants") {
      edges {
        node {
          id
          sid
          name
          type
        }
      }
    }
  }
`;

export const conversationParticipantsQuery = graphql`
  query ConversationParticipantsQuery($sid: String!) {
    conversation(sid: $sid) {
      ...ConversationParticipants_conversation
    }
  }
`;
