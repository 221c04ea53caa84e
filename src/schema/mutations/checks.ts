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
