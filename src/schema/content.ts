// CommunicationContent: the upstream's `content`, discriminated by its `type`. TEXT and
// TRANSCRIPTION get their own types; anything else (a type added later, a bare string, {}) is
// UnsupportedContent carrying the raw value, so new upstream content never breaks a query.
import { builder } from './builder.ts';
import { MAX_LENGTH } from './input-bounds.ts';
import { DateTime, isDateTime, JSONScalar } from './scalars.ts';

interface TextShape {
  kind: 'text';
  text: string;
}
interface WordShape {
  text: string;
  startTime: string | null;
  endTime: string | null;
}
interface TranscriptionShape {
  channel: number | null;
  confidence: number | null;
  engine: string | null;
  words: WordShape[];
}
interface TranscriptionContentShape {
  kind: 'transcription';
  text: string;
  transcription: TranscriptionShape | null;
}
interface UnsupportedShape {
  kind: 'unsupported';
  type: string | null;
  raw: unknown;
}
export type ContentShape = TextShape | TranscriptionContentShape | UnsupportedShape;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
const int32OrNull = (value: unknown) => (Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1 ? (value as number) : null);

function readTranscription(value: unknown): TranscriptionShape | null {
  if (!isRecord(value)) return null;
  const words = Array.isArray(value.words) ? value.words : [];
  return {
    channel: int32OrNull(value.channel),
    confidence: typeof value.confidence === 'number' && Number.isFinite(value.confidence) ? value.confidence : null,
    engine: stringOrNull(value.engine),
    words: words.filter(isRecord).flatMap((word) =>
      typeof word.text === 'string'
        ? [
            {
              text: word.text,
              startTime: isDateTime(word.startTime) ? word.startTime : null,
              endTime: isDateTime(word.endTime) ? word.endTime : null,
            },
          ]
        : [],
    ),
  };
}

export function readContent(raw: unknown): ContentShape {
  if (isRecord(raw) && typeof raw.text === 'string') {
    if (raw.type === 'TEXT') return { kind: 'text', text: raw.text };
    if (raw.type === 'TRANSCRIPTION') {
      return { kind: 'transcription', text: raw.text, transcription: readTranscription(raw.transcription) };
    }
  }
  return { kind: 'unsupported', type: isRecord(raw) ? stringOrNull(raw.type) : null, raw };
}

const TextContent = builder.objectRef<TextShape>('TextContent').implement({
  description: 'A text message (SMS, WhatsApp, RCS, chat…).',
  fields: (t) => ({ text: t.exposeString('text') }),
});

const TranscriptionWord = builder.objectRef<WordShape>('TranscriptionWord').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    startTime: t.expose('startTime', { type: DateTime, nullable: true }),
    endTime: t.expose('endTime', { type: DateTime, nullable: true }),
  }),
});

const Transcription = builder.objectRef<TranscriptionShape>('Transcription').implement({
  fields: (t) => ({
    channel: t.exposeInt('channel', { nullable: true, description: 'Audio channel: 0 inbound, 1 outbound.' }),
    confidence: t.exposeFloat('confidence', { nullable: true, description: 'Overall confidence, 0.0 to 1.0.' }),
    engine: t.exposeString('engine', { nullable: true }),
    words: t.field({ type: [TranscriptionWord], resolve: (transcription) => transcription.words }),
  }),
});

const TranscriptionContent = builder.objectRef<TranscriptionContentShape>('TranscriptionContent').implement({
  description: 'A transcribed utterance of a voice call, with word timings when the engine gives them.',
  fields: (t) => ({
    text: t.exposeString('text'),
    transcription: t.field({ type: Transcription, nullable: true, resolve: (content) => content.transcription }),
  }),
});

const UnsupportedContent = builder.objectRef<UnsupportedShape>('UnsupportedContent').implement({
  description: 'Content this schema does not model (yet): a type the upstream added later, or a value of unexpected shape. Never an error.',
  fields: (t) => ({
    type: t.exposeString('type', { nullable: true, description: "The upstream's `type`, when it sent one." }),
    raw: t.field({ type: JSONScalar, nullable: true, resolve: (content) => content.raw }),
  }),
});

const TYPE_BY_KIND = {
  text: TextContent,
  transcription: TranscriptionContent,
  unsupported: UnsupportedContent,
} as const;

export const CommunicationContent = builder.unionType('CommunicationContent', {
  types: [TextContent, TranscriptionContent, UnsupportedContent],
  resolveType: (content: ContentShape) => TYPE_BY_KIND[content.kind],
});

// The input side: exactly one member, as the upstream's `oneOf` demands.
export const TextContentInput = builder.inputType('TextContentInput', {
  fields: (t) => ({ text: t.string({ required: true, extensions: { maxLength: MAX_LENGTH.text } }) }),
});

export const TranscriptionContentInput = builder.inputType('TranscriptionContentInput', {
  fields: (t) => ({
    text: t.string({ required: true, extensions: { maxLength: MAX_LENGTH.text } }),
    channel: t.int(),
    confidence: t.float(),
    engine: t.string(),
  }),
});

export const CommunicationContentInput = builder.inputType('CommunicationContentInput', {
  isOneOf: true,
  description: 'Exactly one of the members.',
  fields: (t) => ({
    text: t.field({ type: TextContentInput }),
    transcription: t.field({ type: TranscriptionContentInput }),
  }),
});
