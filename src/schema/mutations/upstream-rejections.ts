// The one translation from the upstream's refusals (upstream/write-result.ts: a reason and the
// parameter it names, in the upstream's spelling) into userErrors in the facade's words: a path
// into `input` and a message the facade wrote. No upstream message or parameter name ever reaches
// a caller. A new mutation needs nothing here unless the upstream names a parameter not yet listed.
import { getNullableType, isInputObjectType, isListType, type GraphQLInputType } from 'graphql';
import type { Rejection, RejectionReason } from '../../upstream/write-result.ts';
import type { UserErrorCodeValue, UserErrorShape } from './user-errors.ts';

interface Translation {
  /**
   * The input field for this upstream segment, or a function of the segments after it (and the
   * input) giving the rest of the path, for shapes the input nests differently.
   */
  field: string | ((rest: string[], input: Record<string, unknown>) => string[]);
  /** The facade's message for a refusal of this field, per reason; otherwise the reason's message. */
  messages?: Partial<Record<RejectionReason, string>>;
}

/**
 * Upstream parameter (one segment of it: path parameters by their OpenAPI name, body fields, the
 * Idempotency-Key header) → input field. Segments not listed keep their name (`recipients`,
 * `address`, `channel`, `name`, `status`, `metadata`, `resourceId` … are spelled alike).
 */
export const UPSTREAM_PARAMETERS: Readonly<Record<string, Translation>> = {
  // The conversation a participant or communication is written into.
  ConversationId: {
    field: 'conversationSid',
    messages: {
      invalid: 'The conversation is closed: it accepts no new communications or participants.',
      not_found: 'No conversation with this sid exists.',
    },
  },
  // The resource a write addresses itself (the conversation of updateConversation, the participant of updateParticipant).
  id: { field: 'sid', messages: { not_found: 'Nothing with this sid exists.' } },
  'Idempotency-Key': {
    field: 'idempotencyKey',
    messages: {
      conflict: 'This idempotencyKey was already used with a different input: use a new key for a new request.',
      invalid: 'idempotencyKey must be a UUID.',
    },
  },
  participantId: {
    field: 'participantSid',
    messages: {
      invalid: 'No participant with this sid is part of the conversation.',
      not_found: 'No participant with this sid is part of the conversation.',
    },
  },
  configurationId: {
    field: 'configurationSid',
    messages: { invalid: 'Not a valid configuration sid.', not_found: 'No configuration with this sid exists.' },
  },
  address: { field: 'address', messages: { invalid: 'Not a valid address for its channel.' } },
  // Spelled alike; the upstream judges what the facade cannot: an update's merge with the stored keys.
  metadata: {
    field: 'metadata',
    messages: {
      invalid:
        'metadata takes at most 8 entries (an update counts them after merging with the stored ones), keys of 1 to 128 letters, digits, periods, underscores or dashes, and string values of at most 512 characters.',
    },
  },
  // Upstream content is flat ({type, text, transcription: {…}}); the input wraps it in its @oneOf member.
  content: {
    field: (rest, input) => {
      const content = (input.content ?? {}) as Record<string, unknown>;
      const member = Object.keys(content).find((key) => content[key] != null);
      const inner = rest.filter((segment) => segment !== 'type' && segment !== 'transcription');
      return member ? ['content', member, ...inner] : ['content'];
    },
  },
};

const REASON_MESSAGES: Record<RejectionReason, string> = {
  invalid: 'The conversation service did not accept this value.',
  required: 'This field is required.',
  not_found: 'This does not exist.',
  conflict: 'This conflicts with the current state of the conversation service.',
  too_large: 'The input is too large for the conversation service.',
};

const REASON_CODES: Record<RejectionReason, UserErrorCodeValue> = {
  invalid: 'INVALID',
  required: 'REQUIRED',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  too_large: 'INVALID',
};

/** `recipients[0].participantId` → ['recipients', '0', 'participantId'] */
function segmentsOf(parameter: string): string[] {
  return parameter.split(/[.[\]]+/).filter(Boolean);
}

/** Own entries only: an upstream segment such as `constructor` must not find Object.prototype. */
const translationOf = (segment: string): Translation | undefined =>
  Object.hasOwn(UPSTREAM_PARAMETERS, segment) ? UPSTREAM_PARAMETERS[segment] : undefined;

function translate(segments: string[], input: Record<string, unknown>): string[] {
  const path: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const field = translationOf(segments[i]!)?.field ?? segments[i]!;
    if (typeof field === 'function') return [...path, ...field(segments.slice(i + 1), input)];
    path.push(field);
  }
  return path;
}

/** The longest start of `path` that exists in the input type: a wrong guess is cut short, never invented. */
function existingPrefix(type: GraphQLInputType, path: string[]): string[] {
  const prefix: string[] = [];
  let current: GraphQLInputType = type;
  for (const segment of path) {
    const nullable = getNullableType(current);
    if (isListType(nullable) && /^\d+$/.test(segment)) current = nullable.ofType;
    else if (isInputObjectType(nullable) && Object.hasOwn(nullable.getFields(), segment)) current = nullable.getFields()[segment]!.type;
    else break;
    prefix.push(segment);
  }
  return prefix;
}

/** The userError for an upstream refusal of `input` (of GraphQL type `inputType`). */
export function userErrorForRejection(rejection: Rejection, input: Record<string, unknown>, inputType: GraphQLInputType): UserErrorShape {
  const segments = rejection.parameter === undefined ? [] : segmentsOf(rejection.parameter);
  const path = existingPrefix(inputType, translate(segments, input));
  const named = segments.at(-1);
  const message = (named && translationOf(named)?.messages?.[rejection.reason]) ?? REASON_MESSAGES[rejection.reason];
  return {
    field: path.length > 0 ? ['input', ...path] : null,
    message,
    code: REASON_CODES[rejection.reason],
  };
}
