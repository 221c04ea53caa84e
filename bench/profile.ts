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
  requests: number;
  rps: number;
  busyMs: number;
  /** Busy CPU time per request while profiling, in ms (the profiler itself adds some). */
  busyMsPerRequest: number;
  byCategory: Row[];
  topFunctions: Row[];
  inclusive: Row[];
}

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
  const cats = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; ms: number }>();
  const where = (f: CallFrame) => `${f.url.replace(/^file:\/\//, '').replace(`${root}/`, '')}:${f.lineNumber + 1}`;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += ms;
    const cat = categoryOf(frame, root);
    cats.set(cat, (cats.get(cat) ?? 0) + ms);
    const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
    const entry = fns.get(key) ?? { name: frame.functionName || '(anonymous)', where: where(frame), ms: 0 };
    entry.ms += ms;
    fns.set(key, entry);
  }

  // Inclusive time of named functions: a sample counts once per function even under recursion.
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  const interesting = (f: CallFrame) => {
    const pkg = packageOf(f.url);
    if (pkg === 'graphql' && /^(parse|validate|execute|executeOperation|completeValue|buildExecutionContext|getVariableValues|coerceInputValue)$/.test(f.functionName)) return true;
    if (pkg === '@graphql-tools/executor' && /^(execute|executeOperation|executeFields|completeValue|normalizedExecutor)$/.test(f.functionName)) return true;
    if (pkg?.startsWith('@envelop/') && f.functionName) return true;
    if (pkg?.startsWith('@escape.tech/') && f.functionName) return true;
    if (pkg?.startsWith('@pothos/') && f.functionName) return true;
    if (pkg === 'graphql-yoga' && /^(jsonStringifyResultWithoutInternals|processResult|processRequest|parseRequest)$/.test(f.functionName)) return true;
    if (pkg?.startsWith('@whatwg-node/') && /^(handleNodeRequest|handleNodeRequestAndResponse|sendNodeResponse|normalizeNodeRequest)$/.test(f.functionName)) return true;
    if (/\/src\//.test(f.url) && !pkg) return Boolean(f.functionName);
    if (pkg === 'graphql-yoga' && /^(processRequest|processResult|processGraphQLParams|parseRequest|handleRequest)/.test(f.functionName)) return true;
    if (pkg === 'dataloader' && f.functionName) return true;
    if (pkg === 'zod' && /^(parse|safeParse|_parse|run)$/.test(f.functionName)) return true;
    if (pkg === 'undici' && /^(request|onHeaders|onData|onComplete|text|consumeEnd)$/.test(f.functionName)) return true;
    if (!f.url && /^(stringify|parse)$/.test(f.functionName)) return true;
    if (f.url.startsWith('node:') && /^(createHmac|digest|update|createHash)$/.test(f.functionName)) return true;
    return false;
  };
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!interesting(frame)) continue;
      const key = `${frame.functionName}@${frame.url}:${frame.lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name: frame.functionName || '(anonymous)', where: frame.url ? where(frame) : '(V8 builtin)', ms: 0 };
      entry.ms += ms;
      inclusive.set(key, entry);
    }
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
    byCategory: rows([...cats].map(([name, ms]) => ({ name, where: '', ms })), 25),
    topFunctions: rows(fns.values(), 30),
    inclusive: rows(inclusive.values(), 30),
  };
}
