// The screen's entry query: any conversation by its global id through `node(id:)`, as Relay's
// refetch and useLazyLoadQuery use it, spreading the paginated fragment. The spread is on the
// `Node` interface, so Relay wants an @alias: the fragment reference is null for other types.
import { graphql } from './graphql.ts';

export const conversationScreenQuery = graphql`
  query ConversationScreenQuery($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Conversation {
        sid
        status
      }
      ...ConversationCommunications_conversation @alias(as: "conversation")
    }
  }
`;
