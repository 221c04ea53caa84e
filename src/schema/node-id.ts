// Global object ids (Relay's Global Object Identification): opaque base64url of "Type:key".
// Objects that live inside a conversation carry its sid too ("Communication:conv…/conv…"), so
// `node(id:)` can fetch them without another lookup. A malformed id is BAD_USER_INPUT.
import { badUserInput } from '../errors.ts';

const NODE_TYPES = new Set(['Conversation', 'Participant', 'Communication']);

/** What an upstream sid may look like: checked before any sid is put into an upstream path. */
export const SID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function encodeNodeId(typename: string, key: string | number | bigint): string {
  return Buffer.from(`${typename}:${String(key)}`).toString('base64url');
}

export function decodeNodeId(globalId: string): { typename: string; id: string } {
  const invalid = () => badUserInput('Invalid global id.', { argument: 'id' });
  if (globalId.length === 0 || globalId.length > 256 || !/^[A-Za-z0-9_-]+={0,2}$/.test(globalId)) throw invalid();
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const typename = text.slice(0, colon);
  const key = text.slice(colon + 1);
  if (colon < 0 || !NODE_TYPES.has(typename)) throw invalid();
  const parts = key.split('/');
  const expected = typename === 'Conversation' ? 1 : 2;
  if (parts.length !== expected || !parts.every((part) => SID_PATTERN.test(part))) throw invalid();
  return { typename, id: key };
}

/** The two sids in the key of an object that lives inside a conversation. */
export function splitChildKey(key: string): { conversationId: string; id: string } {
  const [conversationId = '', id = ''] = key.split('/');
  return { conversationId, id };
}

export function checkSid(sid: string, argument: string): string {
  if (!SID_PATTERN.test(sid)) throw badUserInput(`\`${argument}\` is not a valid sid.`, { argument });
  return sid;
}
