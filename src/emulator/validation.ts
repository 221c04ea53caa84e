// Request validation, written from the OpenAPI document's request schemas plus the gap-fills listed in
// README.md (address formats, metadata keys, configuration id shape). Failures become 400s whose message
// names the first offending parameter as a quoted path, e.g. `Invalid parameter 'recipients[0].channel': …`.
import { z } from 'zod';
import { ApiError, invalidParameter, missingParameter } from './errors.ts';
import { idPattern } from './ids.ts';
import { CHANNELS, CONVERSATION_STATUSES, PARTICIPANT_TYPES } from './model.ts';

const E164 = /^\+\d{8,15}$/;

/** Address formats per channel (the document describes them; a real server rejects the rest). */
function addressProblem(channel: string, address: string): string | undefined {
  switch (channel) {
    case 'SMS':
    case 'VOICE':
      return E164.test(address) ? undefined : `must be an E.164 phone number such as +18005550100 for channel ${channel}`;
    case 'WHATSAPP':
      return /^whatsapp:\+\d{8,15}$/.test(address) ? undefined : 'must look like whatsapp:+18005550100 for channel WHATSAPP';
    case 'RCS':
      return /^rcs:\S+$/.test(address) ? undefined : 'must look like rcs:brand_agent or rcs:+18005550100 for channel RCS';
    default:
      return address.length > 0 ? undefined : `must not be empty for channel ${channel}`;
  }
}

function checkAddress(value: { channel: string; address: string }, ctx: z.RefinementCtx): void {
  const problem = addressProblem(value.channel, value.address);
  if (problem) ctx.addIssue({ code: 'custom', path: ['address'], message: problem });
}

const channel = z.enum(CHANNELS);
const participantType = z.enum(PARTICIPANT_TYPES);
const conversationStatus = z.enum(CONVERSATION_STATUSES);

const participantAddress = z.object({ channel, address: z.string(), channelId: z.string().optional() }).superRefine(checkAddress);

const communicationAddress = z.object({ address: z.string(), channel, participantId: z.string().optional() }).superRefine(checkAddress);

const METADATA_KEY = /^[A-Za-z0-9._-]{1,128}$/;

function metadata<V extends z.ZodType>(value: V) {
  return z.record(z.string(), value).superRefine((entries, ctx) => {
    const keys = Object.keys(entries);
    if (keys.length > 8) ctx.addIssue({ code: 'custom', message: 'must have at most 8 entries' });
    if (keys.some((key) => !METADATA_KEY.test(key))) {
      ctx.addIssue({
        code: 'custom',
        message: 'keys must be 1 to 128 characters: letters, digits, periods, underscores or dashes',
      });
    }
  });
}

const participantFields = {
  name: z.string().optional(),
  type: participantType.optional(),
  profileId: z.string().optional(),
};

const statusCallback = z.object({ url: z.url(), method: z.enum(['POST', 'GET']).optional() });

export const createConversationBody = z.object({
  configurationId: z
    .string()
    .regex(idPattern('configuration'), 'must be a configuration id such as conv_configuration_01jq2x8d5ve0yqa1srhm2w4g9c'),
  name: z.string().optional(),
  configuration: z
    .object({
      intelligenceConfigurationIds: z.array(z.string()).max(5).optional(),
      traitExtractionStrategyIds: z.array(z.string()).max(1).optional(),
      observationExtractionStrategyIds: z.array(z.string()).max(1).optional(),
      workflows: z
        .array(z.object({ flowId: z.string().regex(/^FW[0-9a-fA-F]{32}$/, 'must be FW followed by 32 hex digits') }))
        .max(5)
        .optional(),
    })
    .optional(),
  participants: z
    .array(z.object({ ...participantFields, addresses: z.array(participantAddress).optional() }))
    .max(50)
    .optional(),
  metadata: metadata(z.string().max(512)).optional(),
});

export const replaceConversationBody = z.object({
  name: z.string().optional(),
  status: conversationStatus,
  metadata: metadata(z.string().max(512)).optional(),
});

export const patchConversationBody = z.object({
  name: z.string().nullable().optional(),
  status: conversationStatus.optional(),
  configuration: z.object({ statusCallbacks: z.array(statusCallback).max(20).nullable().optional() }).optional(),
  metadata: metadata(z.string().max(512).nullable()).optional(),
});

export const createParticipantBody = z.object({ ...participantFields, addresses: z.array(participantAddress) });

// `name: null` clears the name (the response types it as nullable; the request schema is silent).
export const replaceParticipantBody = z.object({
  ...participantFields,
  name: z.string().nullable().optional(),
  addresses: z.array(participantAddress).optional(),
});

const textContent = z.object({ type: z.literal('TEXT'), text: z.string() });
const transcriptionContent = z.object({
  type: z.literal('TRANSCRIPTION'),
  text: z.string(),
  transcription: z
    .object({
      channel: z.number().int().optional(),
      // The input schema has no bounds, but responses promise 0..1, so anything else is rejected here.
      confidence: z.number().min(0).max(1).optional(),
      engine: z.string().optional(),
    })
    .optional(),
});

export const createCommunicationBody = z.object({
  author: communicationAddress,
  content: z.discriminatedUnion('type', [textContent, transcriptionContent]),
  channelId: z.string().optional(),
  resourceId: z.string().min(1).optional(),
  recipients: z.array(communicationAddress).min(1),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/** Parses a request body against a schema, or throws the 400 for its first problem. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  throw issue ? issueToError(issue, body) : new ApiError(400, 'Invalid request body');
}

/** `['recipients', 0, 'channel']` → `recipients[0].channel` */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

function issueToError(issue: z.core.$ZodIssue, body: unknown): ApiError {
  const path = formatPath(issue.path);
  if (path === '') return new ApiError(400, 'Invalid request body: must be a JSON object');
  if (issue.code !== 'custom' && valueAt(body, issue.path) === undefined) return missingParameter(path);
  switch (issue.code) {
    case 'invalid_type':
      return invalidParameter(path, `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`);
    case 'invalid_value':
      return invalidParameter(path, `must be one of ${issue.values.join(', ')}`);
    case 'invalid_union':
      // Only the content `oneOf` is a union; zod reports its discriminator `type` as the path.
      return invalidParameter(path, `must be one of ${describeOptions(issue)}`);
    case 'too_small':
      return invalidParameter(
        path,
        issue.origin === 'array'
          ? `must contain at least ${issue.minimum} item(s)`
          : issue.origin === 'string'
            ? `must be at least ${issue.minimum} character(s) long`
            : `must be at least ${issue.minimum}`,
      );
    case 'too_big':
      return invalidParameter(
        path,
        issue.origin === 'array'
          ? `must contain at most ${issue.maximum} item(s)`
          : issue.origin === 'string'
            ? `must be at most ${issue.maximum} characters long`
            : `must be at most ${issue.maximum}`,
      );
    case 'invalid_format':
      return invalidParameter(
        path,
        issue.format === 'datetime'
          ? 'must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z'
          : issue.format === 'url'
            ? 'must be a URL'
            : issue.message,
      );
    default:
      return invalidParameter(path, issue.message);
  }
}

function describeOptions(issue: z.core.$ZodIssueInvalidUnion): string {
  const options = (issue as { options?: unknown[] }).options;
  return Array.isArray(options) ? options.join(', ') : 'the documented types';
}

// ---- query parameters and headers ----

export interface ListQuery {
  pageSize: number;
  pageToken?: string;
  /** Sorted and without duplicates, so the same filter always binds tokens the same way. */
  statuses?: string[];
  channelId?: string;
}

const DEFAULT_PAGE_SIZE = 50;

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalidParameter(name, 'must be given at most once');
  return values[0];
}

/** Parses list query parameters; `filters` names the filters this list supports (others are ignored). */
export function parseListQuery(query: URLSearchParams, filters: { status?: boolean; channelId?: boolean } = {}): ListQuery {
  const rawSize = single(query, 'pageSize');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined) {
    pageSize = /^\d{1,4}$/.test(rawSize) ? Number(rawSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= 1000)) throw invalidParameter('pageSize', 'must be an integer from 1 to 1000');
  }
  const result: ListQuery = { pageSize };
  const pageToken = single(query, 'pageToken');
  if (pageToken !== undefined) result.pageToken = pageToken;
  if (filters.status && query.has('status')) {
    const statuses = query.getAll('status');
    const bad = statuses.find((s) => !(CONVERSATION_STATUSES as readonly string[]).includes(s));
    if (bad !== undefined)
      throw invalidParameter('status', `must be one of ${CONVERSATION_STATUSES.join(', ')} (repeat the parameter for several)`);
    result.statuses = [...new Set(statuses)].sort();
  }
  if (filters.channelId) {
    const channelId = single(query, 'channelId');
    if (channelId !== undefined) result.channelId = channelId;
  }
  return result;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!UUID.test(header)) throw invalidParameter('Idempotency-Key', 'must be a UUID such as 01890a5d-aa0f-7c80-b8e6-0242ac140004');
  return header;
}
