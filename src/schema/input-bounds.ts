// Bounds on every value a caller can send: every String/ID argument and input field has a maximum
// length, every list a maximum number of items, every JSON input a maximum serialised size. A field
// declares its own with `extensions: { maxLength }` / `{ maxItems }` (see MAX_LENGTH); anything
// without one gets the default, so a field added later is bounded without anyone remembering to.
// One walker, two callers: server/argument-bounds.ts refuses a query's arguments before execution
// (BAD_USER_INPUT), and mutations/run-mutation.ts turns a mutation input's excesses into userErrors.
import { getNullableType, isEnumType, isInputObjectType, isListType, type GraphQLInputType } from 'graphql';

/**
 * Maximum lengths, in UTF-16 code units (what JavaScript's `length` counts). Upstream ids are
 * short (`conv_conversation_` + 26 characters); the default fits names, addresses, channel ids,
 * resource ids, engines, profile ids, client mutation ids and global ids with room to spare.
 */
export const MAX_LENGTH = {
  /** Any String/ID without its own bound. */
  default: 256,
  /** An upstream sid (node-id.ts SID_PATTERN allows 1..64 characters). */
  sid: 64,
  /** A UUID is 36 characters. */
  idempotencyKey: 36,
  /** The text of a communication (a message, a transcribed utterance). */
  text: 32_768,
  /** A connection cursor: the cursor codec's own bound (connections/cursor.ts). */
  cursor: 4096,
  /** A JSON input (e.g. metadata), serialised. */
  json: 8192,
} as const;

/** Items in any list argument or input field without its own `maxItems`. */
export const DEFAULT_MAX_ITEMS = 100;

/** What a field or argument declares in `extensions`. */
export interface InputBounds {
  maxLength?: number;
  maxItems?: number;
}

export interface BoundViolation {
  /** From the argument: ['input', 'recipients', '0', 'address'] or ['channelId']. */
  path: string[];
  message: string;
}

const STRING_SCALARS = new Set(['String', 'ID']);

/** The bounds an argument or input field declares in its `extensions`. */
export function declaredBounds(definition: { extensions?: Readonly<Record<string, unknown>> | null }): InputBounds {
  const maxLength = definition.extensions?.maxLength;
  const maxItems = definition.extensions?.maxItems;
  return {
    ...(typeof maxLength === 'number' ? { maxLength } : {}),
    ...(typeof maxItems === 'number' ? { maxItems } : {}),
  };
}

/**
 * Every bound a (coerced) value of `type` breaks, with its path. `bounds` are those declared on the
 * argument or input field that holds the value; they apply to the items of a list too.
 */
export function boundViolations(
  type: GraphQLInputType,
  value: unknown,
  path: string[],
  bounds: InputBounds,
  found: BoundViolation[] = [],
): BoundViolation[] {
  if (value === null || value === undefined) return found;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // A single value where a list is expected is coerced into a one-item list: check it as an item.
    const items: unknown[] = Array.isArray(value) ? value : [value];
    const maxItems = bounds.maxItems ?? DEFAULT_MAX_ITEMS;
    if (items.length > maxItems) {
      found.push({ path, message: `At most ${maxItems} items.` });
      return found;
    }
    for (const [i, item] of items.entries()) boundViolations(nullable.ofType, item, [...path, String(i)], bounds, found);
    return found;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object') return found;
    const fields = nullable.getFields();
    for (const [name, fieldValue] of Object.entries(value)) {
      const field = fields[name];
      if (field) boundViolations(field.type, fieldValue, [...path, name], declaredBounds(field), found);
    }
    return found;
  }
  if (isEnumType(nullable)) return found;
  if (STRING_SCALARS.has(nullable.name)) {
    const maxLength = bounds.maxLength ?? MAX_LENGTH.default;
    if (typeof value === 'string' && value.length > maxLength) found.push({ path, message: `At most ${maxLength} characters.` });
    return found;
  }
  if (nullable.name === 'JSON') {
    const maxLength = bounds.maxLength ?? MAX_LENGTH.json;
    if (serialisedLength(value) > maxLength) found.push({ path, message: `At most ${maxLength} characters of JSON.` });
  }
  // Int, Float, Boolean and DateTime carry their own bounds in their definitions.
  return found;
}

function serialisedLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
