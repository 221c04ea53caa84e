// Formats the facade judges itself, as Twilio's OpenAPI document describes them (the address of
// `conversations.v2.address`): a value that can only be refused upstream is refused here, for free.

/** A UUID, any case (the facade sends it lower case). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;
const WHATSAPP = /^whatsapp:\+[1-9]\d{1,14}$/;
/** A sender id or a phone number after `rcs:`. */
const RCS = /^rcs:\S+$/;

/**
 * What is wrong with an address for its channel, or undefined. SMS and VOICE take an E.164 number,
 * WHATSAPP `whatsapp:` and one, RCS `rcs:` and a sender id or number; CHAT (a customer-defined
 * identifier) and VIDEO are free-form, bounded only by length.
 */
export function addressProblem(channel: string, address: string): string | undefined {
  switch (channel) {
    case 'SMS':
    case 'VOICE':
      return E164.test(address) ? undefined : `For ${channel}, an E.164 phone number such as +18005550100.`;
    case 'WHATSAPP':
      return WHATSAPP.test(address) ? undefined : 'For WHATSAPP, whatsapp: and an E.164 phone number, such as whatsapp:+18005550100.';
    case 'RCS':
      return RCS.test(address) ? undefined : 'For RCS, rcs: and a sender id or phone number, such as rcs:brand_acme_agent.';
    default:
      return undefined;
  }
}

/**
 * Conversation metadata, as the OpenAPI document describes it: an object of at most 8 entries,
 * keys of 1 to 128 letters, digits, `.`, `_` or `-`, string values of at most 512 characters.
 */
export const METADATA = { maxEntries: 8, key: /^[A-Za-z0-9._-]{1,128}$/, maxValueLength: 512 } as const;

export interface MetadataProblem {
  /** The offending key, or undefined when the problem is the whole value. */
  key?: string;
  message: string;
}

/**
 * What is wrong with a metadata object. `removals`: a value may be null (an update's merge patch
 * removes that key). The caller decides what a null metadata itself means.
 */
export function metadataProblems(value: unknown, options: { removals: boolean }): MetadataProblem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ message: 'metadata must be an object of string values, such as {"ticket": "TKT-456"}.' }];
  }
  const entries = Object.entries(value);
  if (entries.length > METADATA.maxEntries) return [{ message: `metadata takes at most ${METADATA.maxEntries} entries.` }];
  const valueRule = `A metadata value is a string of at most ${METADATA.maxValueLength} characters${options.removals ? ', or null to remove the key' : ''}.`;
  const problems: MetadataProblem[] = [];
  for (const [key, entry] of entries) {
    if (!METADATA.key.test(key))
      problems.push({ key, message: 'A metadata key is 1 to 128 letters, digits, periods, underscores or dashes.' });
    else if (entry === null ? !options.removals : typeof entry !== 'string' || entry.length > METADATA.maxValueLength) {
      problems.push({ key, message: valueRule });
    }
  }
  return problems;
}
