// The userErrors every mutation answers with: the UserError type and its codes, and InputErrors,
// the collector a mutation's own checks write into before anything is sent upstream. Messages are
// the facade's own words, written for the caller; `field` is a path from `input`.
import { builder } from '../builder.ts';
import { SID_PATTERN } from '../node-id.ts';
import { addressProblem, metadataProblems, UUID } from './checks.ts';

export type UserErrorCodeValue = 'INVALID' | 'REQUIRED' | 'NOT_FOUND' | 'CONFLICT';

export interface UserErrorShape {
  field: string[] | null;
  message: string;
  code: UserErrorCodeValue;
}

export const UserErrorCode = builder.enumType('UserErrorCode', {
  values: ['INVALID', 'REQUIRED', 'NOT_FOUND', 'CONFLICT'] as const,
});

export const UserError = builder.objectRef<UserErrorShape>('UserError').implement({
  description: 'Why an input was not accepted. `field` is the path of the offending input field, from `input`.',
  fields: (t) => ({
    field: t.exposeStringList('field', { nullable: true }),
    message: t.exposeString('message'),
    code: t.field({ type: UserErrorCode, resolve: (error) => error.code }),
  }),
});

/** A path below `input`: ['recipients', 0, 'address']. */
export type InputPath = readonly (string | number)[];

/**
 * Collects what is wrong with an input. One error per field: the first one found wins (a bound
 * broken is reported, not also the format of the oversized value).
 */
export class InputErrors {
  readonly #errors: UserErrorShape[] = [];
  readonly #fields = new Set<string>();

  get list(): UserErrorShape[] {
    return this.#errors;
  }

  get any(): boolean {
    return this.#errors.length > 0;
  }

  add(path: InputPath, message: string, code: UserErrorCodeValue = 'INVALID'): void {
    const field = ['input', ...path.map(String)];
    const key = field.join('\u0000');
    if (this.#fields.has(key)) return;
    this.#fields.add(key);
    this.#errors.push({ field, message, code });
  }

  /** An upstream sid (`conv_conversation_…`); `what` names it in the message. */
  sid(path: InputPath, value: string | null | undefined, what: string): void {
    if (value != null && !SID_PATTERN.test(value)) this.add(path, `Not a valid ${what} sid.`);
  }

  /** An address for its channel (see checks.ts), at `path` (its `address` and `channel` below it). */
  address(path: InputPath, value: { address: string; channel: string }): void {
    if (value.channel === 'UNKNOWN') this.add([...path, 'channel'], 'UNKNOWN is not a channel that can be sent to.');
    if (value.address.trim() === '') {
      this.add([...path, 'address'], 'An address is required.', 'REQUIRED');
      return;
    }
    const problem = addressProblem(value.channel, value.address);
    if (problem) this.add([...path, 'address'], problem);
  }

  /** Conversation metadata (checks.ts), at `path`; an offending key at `path` + key. `removals`: null values allowed. */
  metadata(path: InputPath, value: unknown, options: { removals: boolean }): void {
    if (value === undefined || value === null) return;
    for (const problem of metadataProblems(value, options)) {
      this.add(problem.key === undefined ? path : [...path, problem.key], problem.message);
    }
  }

  idempotencyKey(value: string | null | undefined): void {
    if (value != null && !UUID.test(value)) this.add(['idempotencyKey'], 'idempotencyKey must be a UUID.');
  }

  /** A number within [min, max]. */
  range(path: InputPath, value: number | null | undefined, min: number, max: number, message: string): void {
    if (value != null && (value < min || value > max)) this.add(path, message);
  }
}
