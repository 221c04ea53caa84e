// The production image, checked without a Docker daemon (there is none here or in CI):
//   - the Dockerfile parses and passes dockerfile-utils' validator (the linter of VS Code's Docker
//     extension), and has the required shape: a dependency stage with `npm ci --omit=dev`, a
//     Node >= 24 runtime stage, a non-root USER, HEALTHCHECK on /health, HOST/PORT, EXPOSE, CMD;
//   - every file `node src/main.ts` loads (its import graph) is in the build context (.dockerignore)
//     and COPY'd to where the CMD expects it, and every package it imports is a production
//     dependency (the image has no devDependencies);
//   - the image's filesystem, assembled the way the Dockerfile builds it (the context filtered by
//     .dockerignore, the COPYs, the lockfile's non-dev packages), runs: the service starts as an
//     unprivileged user in a read-only directory, the HEALTHCHECK command passes against it, a
//     GraphQL request works, and SIGTERM stops it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node'); // Node 24, the image's major version
const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  type?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// ---- .dockerignore, with Docker's rules: in order, the last matching pattern wins, `!` re-includes,
// and a pattern that matches a directory covers everything under it.

const ignorePatterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const negated = line.startsWith('!');
    const pattern = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
    const source = pattern
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => {
        if (part === '**/') return '(?:.*/)?';
        if (part === '**') return '.*';
        if (part === '*') return '[^/]*';
        if (part === '?') return '[^/]';
        return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return { negated, regex: new RegExp(`^${source}$`) };
  });

/** Whether a path (relative to the repository root) is sent to the Docker build. */
function inBuildContext(path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const { negated, regex } of ignorePatterns) {
    if (prefixes.some((prefix) => regex.test(prefix))) excluded = !negated;
  }
  return !excluded;
}

// ---- The Dockerfile's stages.

interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

const globalArgs = new Map<string, string>();
const stages: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  const keyword = instruction.getKeyword();
  if (keyword === 'FROM') {
    const [image = '', , name] = instruction.getArguments().map((arg) => arg.getValue());
    stages.push({ name, image: image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? ''), instructions: [] });
  } else if (stages.length === 0 && keyword === 'ARG') {
    const [name, value = ''] = instruction.getArgumentsContent()!.split('=', 2) as [string, string?];
    globalArgs.set(name.trim(), value.trim());
  } else {
    stages.at(-1)?.instructions.push(instruction);
  }
}
const runtime = stages.at(-1)!;
const of = (stage: Stage, keyword: string) => stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);
const content = (instruction: Instruction) => (instruction.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of of(stage, 'ENV')) {
    for (const property of (
      instruction as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }
    ).getProperties()) {
      env[property.getName()] = property.getValue() ?? '';
    }
  }
  return env;
}

interface CopySpec {
  from: string | undefined;
  sources: string[];
  destination: string;
}
function copiesOf(stage: Stage): CopySpec[] {
  return of(stage, 'COPY').map((instruction) => {
    const words = instruction.getArguments().map((arg) => arg.getValue());
    const from = (instruction as unknown as { getFromFlag(): { getValue(): string | null } | null }).getFromFlag()?.getValue() ?? undefined;
    const paths = words.filter((word) => !word.startsWith('--'));
    return { from, sources: paths.slice(0, -1).map((path) => posix.normalize(path).replace(/\/+$/, '')), destination: paths.at(-1)! };
  });
}
const workdir = posix.resolve('/', ...of(runtime, 'WORKDIR').map((instruction) => content(instruction).trim()));

/** Where a file of the build context ends up in the runtime image, or undefined if no COPY takes it. */
function imagePath(file: string): string | undefined {
  for (const copy of copiesOf(runtime).filter((spec) => spec.from === undefined)) {
    for (const source of copy.sources) {
      const destination = posix.resolve(workdir, copy.destination);
      if (source === file) return copy.destination.endsWith('/') ? posix.join(destination, posix.basename(file)) : destination;
      if (source === '.' || file.startsWith(`${source}/`))
        return posix.join(destination, source === '.' ? file : file.slice(source.length + 1));
    }
  }
  return undefined;
}

// ---- What `node src/main.ts` loads: its import graph (static and dynamic), and the packages it imports.

const IMPORT =
  /(?:^|[;\s])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"]([^'"]+)['"],\s*import\.meta\.url\s*\)/g;

function loadedBy(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith('.')) queue.push(posix.join(posix.dirname(file), specifier));
      else if (match[3] === undefined)
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

const CMD: string[] = JSON.parse(content(of(runtime, 'CMD').at(-1)!)) as string[];
const entry = CMD.at(-1)!;
const loaded = loadedBy(entry);

describe('Dockerfile', () => {
  it('is valid (dockerfile-utils)', () => {
    const problems = validate(dockerfileText).map((problem) => `${problem.range.start.line + 1}: ${problem.message}`);
    expect(problems).toEqual([]);
  });

  it('installs production dependencies from the lockfile in a stage of their own', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const deps = stages.find((stage) => stage.name && copiesOf(runtime).some((copy) => copy.from === stage.name))!;
    expect(deps, 'a stage the runtime stage copies node_modules from').toBeDefined();
    expect(copiesOf(deps).flatMap((copy) => copy.sources)).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    expect(of(deps, 'RUN').map(content).join('\n')).toMatch(/\bnpm ci\b[^\n&|;]*--omit=dev/);
    expect(copiesOf(runtime).find((copy) => copy.from === deps.name)).toMatchObject({ sources: ['/app/node_modules'] });
  });

  it('runs on Node >= 24 (type stripping runs the .ts sources), from a slim base', () => {
    for (const stage of stages) {
      const match = /^node:(\d+)(?:[.-]|$)/.exec(stage.image);
      expect(match, `${stage.image} should be node:<major>…`).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThanOrEqual(24);
    }
    expect(runtime.image).toMatch(/slim/);
  });

  it('runs as a non-root user, listens on 0.0.0.0:4000, exposes 4000, starts with node --no-maglev src/main.ts', () => {
    const users = of(runtime, 'USER').map((instruction) => content(instruction).trim());
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const lastUser = runtime.instructions.lastIndexOf(of(runtime, 'USER').at(-1)!);
    expect(runtime.instructions.indexOf(of(runtime, 'CMD').at(-1)!)).toBeGreaterThan(lastUser);
    expect(envOf(runtime)).toMatchObject({ HOST: '0.0.0.0', PORT: '4000', NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' });
    expect(of(runtime, 'EXPOSE').map(content)).toEqual(['4000']);
    // With the V8 flag npm start also uses (a burst of subscriptions fragmented glibc's heap with Maglev's jobs).
    expect(CMD).toEqual(['node', '--no-maglev', 'src/main.ts']);
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(CMD.join(' ')).toBe(start);
  });

  it('has a HEALTHCHECK that asks /health with node (slim images have no curl)', () => {
    const [healthcheck] = of(runtime, 'HEALTHCHECK');
    const command = JSON.parse(content(healthcheck!).replace(/^\s*CMD\s+/, '')) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/health');
    expect(content(healthcheck!)).not.toMatch(/curl|wget/);
  });

  it('copies every file node src/main.ts loads to where the CMD finds it, and .dockerignore lets them in', () => {
    expect(loaded.files).toContain('src/main.ts');
    expect(loaded.files).toContain('src/emulator/index.ts'); // the embedded emulator, imported dynamically
    for (const file of loaded.files) {
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      expect(inBuildContext(file), `${file} is excluded by .dockerignore`).toBe(true);
      expect(imagePath(file), `${file} is not COPY'd to ${workdir}/${file}`).toBe(posix.join(workdir, file));
    }
    // "type": "module" in package.json makes Node load the .ts files as ES modules.
    expect(packageJson.type).toBe('module');
    expect(imagePath('package.json')).toBe(posix.join(workdir, 'package.json'));
    for (const copy of stages.flatMap(copiesOf).filter((spec) => spec.from === undefined)) {
      for (const source of copy.sources) expect(inBuildContext(source), `COPY ${source}`).toBe(true);
    }
  });

  it('imports only production dependencies at run time (the image has no devDependencies)', () => {
    const builtins = new Set(builtinModules);
    const runtimePackages = loaded.packages.filter((name) => !name.startsWith('node:') && !builtins.has(name));
    expect(runtimePackages.length).toBeGreaterThan(0);
    expect(runtimePackages.filter((name) => !(name in packageJson.dependencies))).toEqual([]);
  });

  it('keeps development files out of the build context (.dockerignore)', () => {
    for (const path of [
      'node_modules/graphql/package.json',
      'test/helpers/stack.ts',
      'bench/x.ts',
      'artifacts/graphiql.png',
      '.git/HEAD',
      'docs/graphiql.png',
      '.env',
      '.ci/run',
      'schema.graphql',
      'src/emulator/README.md',
    ]) {
      expect(inBuildContext(path), path).toBe(false);
    }
  });
});

/**
 * Copies a package directory without its nested node_modules (those are lockfile entries of their
 * own), as hard links where the filesystem allows (fast, and nothing is modified through them).
 */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') linkTree(source, target);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

describe('the image, assembled without Docker', () => {
  let app: string;
  /** The image's own `node` (its base image has one on the PATH): a copy the service's user can run wherever this checkout lies. */
  let runtimeNode: string;
  let service: ChildProcess | undefined;
  let output = '';
  const asUser = typeof process.getuid === 'function' && process.getuid() === 0 ? { uid: 1000, gid: 1000 } : {};

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'image-app-'));
    // The checkout may sit in a directory only root can enter (mktemp -d is 0700): the service's
    // user runs a copy of Node 24 from a directory of the image's own, as the image's base does.
    const bin = join(app, '.node-bin');
    mkdirSync(bin);
    runtimeNode = join(bin, 'node');
    copyFileSync(realpathSync(NODE), runtimeNode);
    chmodSync(runtimeNode, 0o755);
    // The runtime stage's COPYs from the build context, filtered by .dockerignore.
    for (const copy of copiesOf(runtime).filter((spec) => spec.from === undefined)) {
      for (const source of copy.sources) {
        cpSync(join(ROOT, source), join(app, posix.relative(workdir, imagePath(source) ?? posix.join(workdir, source))), {
          recursive: true,
          filter: (path) => inBuildContext(relative(ROOT, path) || '.'),
        });
      }
    }
    // What `npm ci --omit=dev` installs: the lockfile's packages not marked dev, with the same layout.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    for (const [path, info] of Object.entries(lock.packages)) {
      if (path === '' || info.dev || !path.startsWith('node_modules/')) continue;
      const from = join(ROOT, path);
      if (!existsSync(from)) {
        if (info.optional) continue;
        throw new Error(`${path} is in the lockfile but not installed: run npm ci`);
      }
      linkTree(from, join(app, path));
    }
    // Read-only to the service's user, as in the image (root-owned files, USER node).
    chmodSync(app, 0o755);
    for (const dir of readdirSync(app, { recursive: true, withFileTypes: true })) {
      if (dir.isDirectory()) chmodSync(join(dir.parentPath, dir.name), 0o755);
    }
  }, 120_000);

  afterAll(() => {
    if (service && service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    rmSync(app, { recursive: true, force: true });
  });

  it('has no devDependency in its node_modules', () => {
    // A devDependency may also be a production package's own dependency (ajv, under graphql-jit):
    // the lockfile says which copies are dev-only.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    for (const name of Object.keys(packageJson.devDependencies)) {
      if (lock.packages[`node_modules/${name}`]?.dev) expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    }
    expect(statSync(join(app, 'src/main.ts')).isFile()).toBe(true);
    expect(existsSync(join(app, 'test'))).toBe(false);
  });

  it('starts as an unprivileged user, passes its HEALTHCHECK, answers GraphQL, and stops on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { PATH: `${dirname(runtimeNode)}:${process.env.PATH ?? ''}`, HOME: tmpdir(), ...envOf(runtime) };
    Object.assign(env, { HOST: '127.0.0.1', PORT: '0' }); // loopback and a free port here; the image uses 0.0.0.0:4000
    const child = spawn(runtimeNode, CMD.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], ...asUser });
    service = child;
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /GraphQL API and GraphiQL at (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before listening:\n${output}`));
      });
    });

    const healthcheck = JSON.parse(content(of(runtime, 'HEALTHCHECK')[0]!).replace(/^\s*CMD\s+/, '')) as string[];
    const probe = spawnSync(runtimeNode, healthcheck.slice(1), {
      env: { ...env, PORT: new URL(url).port },
      encoding: 'utf8',
      timeout: 10_000,
      ...asUser,
    });
    expect(probe.status, `${probe.stdout}${probe.stderr}`).toBe(0);

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ conversations(first: 1) { edges { node { sid } } } }' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: { conversations: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.conversations.edges).toHaveLength(1);

    child.kill('SIGTERM');
    const exit = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('did not exit within 15 s of SIGTERM')), 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exit, output).toBe(0);
    expect(output).not.toMatch(/EACCES|EROFS/);
  }, 60_000);
});
