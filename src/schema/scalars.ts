// DateTime (RFC 3339 strings, as the upstream sends them) and JSON (raw upstream values).
import { Kind, valueFromASTUntyped } from 'graphql';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

function parseDateTime(value: unknown): string {
  if (!isDateTime(value)) throw badUserInput('DateTime must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z.');
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
