// Opening a conversation with useMutation: the new edge (an edge of Query.conversations, which is
// ordered oldest first) goes to the end of the inbox's connection through @appendEdge.
import { graphql } from './graphql.ts';

export const openConversationMutation = graphql`
  mutation OpenConversationMutation($input: CreateConversationInput!, $connections: [ID!]!) {
    createConversation(input: $input) {
      conversationEdge @appendEdge(connections: $connections) {
        cursor
        node {
          id
          sid
          name
          status
        }
      }
      userErrors {
        field
        message
        code
      }
      clientMutationId
    }
  }
`;
