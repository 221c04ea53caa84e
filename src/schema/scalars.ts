// DateTime (RFC 3339 strings, as the upstream sends them; an input must name a real instant in the
// years 1970..9999) and JSON (raw upstream values).
import { Kind, valueFromASTUntyped } from 'graphql';
import { badUserInput } from '../errors.ts';
import { RFC3339_DATE_TIME as RFC3339 } from '../rfc3339.ts';
import { builder } from './builder.ts';

/**
 * The years a DateTime input may name. Nothing in a conversation happened before the Unix epoch,
 * and four digits are all RFC 3339 has; outside that a date is a typo (or an attack), not a time.
 */
export const DATE_TIME_YEARS = { min: 1970, max: 9999 } as const;
/** Nanoseconds: no clock is finer, and an endless fraction is not a time either. */
const MAX_FRACTION_DIGITS = 9;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** An RFC 3339 date-time naming a real instant: no 2026-02-30, no 24:00, no +25:00 (leap seconds are refused too). */
export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, , offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysIn(year!, month!) &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

function parseDateTime(value: unknown): string {
  if (!isDateTime(value)) {
    throw badUserInput('DateTime must be an RFC 3339 date-time of a real calendar date, e.g. 2026-01-31T12:00:00Z.');
  }
  const [, year, , , , , , fraction = ''] = RFC3339.exec(value)!;
  if (Number(year) < DATE_TIME_YEARS.min || Number(year) > DATE_TIME_YEARS.max || fraction.length > MAX_FRACTION_DIGITS) {
    throw badUserInput(
      `DateTime must lie in the years ${DATE_TIME_YEARS.min} to ${DATE_TIME_YEARS.max}, with at most ${MAX_FRACTION_DIGITS} fractional digits.`,
    );
  }
  return value;
}

export const DateTime = builder.scalarType('DateTime', {
  description: 'An RFC 3339 date-time string, e.g. `2026-01-31T12:00:00Z`.',
  // Output values were checked where they entered (upstream decoding): only the type is checked here.
  serialize: (value) => {
    if (typeof value !== 'string') throw new TypeError('DateTime cannot represent a non-string value');
    return value;
  },
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

export const JSONScalar = builder.scalarType('JSON', {
  description: 'Any JSON value, passed through as the upstream sent it.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
