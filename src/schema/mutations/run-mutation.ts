// The paved path every mutation resolver takes, so each one is only its input, its checks, its
// write and its payload:
//   1. bounds: every string, list and JSON value of `input` against its declared bound (input-bounds.ts),
//   2. within bounds: idempotencyKey must be a UUID; then the mutation's own checks (InputErrors),
//   → anything wrong: userErrors, and nothing is sent upstream;
//   3. the write, with the idempotencyKey in lower case (UUIDs are case-insensitive: an upper-case
//      copy of a key is the same key);
//   4. a refusal of the write → userErrors in the facade's words (upstream-rejections.ts), and the
//      payload of nothing (`payload(null, null)`); a write that happened → `payload(value, kind)`. Failures that are not about the input (401, 403, 429, 5xx,
//      timeouts) are thrown by the upstream client and become top-level errors.
import type { FieldMap, SchemaTypes } from '@pothos/core';
import type { GraphQLInputType, GraphQLResolveInfo } from 'graphql';
import type { WriteOptions } from '../../upstream/api.ts';
import type { WriteKind, WriteResult } from '../../upstream/write-result.ts';
import { builder } from '../builder.ts';
import { boundViolations, declaredBounds } from '../input-bounds.ts';
import { userErrorForRejection } from './upstream-rejections.ts';
import { InputErrors, UserError, type UserErrorShape } from './user-errors.ts';

/** What every mutation input has (mutationInputFields in inputs.ts). */
export interface MutationInputBase {
  idempotencyKey?: string | null | undefined;
  clientMutationId?: string | null | undefined;
}

/** What every payload has besides its own fields. */
export interface PayloadBase {
  userErrors: UserErrorShape[];
  clientMutationId: string | null;
}

export interface MutationSteps<Input, Value, Fields> {
  /** What the facade can judge itself, beyond bounds and the idempotencyKey; paths from `input`. */
  check?: (input: Input, errors: InputErrors) => void;
  /** The write (a loaders.writes method), given the normalised idempotency key. */
  write: (options: WriteOptions) => Promise<WriteResult<Value>>;
  /** The payload's own fields: for what was written, or for nothing (null) when the input was refused. */
  payload: (value: Value | null, kind: WriteKind | null) => Fields;
}

/** The GraphQL type of the running mutation's `input` argument. */
function inputArgument(info: GraphQLResolveInfo) {
  const argument = info.parentType.getFields()[info.fieldName]?.args.find((arg) => arg.name === 'input');
  if (!argument) throw new Error(`Mutation.${info.fieldName} has no input argument`);
  return argument;
}

export async function runMutation<Input extends MutationInputBase, Value, Fields>(
  input: Input,
  info: GraphQLResolveInfo,
  steps: MutationSteps<Input, Value, Fields>,
): Promise<Fields & PayloadBase> {
  const clientMutationId = input.clientMutationId ?? null;
  const argument = inputArgument(info);
  const errors = new InputErrors();
  for (const violation of boundViolations(argument.type, input, [], declaredBounds(argument))) {
    errors.add(violation.path, violation.message);
  }
  // Checks run only on input within its bounds (so 5,000 bad recipients are one error, not 5,000).
  if (!errors.any) {
    errors.idempotencyKey(input.idempotencyKey);
    steps.check?.(input, errors);
  }
  if (errors.any) return { ...steps.payload(null, null), userErrors: errors.list, clientMutationId };

  const idempotencyKey = input.idempotencyKey?.toLowerCase();
  const result = await steps.write(idempotencyKey === undefined ? {} : { idempotencyKey });
  if (result.kind === 'rejected') {
    const userError = userErrorForRejection(result, input as Record<string, unknown>, argument.type as GraphQLInputType);
    return { ...steps.payload(null, null), userErrors: [userError], clientMutationId };
  }
  return { ...steps.payload(result.value, result.kind), userErrors: [], clientMutationId };
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

/**
 * A mutation payload type: the mutation's own fields plus `userErrors` and `clientMutationId`.
 * `Shape` is what the resolver returns (its own fields & PayloadBase).
 */
export function payloadType<Shape extends PayloadBase>(
  name: string,
  options: { description?: string; fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => FieldMap },
) {
  return builder.objectRef<Shape>(name).implement({
    ...(options.description === undefined ? {} : { description: options.description }),
    fields: (t) => ({
      ...options.fields(t),
      userErrors: t.field({ type: [UserError], resolve: (payload) => payload.userErrors }),
      clientMutationId: t.string({ nullable: true, resolve: (payload) => payload.clientMutationId }),
    }),
  });
}
