// Deleting a conversation with useMutation: @deleteRecord removes the record whose id is
// deletedConversationId (the Conversation's Node id) from the store, and with it its edges in
// every connection, the inbox's included.
import { graphql } from './graphql.ts';

export const deleteConversationMutation = graphql`
  mutation DeleteConversationMutation($input: DeleteConversationInput!) {
    deleteConversation(input: $input) {
      deletedConversationId @deleteRecord
      userErrors {
        field
        message
        code
      }
      clientMutationId
    }
  }
`;
