// The cursor codec and the argument parser, in memory: only the exact text encode() wrote decodes
// (appended, inserted or re-spelled characters are refused, though a lenient base64url decoder
// would skip them), signatures, versions and lists are checked, and the arguments' rules hold.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConnectionArgs } from '../../src/connections/args.ts';
import { CursorCodec, peekCursor, scopeTag, type Cursor } from '../../src/connections/cursor.ts';

const SECRET = 'unit-secret';
const codec = new CursorCodec(SECRET);
const TAG = scopeTag('list-a');
const OTHER_TAG = scopeTag('list-b');

const onPage: Cursor = {
  id: 'conv_communication_01',
  page: { size: 20, token: 'tok-page', index: 19, offset: 39, next: 'tok-next' },
};
const firstOnPage: Cursor = {
  id: 'conv_communication_02',
  page: { size: 20, token: 'tok-page', index: 0, offset: 20, previous: 'tok-prev' },
};
const noPage: Cursor = { id: 'conv_communication_03', page: null };

/** Signs any body with the real secret, as encode() does: what only a holder of CURSOR_SECRET could make. */
function signed(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', Buffer.from(SECRET)).update(body).digest().subarray(0, 12).toString('base64url');
  return `${body}.${mac}`;
}

function refusal(text: string, tag: string | null = TAG) {
  try {
    codec.decode(tag, text, 'after');
  } catch (error) {
    return error as { message: string; extensions: Record<string, unknown> };
  }
  throw new Error(`accepted: ${text}`);
}

describe('CursorCodec', () => {
  it('round-trips a cursor on a page, the first item of a page, and one with no page', () => {
    for (const cursor of [onPage, firstOnPage, noPage]) {
      const text = codec.encode(TAG, cursor);
      expect(text).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
      expect(codec.decode(TAG, text, 'after')).toEqual(cursor);
      expect(codec.decode(null, text, 'after')).toEqual(cursor);
      expect(peekCursor(text)).toEqual(cursor);
    }
  });

  it('refuses appended, inserted and re-spelled characters that base64url decoding would skip', () => {
    const text = codec.encode(TAG, onPage);
    const [body, mac] = text.split('.') as [string, string];
    const variants = {
      'appended !!': `${text}!!`,
      'appended .x': `${text}.x`,
      'appended ==': `${text}==`,
      'appended space': `${text} `,
      'leading space': ` ${text}`,
      'a second dot': `${body}.${mac}.`,
      'a dot inside the body': `${body.slice(0, 8)}.${body.slice(8)}.${mac}`,
      'a character inserted in the signature': `${body}.${mac.slice(0, 8)}!${mac.slice(8)}`,
      'padding inside the signature': `${body}.${mac.slice(0, 8)}=${mac.slice(8)}`,
      'a newline': `${text}\n`,
      'base64 instead of base64url': `${body}.${Buffer.from(mac, 'base64url').toString('base64')}`,
      'a truncated signature': `${body}.${mac.slice(0, 15)}`,
      'no signature': body,
      'a flipped body character': `${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}.${mac}`,
      empty: '',
      huge: 'A'.repeat(5000),
    };
    for (const [name, variant] of Object.entries(variants)) {
      const error = refusal(variant);
      expect(error.extensions, name).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
      expect(error.message, name).toMatch(/not a cursor of this API/);
      // peekCursor (the cost model's read) checks the spelling too, not the signature.
      if (name !== 'a flipped body character') expect(peekCursor(variant), name).toBeNull();
    }
  });

  it('refuses a body spelled with stray low bits, even correctly signed (only the canonical spelling is ours)', () => {
    const body = Buffer.from(JSON.stringify([2, TAG, 'x', 0, null, 0, null, null, null])).toString('base64url');
    // The last character carries unused low bits; bump them: the same bytes, another spelling.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(body.at(-1)!);
    const respelled = body.slice(0, -1) + alphabet[last + 1]!;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(body, 'base64url'));
    const mac = createHmac('sha256', Buffer.from(SECRET)).update(respelled).digest().subarray(0, 12).toString('base64url');
    expect(refusal(`${respelled}.${mac}`).message).toMatch(/not a cursor of this API/);
  });

  it('refuses a cursor of another list, but not when the list is not known yet', () => {
    const text = codec.encode(OTHER_TAG, onPage);
    expect(refusal(text).message).toMatch(/different list/);
    expect(codec.decode(null, text, 'after')).toEqual(onPage);
  });

  it('refuses another secret’s cursor, and a payload re-signed by a guess', () => {
    expect(refusal(new CursorCodec('another-secret').encode(TAG, onPage)).message).toMatch(/altered/);
    const [, mac] = codec.encode(TAG, onPage).split('.') as [string, string];
    const body = Buffer.from(JSON.stringify([2, TAG, 'other', 20, null, 0, null, null, 0])).toString('base64url');
    expect(refusal(`${body}.${mac}`).message).toMatch(/altered/);
  });

  it('refuses a version-1 cursor cleanly (signed, so it is ours, but without a position)', () => {
    const v1 = signed([1, TAG, 'conv_communication_01', 20, null, 3, null, null]);
    expect(refusal(v1).message).toMatch(/earlier version of this API/);
    expect(peekCursor(v1)).toBeNull();
  });

  it('refuses signed payloads of the wrong shape', () => {
    const shapes = {
      'index beyond its page': [2, TAG, 'x', 20, null, 20, null, null, 40],
      'offset before its index': [2, TAG, 'x', 20, 'tok', 5, null, null, 4],
      'no offset': [2, TAG, 'x', 20, 'tok', 5, null, null, null],
      'page size over 1000': [2, TAG, 'x', 1001, null, 0, null, null, 0],
      'an empty id': [2, TAG, '', 20, null, 0, null, null, 0],
      'an empty token': [2, TAG, 'x', 20, '', 0, null, null, 0],
      'no page, but a token': [2, TAG, 'x', 0, 'tok', 0, null, null, null],
      'a fractional offset': [2, TAG, 'x', 20, null, 0, null, null, 0.5],
      'a future version': [3, TAG, 'x', 20, null, 0, null, null, 0],
      'an object': { v: 2 },
    };
    for (const [name, payload] of Object.entries(shapes)) {
      expect(refusal(signed(payload)).message, name).toMatch(/not a cursor of this API/);
    }
  });
});

describe('parseConnectionArgs', () => {
  const after = codec.encode(TAG, onPage);
  const before = codec.encode(TAG, { id: 'later', page: { size: 20, token: 'tok', index: 5, offset: 45 } });

  it('defaults to the first 20; `last`, or `before` alone, reads backwards', () => {
    expect(parseConnectionArgs({}, codec, TAG)).toEqual({ direction: 'forward', count: 20 });
    expect(parseConnectionArgs({ last: 5 }, codec, TAG)).toEqual({ direction: 'backward', count: 5 });
    expect(parseConnectionArgs({ before }, codec, TAG)).toMatchObject({ direction: 'backward', count: 20 });
    expect(parseConnectionArgs({ after, before }, codec, TAG)).toMatchObject({ direction: 'forward', count: 20 });
    expect(parseConnectionArgs({ first: 3, before }, codec, TAG)).toMatchObject({ direction: 'forward', count: 3 });
    expect(parseConnectionArgs({ last: 3, after }, codec, TAG)).toMatchObject({ direction: 'backward', count: 3, after: onPage });
    expect(parseConnectionArgs({ first: null, last: null, after: null, before: null }, codec, TAG)).toEqual({
      direction: 'forward',
      count: 20,
    });
  });

  it.each([
    [{ first: 0 }, 'first', /between 1 and 1000/],
    [{ first: 1001 }, 'first', /between 1 and 1000/],
    [{ last: -1 }, 'last', /between 1 and 1000/],
    [{ first: 1.5 }, 'first', /between 1 and 1000/],
    [{ first: 2, last: 2 }, 'last', /either `first` or `last`/],
    [{ after: '' }, 'after', /empty string/],
    [{ before: '' }, 'before', /empty string/],
    [{ after: 'nope' }, 'after', /not a cursor/],
    [{ last: 2, before: 'nope' }, 'before', /not a cursor/],
  ])('%j → BAD_USER_INPUT naming `%s`', (args, argument, message) => {
    expect(() => parseConnectionArgs(args, codec, TAG)).toThrow(message);
    try {
      parseConnectionArgs(args, codec, TAG);
    } catch (error) {
      expect((error as { extensions: unknown }).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });

  it('a window whose `after` is not before its `before` is refused; so is a window with a cursor that has no page', () => {
    expect(() => parseConnectionArgs({ first: 5, after: before, before: after }, codec, TAG)).toThrow(/earlier in the list than `before`/);
    expect(() => parseConnectionArgs({ first: 5, after, before: after }, codec, TAG)).toThrow(/earlier in the list/);
    const mutationEdge = codec.encode(TAG, noPage);
    expect(() => parseConnectionArgs({ first: 5, after: mutationEdge, before }, codec, TAG)).toThrow(/returned by a mutation/);
    expect(parseConnectionArgs({ first: 5, after: mutationEdge }, codec, TAG).after).toEqual(noPage);
    expect(parseConnectionArgs({ first: 5, after, before }, codec, TAG)).toMatchObject({ after: onPage });
  });

  it('checks the list only when its tag is known', () => {
    const foreign = codec.encode(OTHER_TAG, onPage);
    expect(() => parseConnectionArgs({ after: foreign }, codec, TAG)).toThrow(/different list/);
    expect(parseConnectionArgs({ after: foreign }, codec, null).after).toEqual(onPage);
  });
});
