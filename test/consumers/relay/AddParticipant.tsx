// Adding a participant with useMutation: the new edge goes to the end of the conversation's
// participants connection through @appendEdge.
import { graphql } from './graphql.ts';

export const addParticipantMutation = graphql`
  mutation AddParticipantMutation($input: AddParticipantInput!, $connections: [ID!]!) {
    addParticipant(input: $input) {
      participantEdge @appendEdge(connections: $connections) {
        cursor
        node {
          id
          sid
          name
          type
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
