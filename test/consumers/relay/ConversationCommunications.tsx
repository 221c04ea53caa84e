// A conversation's communications as Relay's usePaginationFragment would read them: a
// @refetchable fragment on a Node type, whose @connection field takes first/after and last/before,
// so `loadNext` and `loadPrevious` both work (bidirectional pagination).
import { graphql } from './graphql.ts';

export const conversationCommunicationsFragment = graphql`
  fragment ConversationCommunications_conversation on Conversation
  @refetchable(queryName: "ConversationCommunicationsPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int", defaultValue: 10 }
    before: { type: "String" }
    channelId: { type: "String" }
  ) {
    id
    name
    communications(first: $first, after: $after, last: $last, before: $before, channelId: $channelId)
      @connection(key: "ConversationCommunications_communications", filters: ["channelId"]) {
      edges {
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
            ... on TranscriptionContent {
              text
              transcription {
                confidence
              }
            }
            ... on UnsupportedContent {
              type
            }
          }
        }
      }
    }
  }
`;
