// Breaking-change check of schema.graphql with graphql-inspector: consumers' generated code (Relay,
// codegen) is written against the schema, so removing or retyping anything breaks them. Compared:
//   - the working tree's schema.graphql against the committed one (HEAD), which catches a breaking
//     change before it is committed;
//   - the schema of the last commit that changed schema.graphql against the version before it,
//     which is what CI (a clean clone, so no working-tree change) checks for the newest change.
// A breaking change fails unless test/consumers/breaking-changes.allowed.json lists it with a
// reason. Dangerous changes (e.g. an enum value added) are printed, not failed. Without git, or
// without the history, the comparisons skip; the check of the check itself always runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCHEMA_FILE = 'schema.graphql';

interface Allowed {
  type: string;
  path: string;
  reason: string;
}
const allowList = JSON.parse(readFileSync(join(ROOT, 'test/consumers/breaking-changes.allowed.json'), 'utf8')) as { allowed: Allowed[] };

function git(...args: string[]): string | undefined {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 ? result.stdout : undefined;
}

/** schema.graphql at a commit, or undefined when there is no git, no such commit or no such file. */
function committedSchema(revision: string): string | undefined {
  return git('show', `${revision}:${SCHEMA_FILE}`);
}

async function changes(before: string, after: string): Promise<Change[]> {
  return diff(buildSchema(before), buildSchema(after));
}

const describeChange = (change: Change) => `${change.type} ${change.path ?? ''}: ${change.message}`;

/** The breaking changes not in the allow-list. */
function unallowedBreaking(all: Change[]): string[] {
  return all
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .filter((change) => !allowList.allowed.some((entry) => entry.type === change.type && entry.path === (change.path ?? '')))
    .map(describeChange);
}

function reportDangerous(label: string, all: Change[]) {
  const dangerous = all.filter((change) => change.criticality.level === CriticalityLevel.Dangerous);
  if (dangerous.length > 0) console.warn(`${label}: dangerous schema changes (allowed):\n  ${dangerous.map(describeChange).join('\n  ')}`);
}

const workingTree = readFileSync(join(ROOT, SCHEMA_FILE), 'utf8');
const head = committedSchema('HEAD');
const lastChange = git('log', '-n', '1', '--format=%H', '--', SCHEMA_FILE)?.trim() || undefined;
const beforeLastChange = lastChange ? committedSchema(`${lastChange}^`) : undefined;
const atLastChange = lastChange ? committedSchema(lastChange) : undefined;

describe('schema.graphql breaking changes (graphql-inspector)', () => {
  it('has an allow-list whose every entry says why', () => {
    for (const entry of allowList.allowed) {
      expect(typeof entry.type === 'string' && entry.type.length > 0, JSON.stringify(entry)).toBe(true);
      expect(typeof entry.path === 'string', JSON.stringify(entry)).toBe(true);
      expect(typeof entry.reason === 'string' && entry.reason.trim().length > 10, `reason of ${JSON.stringify(entry)}`).toBe(true);
    }
  });

  it.skipIf(head === undefined)('working tree against HEAD: no breaking change outside the allow-list', async () => {
    const all = await changes(head!, workingTree);
    reportDangerous('working tree vs HEAD', all);
    expect(unallowedBreaking(all)).toEqual([]);
  });

  it.skipIf(beforeLastChange === undefined || atLastChange === undefined)(
    'the last commit that changed schema.graphql against the version before it',
    async () => {
      const all = await changes(beforeLastChange!, atLastChange!);
      reportDangerous(`commit ${lastChange}`, all);
      expect(unallowedBreaking(all), `breaking changes in commit ${lastChange}`).toEqual([]);
    },
  );

  describe('the check itself', () => {
    it('reports nothing breaking for an identical schema and for an added field', async () => {
      expect(unallowedBreaking(await changes(workingTree, workingTree))).toEqual([]);
      const added = workingTree.replace('type TextContent {\n', 'type TextContent {\n  language: String\n');
      expect(added).not.toBe(workingTree);
      const all = await changes(workingTree, added);
      expect(all.map((change) => change.type)).toEqual(['FIELD_ADDED']);
      expect(unallowedBreaking(all)).toEqual([]);
    });

    it('fails a removed field, a removed enum value, a new required argument and a nullable field made non-null input', async () => {
      const broken = workingTree
        // a field consumers select
        .replace(/\n {2}occurredAt: DateTime\n/, '\n')
        // an enum value consumers may send or switch on
        .replace(/\n {2}WHATSAPP\n/, '\n')
        // a new required argument on a field consumers call
        .replace('conversation(sid: String!): Conversation', 'conversation(sid: String!, region: String!): Conversation')
        // an optional input field made required
        .replace(
          'input CreateCommunicationInput {\n  author: AddressInput!\n  channelId: String\n',
          'input CreateCommunicationInput {\n  author: AddressInput!\n  channelId: String!\n',
        );
      const breaking = unallowedBreaking(await changes(workingTree, broken));
      expect(breaking).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^FIELD_REMOVED Communication\.occurredAt: /),
          expect.stringMatching(/^ENUM_VALUE_REMOVED Channel\.WHATSAPP: /),
          expect.stringMatching(/^FIELD_ARGUMENT_ADDED Query\.conversation\.region: /),
          expect.stringMatching(/^INPUT_FIELD_TYPE_CHANGED CreateCommunicationInput\.channelId: /),
        ]),
      );
      expect(breaking).toHaveLength(4);
    });

    it('lets an allow-listed breaking change through, and only that one', async () => {
      const broken = workingTree.replace(/\n {2}occurredAt: DateTime\n/, '\n').replace(/\n {2}WHATSAPP\n/, '\n');
      const all = await changes(workingTree, broken);
      allowList.allowed.push({ type: 'FIELD_REMOVED', path: 'Communication.occurredAt', reason: 'a test of the allow-list itself' });
      try {
        expect(unallowedBreaking(all)).toEqual([expect.stringMatching(/^ENUM_VALUE_REMOVED Channel\.WHATSAPP: /)]);
      } finally {
        allowList.allowed.pop();
      }
    });
  });
});
