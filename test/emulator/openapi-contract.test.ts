// Fidelity: every kind of answer the emulator gives is validated against the response schemas of the
// upstream's OpenAPI document (read from ../shared, never shipped). Without the document the suite
// skips locally and fails in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONVERSATIONS, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { itNeedsShared, readSharedJson } from '../helpers/shared.ts';
import { ACCOUNT, call, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, textBody, type ApiResponse } from './helpers.ts';
import { makeValidator } from './openapi-validator.ts';

const DOCUMENT = 'upstream/conversations-v2.openapi.json';
const document: any = await readSharedJson(DOCUMENT);
itNeedsShared(DOCUMENT, document);

describe.skipIf(!document)('responses match the OpenAPI document', () => {
  let emulator: Emulator;
  let schemaFor: ReturnType<typeof makeValidator>;
  const seen = new Set<string>();
  const demo: [string, string] = [DEMO_SID, DEMO_TOKEN];

  beforeAll(async () => {
    schemaFor = makeValidator(document);
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  /** Validates one answer; `template` names the document's path for it. */
  function check(template: string, method: string, response: ApiResponse, expectDocumented = true): void {
    const { validate, documented } = schemaFor(template, method, response.status);
    expect(documented, `${method} ${template} → ${response.status} is documented`).toBe(expectDocumented);
    const valid = validate(response.body);
    expect(valid, `${method} ${template} → ${response.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    if (response.status >= 400) {
      expect(Object.keys(response.body).sort()).toEqual(['code', 'message', 'more_info', 'status']);
      expect(response.body.status).toBe(response.status);
    }
    seen.add(`${method} ${template} ${response.status}`);
  }

  /** No fields beyond those the document describes, on each resource of a response. */
  function onlyDocumentedFields(template: string, method: string, status: number, resources: any[]): void {
    const schema = document.paths[template][method.toLowerCase()].responses[status].content['application/json'].schema;
    const itemSchema = schema.properties.meta ? Object.values<any>(schema.properties).find((p) => p.type === 'array').items : schema;
    const allowed = Object.keys(itemSchema.properties);
    for (const resource of resources) expect(Object.keys(resource).filter((key) => !allowed.includes(key))).toEqual([]);
  }

  const C = '/v2/Conversations';
  const C1 = '/v2/Conversations/{id}';
  const P = '/v2/Conversations/{ConversationId}/Participants';
  const P1 = '/v2/Conversations/{ConversationId}/Participants/{id}';
  const M = '/v2/Conversations/{ConversationId}/Communications';
  const M1 = '/v2/Conversations/{ConversationId}/Communications/{id}';

  it('conversations: list, create, fetch, PUT, PATCH, DELETE and their errors', async () => {
    const listed = await call(emulator, 'GET', `${C}?pageSize=2`, { auth: demo });
    check(C, 'GET', listed);
    onlyDocumentedFields(C, 'GET', 200, listed.body.conversations);
    const middle = await call(emulator, 'GET', `${C}?pageSize=2&pageToken=${listed.body.meta.nextToken}`, { auth: demo });
    expect(middle.body.meta.previousToken).toBeDefined();
    check(C, 'GET', middle);
    check(C, 'GET', await call(emulator, 'GET', `${C}?status=ACTIVE&status=CLOSED`, { auth: demo }));
    check(C, 'GET', await call(emulator, 'GET', `${C}?pageSize=0`));
    check(C, 'GET', await call(emulator, 'GET', C, { auth: null }), false);

    const body = {
      configurationId: CONFIGURATION_ID,
      name: 'Contract',
      metadata: { a: '1' },
      configuration: { intelligenceConfigurationIds: ['ic1'] },
      participants: [{ name: 'Ann', type: 'CUSTOMER', addresses: [{ channel: 'SMS', address: '+15005550001' }] }],
    };
    const headers = { 'idempotency-key': '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11' };
    const created = await call(emulator, 'POST', C, { body, headers });
    check(C, 'POST', created);
    onlyDocumentedFields(C, 'POST', 201, [created.body]);
    check(C, 'POST', await call(emulator, 'POST', C, { body: { configurationId: CONFIGURATION_ID }, headers }));
    check(C, 'POST', await call(emulator, 'POST', C, { body: {} }));

    const one = `${C}/${created.body.id}`;
    check(C1, 'GET', await call(emulator, 'GET', one));
    check(C1, 'GET', await call(emulator, 'GET', `${C}/conv_conversation_missing`));
    check(C1, 'PUT', await call(emulator, 'PUT', one, { body: { status: 'INACTIVE', name: 'Renamed' } }));
    check(C1, 'PUT', await call(emulator, 'PUT', one, { body: {} }));
    check(
      C1,
      'PATCH',
      await call(emulator, 'PATCH', one, {
        body: {
          name: null,
          metadata: { a: null, b: '2' },
          configuration: { statusCallbacks: [{ url: 'https://example.com/h', method: 'GET' }] },
        },
      }),
    );
    check(C1, 'PATCH', await call(emulator, 'PATCH', one, { body: { status: 'DONE' } }));
    check(C1, 'PATCH', await call(emulator, 'PATCH', `${C}/conv_conversation_missing`, { body: {} }));
    const deleted = await call(emulator, 'DELETE', one);
    check(C1, 'DELETE', deleted);
    // The documented headers of the 202: Operation-Id, Retry-After (integer), Location (URI).
    expect(deleted.headers.get('operation-id')).toMatch(/^proc_job_/);
    expect(deleted.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(new URL(deleted.headers.get('location')!).pathname).toBe(`/v2/ControlPlane/Operations/${deleted.headers.get('operation-id')}`);
    check(C1, 'DELETE', await call(emulator, 'DELETE', one));
  });

  it('participants and communications: list, create, fetch, PUT, upsert and their errors', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    const participant = await call(emulator, 'POST', `${C}/${id}/Participants`, {
      body: { name: 'Bo', type: 'HUMAN_AGENT', addresses: [{ channel: 'WHATSAPP', address: 'whatsapp:+15005550009', channelId: 'x' }] },
    });
    check(P, 'POST', participant);
    check(P, 'POST', await call(emulator, 'POST', `${C}/${id}/Participants`, { body: {} }));
    check(P, 'POST', await call(emulator, 'POST', `${C}/conv_conversation_missing/Participants`, { body: { addresses: [] } }));
    const participants = await call(emulator, 'GET', `${C}/${id}/Participants`);
    check(P, 'GET', participants);
    onlyDocumentedFields(P, 'GET', 200, participants.body.participants);
    check(P, 'GET', await call(emulator, 'GET', `${C}/conv_conversation_missing/Participants`));
    check(P1, 'GET', await call(emulator, 'GET', `${C}/${id}/Participants/${participant.body.id}`));
    check(P1, 'GET', await call(emulator, 'GET', `${C}/${id}/Participants/missing`));
    check(
      P1,
      'PUT',
      await call(emulator, 'PUT', `${C}/${id}/Participants/${participant.body.id}`, { body: { name: 'Bob', type: 'AGENT' } }),
    );
    check(P1, 'PUT', await call(emulator, 'PUT', `${C}/${id}/Participants/${participant.body.id}`, { body: { type: 'BOT' } }));

    const base = `${C}/${id}/Communications`;
    const text = await call(emulator, 'POST', base, {
      body: {
        ...textBody('hi'),
        author: { address: 'whatsapp:+15005550009', channel: 'WHATSAPP', participantId: participant.body.id },
        channelId: 'SM1',
        resourceId: 'SM1',
        occurredAt: '2025-05-01T10:00:00+02:00',
      },
    });
    check(M, 'POST', text);
    onlyDocumentedFields(M, 'POST', 201, [text.body]);
    check(
      M,
      'POST',
      await call(emulator, 'POST', base, {
        body: {
          ...textBody('transcribed'),
          content: { type: 'TRANSCRIPTION', text: 'hello there', transcription: { channel: 1, confidence: 0.5, engine: 'x' } },
        },
      }),
    );
    check(M, 'POST', await call(emulator, 'POST', base, { body: { ...textBody('edited'), resourceId: 'SM1' } }), false); // the 200 of an upsert
    check(M, 'POST', await call(emulator, 'POST', base, { body: { ...textBody('x'), recipients: [] } }));
    check(M, 'POST', await call(emulator, 'POST', `${C}/conv_conversation_missing/Communications`, { body: textBody('x') }));
    const communications = await call(emulator, 'GET', `${base}?pageSize=1`);
    check(M, 'GET', communications);
    check(M, 'GET', await call(emulator, 'GET', `${base}?channelId=SM1`));
    check(M, 'GET', await call(emulator, 'GET', `${base}?pageSize=1&pageToken=forged`));
    check(M1, 'GET', await call(emulator, 'GET', `${base}/${text.body.id}`));
    check(M1, 'GET', await call(emulator, 'GET', `${base}/missing`));
  });

  it('the demo data, transcriptions and delivery statuses included', async () => {
    check(C, 'GET', await call(emulator, 'GET', `${C}?pageSize=1000`, { auth: demo }));
    for (const id of Object.values(DEMO_CONVERSATIONS)) {
      const participants = await call(emulator, 'GET', `${C}/${id}/Participants?pageSize=1000`, { auth: demo });
      check(P, 'GET', participants);
      onlyDocumentedFields(P, 'GET', 200, participants.body.participants);
      const communications = await call(emulator, 'GET', `${C}/${id}/Communications?pageSize=1000`, { auth: demo });
      check(M, 'GET', communications);
      onlyDocumentedFields(M, 'GET', 200, communications.body.communications);
    }
  });

  it('injected 429, 500 and 503 answers', async () => {
    for (const status of [429, 500, 503] as const) {
      emulator.faults.enqueue({ kind: 'status', status, retryAfter: 1 });
      check(M, 'GET', await call(emulator, 'GET', `${C}/${DEMO_CONVERSATIONS.smsOrder}/Communications`, { auth: demo }));
      emulator.faults.enqueue({ kind: 'status', status });
      check(C, 'POST', await call(emulator, 'POST', C, { body: { configurationId: CONFIGURATION_ID } }));
    }
  });

  it('the wrongShape fault really matches no schema', async () => {
    emulator.faults.enqueue({ kind: 'wrongShape' });
    const response = await call(emulator, 'GET', `${C}/${DEMO_CONVERSATIONS.smsOrder}/Communications`, { auth: demo });
    const { validate } = schemaFor(M, 'GET', 200);
    expect(validate(response.body)).toBe(false);
  });

  it('covered every operation of the document with each status it can produce here', () => {
    const operations = Object.entries<any>(document.paths).flatMap(([path, item]) =>
      ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const operation of operations) {
      expect(
        [...seen].some((s) => s.startsWith(`${operation} 2`)),
        `${operation} success`,
      ).toBe(true);
      expect(
        [...seen].some((s) => s.startsWith(`${operation} 4`)),
        `${operation} error`,
      ).toBe(true);
    }
    for (const status of [400, 401, 404, 409, 429, 500, 503]) {
      expect(
        [...seen].some((s) => s.endsWith(` ${status}`)),
        String(status),
      ).toBe(true);
    }
  });
});
