// The Relay documents of test/consumers/relay/ compiled by the real relay-compiler into a scratch
// project, and tsc run on a consumer of what it generates: shared by relay.test.ts (reads, the
// message mutation, graphql-codegen) and relay-writes.test.ts (the conversation and participant
// writes), so each file compiles the same inputs the same way.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = new URL('../../', import.meta.url).pathname;
const RELAY_DIR = join(ROOT, 'test/consumers/relay');
const RELAY_CLI = join(ROOT, 'node_modules/relay-compiler/cli.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

export function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/** tsc --noEmit on one file, strict, with the options of the project's tsconfig that matter for types. */
export function typecheck(dir: string, file: string) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2024',
        lib: ['es2024'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: [],
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
      },
      files: [file],
    }),
  );
  return run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir);
}

export interface RelayProject {
  /** The scratch project (app files written here import './__generated__/…'). */
  dir: string;
  /** Where the artifacts are. */
  generated: string;
  /** A generated artifact's source. */
  artifact(name: string): string;
  /** The operation text Relay sends to the server (`params.text` of a ConcreteRequest). */
  operationText(name: string): string;
}

/**
 * Compiles every document in test/consumers/relay/ against the working tree's schema.graphql into
 * `<work>/relay`: the committed relay.config.json with its paths pointed into the scratch copy, so the
 * compile neither depends on nor touches anything in the working tree but the inputs.
 */
export function compileRelayProject(work: string): RelayProject {
  const dir = join(work, 'relay');
  const generated = join(dir, '__generated__');
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(generated);
  for (const file of readdirSync(RELAY_DIR).filter((name) => name.endsWith('.tsx'))) {
    cpSync(join(RELAY_DIR, file), join(dir, 'src', file));
  }
  cpSync(join(ROOT, 'schema.graphql'), join(dir, 'schema.graphql'));
  const config = JSON.parse(readFileSync(join(RELAY_DIR, 'relay.config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(dir, 'relay.config.json'),
    JSON.stringify({ ...config, src: './src', schema: './schema.graphql', artifactDirectory: './__generated__' }),
  );
  const compile = run(process.execPath, [RELAY_CLI, '--output', 'quiet-with-errors'], dir);
  expect(compile.output).not.toMatch(/ERROR/);
  expect(compile.status, compile.output).toBe(0);
  const artifact = (name: string) => readFileSync(join(generated, `${name}.graphql.ts`), 'utf8');
  return {
    dir,
    generated,
    artifact,
    operationText(name) {
      const literal = /"text": ("(?:[^"\\]|\\.)*")/.exec(artifact(name))?.[1];
      if (!literal) throw new Error(`no operation text in ${name}`);
      return JSON.parse(literal) as string;
    },
  };
}
