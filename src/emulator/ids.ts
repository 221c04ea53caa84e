// Resource ids in Twilio's Conversations v2 shape: a type prefix plus a lowercase ULID (Crockford base32).
// The ULID starts with the creation time in milliseconds, so ids made later sort later; the emulator's
// clock never hands out the same millisecond twice (see clock.ts), which makes that order strict.
import type { Random } from './prng.ts';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

const ID_PREFIX = {
  conversation: 'conv_conversation_',
  participant: 'conv_participant_',
  communication: 'conv_communication_',
  configuration: 'conv_configuration_',
  operation: 'proc_job_',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** 26 characters: 10 for the 48-bit timestamp, 16 for 80 random bits. */
export function ulid(timeMs: number, random: Random): string {
  let time = '';
  let rest = timeMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  let randomPart = '';
  for (let i = 0; i < 16; i++) randomPart += CROCKFORD.charAt(Math.floor(random() * 32));
  return time + randomPart;
}

export function newId(kind: IdKind, timeMs: number, random: Random = Math.random): string {
  return ID_PREFIX[kind] + ulid(timeMs, random);
}

/** Matches an id of the given kind, e.g. for checking a `configurationId` before trusting it. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIX[kind]}[${CROCKFORD}]{26}$`);
}
