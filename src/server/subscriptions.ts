// Subscriptions through yoga, over Server-Sent Events (the WebSocket transport runs the same
// plugins, server/websocket-operations.ts):
// - Each event is executed with the loaders its delivery brings (live/delivery.ts: a set per event
//   and credential, or the set that read a catch-up page) instead of the request's, whose deadline
//   and cache must not live on in a long subscription. This is graphql-js's own subscribe
//   (createSourceEventStream, then execute per event) with that one change; graphql-jit never runs
//   a subscription (compiled-execution.ts only compiles the documents it rewrote for execute).
// - Subscribers of one caller with the same operation share each event's execution (and its
//   result object: serialised once, sse-results.ts); the stream keeps only what execution needs.
// - An HTTP request that cannot take a stream (no `text/event-stream` in Accept) is refused before
//   the subscription opens (406, a JSON error): opened and never read, it would hold a slot, a bus
//   listener and a watch forever. A stream no processor takes is closed all the same.
// - Event streams carry `X-Accel-Buffering: no` (nginx would otherwise hold events back); yoga
//   sends a keep-alive comment every 12 s.
// - Each payload handed on counts as delivered (by what brought it and transport), with its latency
//   from the event's arrival (live/delivery.ts: a delivery's origin).
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';
import { SlowConsumerError } from '../live/bus.ts';
import { Delivery, loadersOf, originOf, shareKeyOf } from '../live/delivery.ts';
import { failureOf } from '../schema/subscriptions/stream.ts';
import { SubscriptionGroups, type PipelineItem } from './subscription-groups.ts';
import { mapReady } from '../live/ready-stream.ts';
import type { Loaders } from '../loaders/index.ts';
import type { Credentials } from '../upstream/credentials.ts';
import { SharedExecutions } from './shared-executions.ts';
import { processSseResult } from './sse-results.ts';
import { transportOf, type SubscriptionRuntime } from '../live/runtime.ts';

const EVENT_STREAM = 'text/event-stream';

/** Whether yoga would answer this request with Server-Sent Events (its rule: any accepted type matching text/event-stream). */
export function acceptsEventStream(request: Request): boolean {
  const accepted = (request.headers.get('accept') || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  return accepted.some((entry) => {
    const [type = '', ...parameters] = entry.split(';');
    if (parameters.some((parameter) => parameter.startsWith('charset=') && parameter !== 'charset=utf-8')) return false;
    const [main, sub] = type.split('/');
    return (main === '*' || main === 'text') && (sub === '*' || sub === 'event-stream');
  });
}

/** What the subscription's fields read from the context while executing an event (schema/builder.ts Context). */
const EXECUTION_KEYS = [
  'cursors',
  'maxPagesPerConnection',
  'live',
  'credentials',
  'freshLoaders',
  'subscriptions',
  'webSocketOperation',
] as const;

function executionContext(context: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of EXECUTION_KEYS) if (key in context) kept[key] = context[key];
  return kept;
}

/** Results shared by subscribers for this long at most: one event's fan-out (server/shared-executions.ts). */
const SHARED_RESULT_MS = 5_000;
const SHARED_RESULTS = 1_000;

/**
 * The last shared key made per subscription key. The subscribers of one group take an event one
 * after the other, so all but the first reuse the string: joining it afresh per subscriber and
 * delivery made a new string that the results' map hashed again each time.
 */
const joinedKeys = new Map<string, { shareKey: string; key: string }>();

function joinedKey(subscriptionKey: string, shareKey: string): string {
  const last = joinedKeys.get(subscriptionKey);
  if (last?.shareKey === shareKey) return last.key;
  const key = `${subscriptionKey}\u0000${shareKey}`;
  if (joinedKeys.size >= SHARED_RESULTS && !last) joinedKeys.clear();
  joinedKeys.set(subscriptionKey, { shareKey, key });
  return key;
}

type LiveMetrics = NonNullable<SubscriptionRuntime['metrics']>;
type Delivered = (item: PipelineItem) => ExecutionResult;

/** Without metrics, a delivery is only its result. */
const resultOnly: Delivered = ({ result }) => result;

/**
 * Each delivery's accounting by transport: counted by what brought it, with its latency from the
 * event's arrival. Made once per metrics registry and transport, and shared by every subscriber
 * of it (a group member keeps this and nothing of its subscription's scope); the series are
 * looked up once, not per delivery.
 */
const deliveredByMetrics = new WeakMap<object, Map<string, Delivered>>();

function deliveredFor(metrics: LiveMetrics | undefined, transport: string): Delivered {
  if (!metrics) return resultOnly;
  let byTransport = deliveredByMetrics.get(metrics);
  if (!byTransport) deliveredByMetrics.set(metrics, (byTransport = new Map()));
  let delivered = byTransport.get(transport);
  if (delivered) return delivered;
  const latency = metrics.liveDeliveryLatency.labels({ transport });
  const bySource = new Map<string, ReturnType<LiveMetrics['liveEventsDelivered']['labels']>>();
  delivered = ({ root, result }) => {
    const origin = originOf(root);
    if (origin) {
      let counter = bySource.get(origin.source);
      if (!counter) bySource.set(origin.source, (counter = metrics.liveEventsDelivered.labels({ source: origin.source, transport })));
      counter.inc();
      if (origin.receivedAt !== undefined) latency.observe(Math.max(0, Date.now() - origin.receivedAt) / 1000);
    }
    return result;
  };
  byTransport.set(transport, delivered);
  return delivered;
}

function subscribeWithDeliveryLoaders(shared: SharedExecutions, groups: SubscriptionGroups) {
  return async (args: ExecutionArgs) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const context = args.contextValue as Record<string, unknown> & {
      subscriptions?: SubscriptionRuntime;
      credentials?: Credentials | null;
    };
    const metrics = context.subscriptions?.metrics;
    const transport = transportOf(context);
    // The stream keeps only what executing an event needs: the request's own loaders (their API,
    // signals and cache) and everything else the request brought can go once the stream is open.
    const base = executionContext(context);
    // Cleared, not deleted: deleting a property turns the context (held for the stream's life) into a slower, larger dictionary object.
    context.loaders = undefined;
    const { schema, document, operationName, variableValues, fieldResolver, typeResolver } = args;
    const subscriptionKey = shared.subscriptionKey(document, operationName, variableValues, context.credentials?.key ?? '');
    const run = (root: unknown, loaders: Loaders | undefined) =>
      execute({
        schema,
        document,
        operationName,
        variableValues,
        fieldResolver,
        typeResolver,
        rootValue: root,
        contextValue: loaders ? { ...base, loaders } : base,
      }) as ExecutionResult | Promise<ExecutionResult>;
    const results = (root: unknown): PipelineItem | Promise<PipelineItem> => {
      const loaders = loadersOf(root);
      const shareKey = shareKeyOf(root);
      const result =
        shareKey === undefined ? run(root, loaders) : shared.run(joinedKey(subscriptionKey, shareKey), async () => run(root, loaders));
      // A result already made (another subscriber's) is handed on in the same step.
      return result instanceof Promise ? result.then((made) => ({ root, result: made })) : { root, result };
    };
    const maxBuffered = context.subscriptions?.maxBuffered ?? 1;
    const liveSource = (context as { live?: { source: { kind: string } } }).live?.source.kind ?? 'webhook';
    return groups.join(subscriptionKey, stream, mapReady(stream, results), {
      delivered: deliveredFor(metrics, transport),
      maxBuffered,
      cutOff: () => {
        metrics?.liveEventsDropped.inc({ source: liveSource, reason: 'slow_consumer' });
        return run(Delivery.failure(failureOf(new SlowConsumerError(maxBuffered))), undefined);
      },
    });
  };
}

function notAStream(): FacadeError {
  return new FacadeError(
    'BAD_USER_INPUT',
    'A subscription streams its events: send `Accept: text/event-stream` (Server-Sent Events) or subscribe over WebSocket.',
    { extensions: { http: { status: 406 } } },
  );
}

export function useSubscriptions(): Plugin {
  const subscribe = subscribeWithDeliveryLoaders(
    new SharedExecutions({ maxEntries: SHARED_RESULTS, maxAgeMs: SHARED_RESULT_MS }),
    new SubscriptionGroups(),
  );
  return {
    onSubscribe({ args, setSubscribeFn, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request && !acceptsEventStream(request)) {
        setResultAndStopExecution({ errors: [notAStream()] });
        return;
      }
      setSubscribeFn(subscribe as Parameters<typeof setSubscribeFn>[0]);
    },
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      // Runs after yoga chose a processor: a stream none takes would otherwise stay open unread.
      if (!resultProcessor) Promise.resolve(result[Symbol.asyncIterator]().return?.()).catch(() => {});
      // For a subscription, yoga's only processor of streams is its SSE one: ours writes the same
      // events, one chunk each, serialising a shared result once (sse-results.ts).
      else if (acceptsEventStream(request)) setResultProcessor(processSseResult as Parameters<typeof setResultProcessor>[0], EVENT_STREAM);
    },
    onResponse({ response }) {
      // Ours have it already (sse-results.ts); an event stream yoga made itself (a single result) gets it here.
      const headers = response.headers;
      if (headers.get('content-type')?.startsWith(EVENT_STREAM) && headers.get('x-accel-buffering') === null)
        headers.set('x-accel-buffering', 'no');
    },
  };
}
