// The benchmark's fixed workloads: the seeded data, and for each contestant the request that reads
// the same logical data, plus how to pull the 50 communication sids out of its answer (smoke check).
//
// The logical read, the same for all four contestants: conversation <sid> (one upstream fetch)
// plus the first page of 50 of its communications (one upstream list call), each with id, sid,
// occurredAt, author and text content, and the page's hasNextPage/endCursor. The N+1-prone read adds
// each communication's author participant (name, type) and its conversation: upstream, one more
// list call (the conversation's participants).

export const BENCH_AUTHORS = 6;
/** More than one page, so hasNextPage is true and endCursor carries a token. */
export const BENCH_COMMUNICATIONS = 120;
export const PAGE_SIZE = 50;
export const BENCH_USER = 'AC00000000000000000000000000000000';
export const BENCH_PASSWORD = 'emulator';
export const AUTHORIZATION = `Basic ${Buffer.from(`${BENCH_USER}:${BENCH_PASSWORD}`).toString('base64')}`;

const WORDS = [
  ...'order delivery tracking update refund exchange label carrier depot driver'.split(' '),
  ...'concierge invoice charge card statement reminder appointment'.split(' '),
];

export function benchText(i: number): string {
  const words: string[] = [];
  for (let w = 0; w < 14 + (i % 9); w++) words.push(WORDS[(i * 7 + w * 3) % WORDS.length]!);
  return `Message ${i + 1}: ${words.join(' ')}.`;
}

export function benchTranscript(i: number): string {
  return `Utterance ${i + 1}: ${WORDS.slice(i % 5, (i % 5) + 9).join(' ')}.`;
}

// ---- GraphQL documents ----

const CONTENT = '__typename ... on TextContent { text } ... on TranscriptionContent { text }';

/** (c) the facade and (b) the zero-framework limit, which answers this exact document. */
export const FACADE_PAGE_QUERY = `query Page($sid: String!) {
  conversation(sid: $sid) { communications(first: ${PAGE_SIZE}) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node { id sid occurredAt author { address channel participantSid }
    content { ${CONTENT} } } } } } }`;

export const FACADE_AUTHORS_QUERY = `query PageWithAuthors($sid: String!) {
  conversation(sid: $sid) { sid name communications(first: ${PAGE_SIZE}) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node { id sid occurredAt
    author { address channel participantSid participant { id sid name type } }
    conversation { sid name status }
    content { ${CONTENT} } } } } } }`;

const MESH_COMMUNICATION = `id occurredAt author { address channel participantId }
      content { __typename ... on ContentText { text } ... on ContentTranscription { text } }`;

/**
 * (d) GraphQL Mesh: its generated schema has one root field per REST operation and no links
 * between them, so the same read is two root fields (which the gateway runs in parallel); there are
 * no Relay cursors, the page's nextToken stands for endCursor/hasNextPage.
 */
export const MESH_PAGE_QUERY = `query Page($sid: String!) {
  conversation: FetchConversation(id: $sid) { ... on FetchConversation_200_response { id } }
  page: ListCommunicationByConversation(ConversationId: $sid, pageSize: ${PAGE_SIZE}) {
    ... on ListCommunicationByConversation_200_response {
      meta { nextToken } communications { ${MESH_COMMUNICATION} } } } }`;

/** The N+1 read on Mesh: the participants are a third root field; the client joins them to authors. */
export const MESH_AUTHORS_QUERY = `query PageWithAuthors($sid: String!) {
  conversation: FetchConversation(id: $sid) { ... on FetchConversation_200_response { id name status } }
  page: ListCommunicationByConversation(ConversationId: $sid, pageSize: ${PAGE_SIZE}) {
    ... on ListCommunicationByConversation_200_response {
      meta { nextToken } communications { ${MESH_COMMUNICATION} } } }
  participants: ListParticipantByConversation(ConversationId: $sid, pageSize: 1000) {
    ... on ListParticipantByConversation_200_response { participants { id name type } } } }`;

// ---- (a) direct REST: the upstream calls a client makes itself, in parallel ----

export function directPaths(conversationId: string, withAuthors: boolean): string[] {
  const base = `/v2/Conversations/${encodeURIComponent(conversationId)}`;
  const paths = [base, `${base}/Communications?pageSize=${PAGE_SIZE}`];
  if (withAuthors) paths.push(`${base}/Participants?pageSize=1000`);
  return paths;
}

export type Workload = 'page' | 'authors';
export type ContestantId = 'direct' | 'limit' | 'facade' | 'mesh';

export function graphqlBody(contestant: Exclude<ContestantId, 'direct'>, workload: Workload, sid: string): string {
  const query =
    contestant === 'mesh'
      ? workload === 'page'
        ? MESH_PAGE_QUERY
        : MESH_AUTHORS_QUERY
      : workload === 'page'
        ? FACADE_PAGE_QUERY
        : FACADE_AUTHORS_QUERY;
  return JSON.stringify({ query, variables: { sid }, operationName: workload === 'page' ? 'Page' : 'PageWithAuthors' });
}

// ---- checking answers (smoke mode) ----

export interface Extracted {
  sids: string[];
  /** Per communication, its author's participant name (N+1 workload only). */
  authorNames?: (string | null)[];
  hasNextPage: boolean;
}

type Json = Record<string, any>;

/**
 * A REST-shaped answer (direct REST, Mesh): the communications of the page, joined by the client
 * to the participants list for their authors' names.
 */
function fromRestShape(workload: Workload, items: Json[], participants: Json | undefined, nextToken: unknown): Extracted {
  const names = new Map<string, string>(((participants?.participants ?? []) as Json[]).map((p) => [p.id, p.name]));
  return {
    sids: items.map((c) => c.id as string),
    ...(workload === 'authors' && { authorNames: items.map((c) => names.get(c.author.participantId) ?? null) }),
    hasNextPage: Boolean(nextToken),
  };
}

/** Pulls the communication sids (and author names) out of one contestant's answer; throws on errors. */
export function extract(contestant: ContestantId, workload: Workload, answers: string[]): Extracted {
  if (contestant === 'direct') {
    const [, page, participants] = answers.map((text) => JSON.parse(text) as Json);
    return fromRestShape(workload, page!.communications as Json[], participants, page!.meta?.nextToken);
  }
  const body = JSON.parse(answers[0]!) as Json;
  if (body.errors) throw new Error(`${contestant}: errors in answer: ${JSON.stringify(body.errors).slice(0, 400)}`);
  if (contestant === 'mesh') {
    const { page, participants } = body.data;
    return fromRestShape(workload, page.communications as Json[], participants, page.meta?.nextToken);
  }
  const connection = body.data.conversation.communications as Json;
  const edges = connection.edges as Json[];
  const authorNames = () => edges.map((e) => (e.node.author.participant?.name as string) ?? null);
  return {
    sids: edges.map((e) => e.node.sid as string),
    ...(workload === 'authors' && { authorNames: authorNames() }),
    hasNextPage: connection.pageInfo.hasNextPage as boolean,
  };
}
