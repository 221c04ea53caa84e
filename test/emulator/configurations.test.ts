// The ControlPlane Configurations endpoints of the full OpenAPI document: CRUD with the document's
// semantics (202 operations, PATCH merging, PUT keeping fields left out), validation, conflicts, bounds,
// the demo configuration, every answer checked against the full document's response schemas, and
// Twilio's own helper library driving them.
import { readFile } from 'node:fs/promises';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_CONFIGURATION_ID,
  DEMO_CONVERSATIONS,
  MAX_CONFIGURATIONS_PER_ACCOUNT,
  startEmulator,
  type Emulator,
} from '../../src/emulator/index.ts';
import { ACCOUNT, call, DEMO_SID, DEMO_TOKEN, PASSWORD, twilioError, type ApiResponse } from './helpers.ts';
import { makeValidator } from './openapi-validator.ts';
import { itNeedsShared } from '../helpers/shared.ts';

const FULL_DOCUMENT_URL = new URL('../../../shared/upstream/conversations-v2.full.openapi.json', import.meta.url);
const fullDocument: any = await readFile(FULL_DOCUMENT_URL, 'utf8').then(JSON.parse, () => undefined);
itNeedsShared('upstream/conversations-v2.full.openapi.json', fullDocument);

const L = '/v2/ControlPlane/Configurations';
const ONE = '/v2/ControlPlane/Configurations/{id}';
const demo: [string, string] = [DEMO_SID, DEMO_TOKEN];

const configurationBody = (extra: Record<string, unknown> = {}) => ({
  displayName: 'Support Config',
  description: 'Inbound support',
  conversationGroupingType: 'GROUP_BY_PROFILE',
  memoryStoreId: 'mem_store_01k1etk2y5f1y9fpe2epfdtvv2',
  ...extra,
});

let emulator: Emulator;
let schemaFor: ReturnType<typeof makeValidator> | undefined;
const seen = new Set<string>();
beforeAll(async () => {
  emulator = await startEmulator();
  schemaFor = fullDocument && makeValidator(fullDocument);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.data.reset());

/** Checks an answer against the full document (when it is there) and returns it. */
function checked(template: string, method: string, response: ApiResponse): ApiResponse {
  if (schemaFor) {
    const { validate, documented } = schemaFor(template, method, response.status);
    expect(
      documented || response.status === 401 || response.status === 405,
      `${method} ${template} → ${response.status} is documented`,
    ).toBe(true);
    expect(validate(response.body), `${method} ${template} → ${response.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    seen.add(`${method} ${template} ${response.status}`);
  }
  return response;
}

async function create(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<string> {
  const created = checked(L, 'POST', await call(emulator, 'POST', L, { body: configurationBody(extra), headers }));
  expect(created.status).toBe(202);
  return created.body.related.configurationId;
}

describe('Configurations CRUD', () => {
  it('POST answers 202 with an operation; the configuration is there at once with its defaults', async () => {
    const created = checked(
      L,
      'POST',
      await call(emulator, 'POST', L, { body: configurationBody({ statusCallbacks: [{ url: 'http://127.0.0.1:9/hook' }] }) }),
    );
    expect(created.status).toBe(202);
    const id = created.body.related.configurationId;
    expect(id).toMatch(/^conv_configuration_[0-9a-z]{26}$/);
    expect(created.headers.get('operation-id')).toMatch(/^proc_job_/);
    expect(created.headers.get('retry-after')).toBe('1');
    expect(created.body.statusUrl).toBe(`${emulator.url}/v2/ControlPlane/Operations/${created.headers.get('operation-id')}`);
    expect(created.headers.get('location')).toBe(created.body.statusUrl);

    const fetched = checked(ONE, 'GET', await call(emulator, 'GET', `${L}/${id}`));
    expect(fetched.body).toEqual({
      id,
      ...configurationBody(),
      statusCallbacks: [{ url: 'http://127.0.0.1:9/hook', method: 'POST' }],
      memoryExtractionEnabled: false,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: fetched.body.createdAt,
      version: 1,
    });
  });

  it('lists oldest first in pages, filters by memoryStoreId, and keeps accounts apart', async () => {
    const ids = [await create(), await create({ memoryStoreId: 'mem_service_01k1etk2y5f1y9fpe2epfdtvv3' }), await create()];
    const first = checked(L, 'GET', await call(emulator, 'GET', `${L}?pageSize=2`));
    expect(first.body.configurations.map((c: any) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.body.meta).toEqual({ key: 'configurations', pageSize: 2, nextToken: expect.any(String) });
    const second = checked(L, 'GET', await call(emulator, 'GET', `${L}?pageSize=2&pageToken=${first.body.meta.nextToken}`));
    expect(second.body.configurations.map((c: any) => c.id)).toEqual([ids[2]]);
    const filtered = checked(L, 'GET', await call(emulator, 'GET', `${L}?memoryStoreId=mem_service_01k1etk2y5f1y9fpe2epfdtvv3`));
    expect(filtered.body.configurations.map((c: any) => c.id)).toEqual([ids[1]]);
    expect(checked(L, 'GET', await call(emulator, 'GET', `${L}?memoryStoreId=memora_123`)).body).toEqual(
      twilioError(400, 20001, /^Invalid parameter 'memoryStoreId'/),
    );
    const demoList = checked(L, 'GET', await call(emulator, 'GET', L, { auth: demo }));
    expect(demoList.body.configurations.map((c: any) => c.id)).toEqual([DEMO_CONFIGURATION_ID]);
    expect((await call(emulator, 'GET', `${L}/${ids[0]}`, { auth: demo })).status).toBe(404);
  });

  it('PUT replaces the fields given and keeps the rest; PATCH merges channelSettings by channel and null clears', async () => {
    const id = await create({
      channelSettings: {
        SMS: { statusTimeouts: { inactive: 10, closed: 15 } },
        VOICE: { captureRules: [{ from: '*', to: '+18005550100' }] },
      },
      intelligenceConfigurationIds: ['ic1'],
      statusCallbacks: [{ url: 'http://127.0.0.1:9/a', method: 'POST' }],
    });
    const put = checked(
      ONE,
      'PUT',
      await call(emulator, 'PUT', `${L}/${id}`, {
        body: {
          description: 'Replaced',
          conversationGroupingType: 'GROUP_BY_PARTICIPANT_ADDRESSES',
          memoryStoreId: 'm2',
          channelSettings: { CHAT: {} },
        },
      }),
    );
    expect(put.status).toBe(202);
    const afterPut = (await call(emulator, 'GET', `${L}/${id}`)).body;
    expect(afterPut).toMatchObject({
      displayName: 'Support Config',
      description: 'Replaced',
      memoryStoreId: 'm2',
      channelSettings: { CHAT: {} },
      intelligenceConfigurationIds: ['ic1'],
      version: 2,
    });

    checked(
      ONE,
      'PATCH',
      await call(emulator, 'PATCH', `${L}/${id}`, { body: { channelSettings: { SMS: { statusTimeouts: { inactive: 5 } } } } }),
    );
    await call(emulator, 'PATCH', `${L}/${id}`, {
      body: { memoryExtractionEnabled: true, conversationsV1Bridge: { serviceId: `IS${'b'.repeat(32)}` } },
    });
    const patched = checked(
      ONE,
      'PATCH',
      await call(emulator, 'PATCH', `${L}/${id}`, {
        body: {
          channelSettings: { CHAT: null },
          statusCallbacks: null,
          intelligenceConfigurationIds: null,
          memoryExtractionEnabled: null,
          conversationsV1Bridge: null,
        },
      }),
    );
    expect(patched.status).toBe(202);
    const afterPatch = checked(ONE, 'GET', await call(emulator, 'GET', `${L}/${id}`)).body;
    expect(afterPatch.channelSettings).toEqual({ SMS: { statusTimeouts: { inactive: 5 } } });
    expect(afterPatch).not.toHaveProperty('statusCallbacks');
    expect(afterPatch).not.toHaveProperty('intelligenceConfigurationIds');
    expect(afterPatch).not.toHaveProperty('conversationsV1Bridge');
    expect(afterPatch).toMatchObject({ memoryExtractionEnabled: false, description: 'Replaced', version: 5 });
    expect(Date.parse(afterPatch.updatedAt)).toBeGreaterThan(Date.parse(afterPatch.createdAt));

    expect(checked(ONE, 'PATCH', await call(emulator, 'PATCH', `${L}/${id}`, { body: { displayName: null } })).body).toEqual(
      twilioError(400, 20001, "Invalid parameter 'displayName': cannot be cleared: a configuration always has one"),
    );
    expect(checked(ONE, 'PUT', await call(emulator, 'PUT', `${L}/${id}`, { body: { description: 'x' } })).body).toEqual(
      twilioError(400, 20001, "Missing required parameter 'conversationGroupingType'"),
    );
  });

  it('DELETE answers 202; a second one 404; a configuration a conversation names is a 409', async () => {
    const id = await create();
    const deleted = checked(ONE, 'DELETE', await call(emulator, 'DELETE', `${L}/${id}`));
    expect([deleted.status, deleted.body.related]).toEqual([202, { configurationId: id }]);
    expect(checked(ONE, 'GET', await call(emulator, 'GET', `${L}/${id}`)).status).toBe(404);
    expect(checked(ONE, 'DELETE', await call(emulator, 'DELETE', `${L}/${id}`)).status).toBe(404);
    expect(checked(ONE, 'PATCH', await call(emulator, 'PATCH', `${L}/${id}`, { body: {} })).status).toBe(404);
    expect(checked(ONE, 'PUT', await call(emulator, 'PUT', `${L}/${id}`, { body: {} })).status).toBe(404);

    const inUse = checked(ONE, 'DELETE', await call(emulator, 'DELETE', `${L}/${DEMO_CONFIGURATION_ID}`, { auth: demo }));
    expect(inUse.body).toEqual(
      twilioError(409, 20409, `Conflict: configuration ${DEMO_CONFIGURATION_ID} is used by 5 conversation(s); delete them first`),
    );
  });

  it('one configuration per Conversations V1 service: a second with the same serviceId is a 409', async () => {
    const bridge = { conversationsV1Bridge: { serviceId: `IS${'a'.repeat(32)}` } };
    const first = await create(bridge);
    const conflict = checked(L, 'POST', await call(emulator, 'POST', L, { body: configurationBody(bridge) }));
    expect(conflict.body).toEqual(
      twilioError(
        409,
        20409,
        `Conflict on parameter 'conversationsV1Bridge.serviceId': configuration ${first} already bridges IS${'a'.repeat(32)}`,
      ),
    );
    const other = await create();
    expect((await call(emulator, 'PATCH', `${L}/${other}`, { body: bridge })).status).toBe(409);
    expect((await call(emulator, 'PATCH', `${L}/${first}`, { body: bridge })).status).toBe(202); // its own serviceId
  });

  it.each([
    [{ displayName: 'x'.repeat(33) }, "Invalid parameter 'displayName': must be at most 32 characters long"],
    [{ displayName: 'Bad/Name' }, "Invalid parameter 'displayName': must be letters, digits, spaces, dashes or underscores"],
    [{ conversationGroupingType: 'BY_MOOD' }, /^Invalid parameter 'conversationGroupingType': must be one of GROUP_BY_PROFILE/],
    [
      { statusCallbacks: [{ url: 'http://127.0.0.1/1' }, { url: 'http://127.0.0.1/2' }, { url: 'http://127.0.0.1/3' }] },
      "Invalid parameter 'statusCallbacks': must contain at most 2 item(s)",
    ],
    [{ statusCallbacks: [{ url: 'not a url' }] }, "Invalid parameter 'statusCallbacks[0].url': must be a URL"],
    [
      { statusCallbacks: [{ url: 'http://127.0.0.1/1', method: 'PUT' }] },
      "Invalid parameter 'statusCallbacks[0].method': must be one of POST, GET",
    ],
    [{ channelSettings: { FAX: {} } }, "Invalid parameter 'channelSettings.FAX': must be one of VOICE, SMS, RCS, WHATSAPP, CHAT"],
    [
      { channelSettings: { SMS: { statusTimeouts: { inactive: 0 } } } },
      "Invalid parameter 'channelSettings.SMS.statusTimeouts.inactive': must be at least 1",
    ],
    [
      { conversationsV1Bridge: { serviceId: 'IS1' } },
      "Invalid parameter 'conversationsV1Bridge.serviceId': must be IS followed by 32 lowercase hex digits",
    ],
    [
      { channelSettings: { SMS: { captureRules: Array.from({ length: 101 }, () => ({ from: '*', to: '*' })) } } },
      "Invalid parameter 'channelSettings.SMS.captureRules': must contain at most 100 item(s)",
    ],
    [{ description: undefined }, "Missing required parameter 'description'"],
  ])('refuses %j with a 400 naming the parameter', async (extra, message) => {
    const refused = checked(L, 'POST', await call(emulator, 'POST', L, { body: configurationBody(extra) }));
    expect(refused.body).toEqual(twilioError(400, 20001, message));
    expect((await call(emulator, 'GET', L)).body.configurations).toEqual([]);
  });

  it('an Idempotency-Key replays the 202 and creates nothing new', async () => {
    const headers = { 'idempotency-key': '0b1e7a3c-8f44-4c1e-9d55-52b4b7f0c001' };
    const first = await call(emulator, 'POST', L, { body: configurationBody(), headers });
    const again = await call(emulator, 'POST', L, { body: configurationBody(), headers });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call(emulator, 'GET', L)).body.configurations).toHaveLength(1);
  });

  it(`holds at most ${MAX_CONFIGURATIONS_PER_ACCOUNT} configurations per account`, async () => {
    for (let n = 0; n < MAX_CONFIGURATIONS_PER_ACCOUNT; n++)
      expect((await call(emulator, 'POST', L, { body: configurationBody() })).status).toBe(202);
    const refused = await call(emulator, 'POST', L, { body: configurationBody() });
    expect(refused.body).toEqual(
      twilioError(400, 20001, `Invalid request: an account holds at most ${MAX_CONFIGURATIONS_PER_ACCOUNT} configurations`),
    );
  });
});

describe('the demo configuration', () => {
  it('exists, every demo conversation names it, and it has no status callbacks until embedded mode sets one', async () => {
    const configuration = checked(ONE, 'GET', await call(emulator, 'GET', `${L}/${DEMO_CONFIGURATION_ID}`, { auth: demo })).body;
    expect(configuration).toMatchObject({ id: DEMO_CONFIGURATION_ID, displayName: 'Northwind Support', statusCallbacks: [], version: 1 });
    for (const id of Object.values(DEMO_CONVERSATIONS)) {
      expect((await call(emulator, 'GET', `/v2/Conversations/${id}`, { auth: demo })).body.configurationId).toBe(DEMO_CONFIGURATION_ID);
    }
  });
});

describe("Twilio's helper library drives the Configurations endpoints", () => {
  class EmulatorRequestClient extends twilio.RequestClient {
    override request<TData>(options: RequestClient.RequestOptions<TData>) {
      return super.request<TData>({ ...options, uri: options.uri.replace('https://conversations.twilio.com', emulator.url) });
    }
  }

  it('create, fetch, list, patch and remove', async () => {
    const client = twilio(ACCOUNT, PASSWORD, { httpClient: new EmulatorRequestClient() });
    const configurations = client.conversations.v2.configurations;
    const created = (
      await configurations.create(configurationBody({ statusCallbacks: [{ url: 'http://127.0.0.1:9/cb', method: 'POST' }] }) as any)
    ).toJSON() as any;
    const id = created.related?.configurationId ?? (await call(emulator, 'GET', L)).body.configurations[0].id;
    const fetched = await client.conversations.v2.configurations(id).fetch();
    expect(fetched.displayName).toBe('Support Config');
    expect(fetched.statusCallbacks).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9/cb', method: 'POST' })]);
    const listed = await configurations.list();
    expect(listed.map((c) => c.id)).toEqual([id]);
    await client.conversations.v2.configurations(id).patch({ displayName: 'Renamed' } as any);
    expect((await call(emulator, 'GET', `${L}/${id}`)).body.displayName).toBe('Renamed');
    await client.conversations.v2.configurations(id).remove();
    expect((await call(emulator, 'GET', `${L}/${id}`)).status).toBe(404);
  });
});

describe.skipIf(!fullDocument)('contract coverage', () => {
  it('every Configurations operation was seen with a success and an error answer, all valid against the full document', () => {
    for (const [template, methods] of [
      [L, ['GET', 'POST']],
      [ONE, ['GET', 'PUT', 'PATCH', 'DELETE']],
    ] as const) {
      for (const method of methods) {
        expect(
          [...seen].some((s) => s.startsWith(`${method} ${template} 2`)),
          `${method} ${template} success`,
        ).toBe(true);
        expect(
          [...seen].some((s) => s.startsWith(`${method} ${template} 4`)),
          `${method} ${template} error`,
        ).toBe(true);
      }
    }
  });
});
