// Sending a message with useMutation: the new edge goes straight into the paginated connection
// through @appendEdge, with the connection ids from ConnectionHandler.getConnectionID.
import { graphql } from './graphql.ts';

export const sendMessageMutation = graphql`
  mutation SendMessageMutation($input: CreateCommunicationInput!, $connections: [ID!]!) {
    createCommunication(input: $input) {
      communicationEdge @appendEdge(connections: $connections) {
        cursor
        node {
          id
          sid
          content {
            __typename
            ... on TextContent {
              text
            }
          }
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
