// Summarises a V8 .cpuprofile (node --cpu-prof): self time by area (package, facade module, Node
// internals, GC) and by function, and inclusive time of the functions that matter for a GraphQL
// facade (parse, validate, execute, cursor encoding, decoding, serialisation…).

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  where: string;
  ms: number;
  /** Percent of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  at: string;
  commit?: string;
  requests: number;
  rps: number;
  busyMs: number;
  /** Busy CPU time per request while profiling, in ms (the profiler itself adds some). */
  busyMsPerRequest: number;
  byCategory: Row[];
  topFunctions: Row[];
  inclusive: Row[];
  /** The areas a GraphQL facade spends on, each counted once per sample (callees included). */
  buckets: Row[];
  /** Self time in @opentelemetry/* frames, % of busy time (tracing off: what the API's no-op paths cost). */
  opentelemetryShare: number;
}

/** Areas by inclusive time: a sample counts for a bucket when any frame on its stack matches. */
const BUCKETS: { name: string; where: string; match: (f: CallFrame, pkg: string | null) => boolean }[] = [
  {
    name: 'HTTP server side (node:_http_*, @whatwg-node Request/Response adapter)',
    where: 'node:_http_*, @whatwg-node/*',
    match: (f, pkg) => Boolean(pkg?.startsWith('@whatwg-node/')) || /^node:_http_(server|outgoing|incoming|common)$/.test(f.url),
  },
  {
    name: 'yoga + envelop pipeline (plugins hooks, request parsing, result processing)',
    where: 'graphql-yoga, @envelop/*',
    match: (_f, pkg) => pkg === 'graphql-yoga' || Boolean(pkg?.startsWith('@envelop/')),
  },
  {
    name: 'GraphQL parse (the document cache works: ~0 when warm)',
    where: 'graphql/language',
    match: (f, pkg) => pkg === 'graphql' && f.functionName === 'parse',
  },
  {
    name: 'GraphQL validate (incl. the per-request cost-limit validate)',
    where: 'graphql/validation',
    match: (f, pkg) => pkg === 'graphql' && f.functionName === 'validate',
  },
  {
    name: 'GraphQL execution (any executor frame on the stack: resolvers, cursors, leaf serialisation)',
    where: '@graphql-tools/executor',
    match: (_f, pkg) => pkg === '@graphql-tools/executor',
  },
  {
    name: 'cursor encoding (CursorCodec.encode: JSON, base64url, HMAC)',
    where: 'src/connections/cursor.ts',
    match: (f) => /src\/connections\/cursor\.ts$/.test(f.url) && f.functionName === 'encode',
  },
  {
    name: '… of which createHmac (HMAC set-up and update)',
    where: 'node:crypto',
    match: (f) => f.url === 'node:crypto' && f.functionName === 'createHmac',
  },
  {
    name: 'global ids (encodeNodeId)',
    where: 'src/schema/node-id.ts',
    match: (f) => /src\/schema\/node-id\.ts$/.test(f.url) && f.functionName === 'encodeNodeId',
  },
  {
    name: 'DateTime serialize (regex + Date.parse per value)',
    where: 'src/schema/scalars.ts',
    match: (f) => /src\/schema\/scalars\.ts$/.test(f.url) && f.functionName === 'serialize',
  },
  {
    name: 'Pothos wrappers (@pothos/* frames)',
    where: '@pothos/*',
    match: (_f, pkg) => Boolean(pkg?.startsWith('@pothos/')),
  },
  {
    name: 'DataLoader',
    where: 'dataloader',
    match: (_f, pkg) => pkg === 'dataloader',
  },
  {
    name: 'upstream body decoding (zod)',
    where: 'src/upstream/decode.ts + zod',
    match: (f, pkg) => pkg === 'zod' || /src\/upstream\/decode\.ts$/.test(f.url),
  },
  {
    name: 'upstream calls (UpstreamClient, resilience/opossum, undici, loaders)',
    where: 'src/upstream, src/loaders, undici, opossum',
    match: (f, pkg) => pkg === 'undici' || pkg === 'opossum' || /src\/(upstream|loaders)\//.test(f.url),
  },
  {
    name: 'result JSON.stringify (yoga)',
    where: 'graphql-yoga result processor',
    match: (f, pkg) => pkg === 'graphql-yoga' && f.functionName === 'jsonStringifyResultWithoutInternals',
  },
  {
    name: 'telemetry (request log, metrics)',
    where: 'src/server/telemetry.ts, pino, prom-client',
    match: (f, pkg) => /src\/server\/telemetry\.ts$/.test(f.url) || pkg === 'pino' || pkg === 'prom-client',
  },
  {
    name: 'query limits (armor, cost)',
    where: 'src/server/query-limits.ts, @escape.tech/*',
    match: (f, pkg) => /src\/server\/query-limits\.ts$/.test(f.url) || Boolean(pkg?.startsWith('@escape.tech/')),
  },
  {
    name: 'garbage collection',
    where: 'V8',
    match: (f) => !f.url && f.functionName === '(garbage collector)',
  },
];

function packageOf(url: string): string | null {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return null;
  const rest = url.slice(at + '/node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}

export function categoryOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8/native (program)';
    if (functionName === '(idle)') return '(idle)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const pkg = packageOf(url);
  if (pkg === 'graphql') {
    const m = /\/node_modules\/graphql\/(language|validation|execution|type|utilities|jsutils|error)\//.exec(url);
    const part = m?.[1] ?? 'other';
    const named: Record<string, string> = {
      language: 'graphql-js parse/print (language)',
      validation: 'graphql-js validate',
      execution: 'graphql-js execute',
      type: 'graphql-js type system (scalars, isTypeOf…)',
      utilities: 'graphql-js utilities',
      jsutils: 'graphql-js jsutils (paths, promises)',
      error: 'graphql-js errors',
    };
    return named[part] ?? 'graphql-js other';
  }
  if (pkg) return pkg;
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?(?:deps\/)?([a-z_]+)/.exec(url);
    return `node: ${m?.[1] ?? url}`;
  }
  const rel = url.replace(/^file:\/\//, '').replace(`${root}/`, '');
  const m = /^(src\/[a-z_-]+|bench)\b/.exec(rel);
  if (m) return `facade ${m[1]}`;
  return rel;
}

/** Exactly these function names (or, with `prefix`, names starting with one of them). */
const named = (names: string[], prefix = false) => new RegExp(`^(${names.join('|')})${prefix ? '' : '$'}`);

const GRAPHQL_JS = named([
  'parse',
  'validate',
  'execute',
  'executeOperation',
  'completeValue',
  'buildExecutionContext',
  'getVariableValues',
  'coerceInputValue',
]);
const EXECUTOR = named(['execute', 'executeOperation', 'executeFields', 'completeValue', 'normalizedExecutor']);
const YOGA = named(['jsonStringifyResultWithoutInternals', 'processResult', 'processRequest', 'parseRequest']);
const YOGA_PREFIXES = named(['processRequest', 'processResult', 'processGraphQLParams', 'parseRequest', 'handleRequest'], true);
/** Packages whose every named function gets a row. */
const WHOLE_PACKAGES = (pkg: string | null) =>
  pkg === 'dataloader' || ['@envelop/', '@escape.tech/', '@pothos/'].some((scope) => pkg?.startsWith(scope));
const WHATWG = named(['handleNodeRequest', 'handleNodeRequestAndResponse', 'sendNodeResponse', 'normalizeNodeRequest']);
const ZOD = named(['parse', 'safeParse', '_parse', 'run']);
const UNDICI = named(['request', 'onHeaders', 'onData', 'onComplete', 'text', 'consumeEnd']);

/** The functions that matter for a GraphQL facade, whose inclusive time gets a row. */
function isInteresting(f: CallFrame): boolean {
  const pkg = packageOf(f.url);
  const name = f.functionName;
  if (/\/src\//.test(f.url) && !pkg) return Boolean(name);
  if (pkg === 'graphql') return GRAPHQL_JS.test(name);
  if (pkg === '@graphql-tools/executor') return EXECUTOR.test(name);
  if (pkg === 'graphql-yoga') return YOGA.test(name) || YOGA_PREFIXES.test(name);
  if (pkg?.startsWith('@whatwg-node/')) return WHATWG.test(name);
  if (pkg === 'zod') return ZOD.test(name);
  if (pkg === 'undici') return UNDICI.test(name);
  if (WHOLE_PACKAGES(pkg)) return Boolean(name);
  if (!f.url) return /^(stringify|parse)$/.test(name);
  return f.url.startsWith('node:') && /^(createHmac|digest|update|createHash)$/.test(name);
}

/**
 * `window` (µs on CLOCK_MONOTONIC, as process.hrtime and V8's profiler both use on Linux) keeps only
 * the samples taken during the measured phase: no start-up, no warm-up.
 */
export function summariseProfile(
  profile: CpuProfile,
  root: string,
  load: { requests: number; rps: number },
  window?: { fromUs: number; toUs: number },
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i]!;
    // timeDeltas[i] is the time *before* sample i; attribute the next delta to this sample.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }

  let busy = 0;
  let otelMs = 0;
  const cats = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; ms: number }>();
  const where = (f: CallFrame) => `${f.url.replace(/^file:\/\//, '').replace(`${root}/`, '')}:${f.lineNumber + 1}`;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += ms;
    if (packageOf(frame.url)?.startsWith('@opentelemetry/')) otelMs += ms;
    const cat = categoryOf(frame, root);
    cats.set(cat, (cats.get(cat) ?? 0) + ms);
    const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
    const entry = fns.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame), ms: 0 };
    entry.ms += ms;
    fns.set(key, entry);
  }

  // Inclusive time of named functions: a sample counts once per function even under recursion.
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!isInteresting(frame)) continue;
      const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? {
        name: frame.functionName || '(anonymous)',
        where: frame.url ? where(frame) : '(V8 builtin)',
        ms: 0,
      };
      entry.ms += ms;
      inclusive.set(key, entry);
    }
  }

  const bucketMs = new Map<string, number>();
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const hit = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const pkg = packageOf(frame.url);
      for (const bucket of BUCKETS) if (!hit.has(bucket.name) && bucket.match(frame, pkg)) hit.add(bucket.name);
    }
    for (const name of hit) bucketMs.set(name, (bucketMs.get(name) ?? 0) + ms);
  }

  const rows = (values: Iterable<{ name: string; where: string; ms: number }>, n: number): Row[] =>
    [...values]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n)
      .map((r) => ({ ...r, ms: Math.round(r.ms), share: (100 * r.ms) / busy }));
  return {
    at: new Date().toISOString(),
    requests: load.requests,
    rps: load.rps,
    busyMs: Math.round(busy),
    busyMsPerRequest: busy / Math.max(1, load.requests),
    byCategory: rows(
      [...cats].map(([name, ms]) => ({ name, where: '', ms })),
      40,
    ),
    topFunctions: rows(fns.values(), 30),
    inclusive: rows(inclusive.values(), 30),
    opentelemetryShare: (100 * otelMs) / busy,
    buckets: BUCKETS.map((b) => {
      const ms = bucketMs.get(b.name) ?? 0;
      return { name: b.name, where: b.where, ms: Math.round(ms), share: (100 * ms) / busy };
    }),
  };
}
