// Subscriptions through yoga, over Server-Sent Events (the WebSocket transport runs the same
// plugins, server/websocket-operations.ts):
// - Each event is executed with the loaders its delivery brings (live/delivery.ts: a set per event
//   and credential, or the set that read a catch-up page) instead of the request's, whose deadline
//   and cache must not live on in a long subscription. This is graphql-js's own subscribe
//   (createSourceEventStream, then execute per event) with that one change; graphql-jit never runs
//   a subscription (compiled-execution.ts only compiles the documents it rewrote for execute).
// - An HTTP request that cannot take a stream (no `text/event-stream` in Accept) is refused before
//   the subscription opens (406, a JSON error): opened and never read, it would hold a slot, a bus
//   listener and a watch forever. A stream no processor takes is closed all the same.
// - Event streams carry `X-Accel-Buffering: no` (nginx would otherwise hold events back); yoga
//   sends a keep-alive comment every 12 s.
// - Each payload handed on counts as delivered (by what brought it and transport), with its latency
//   from the event's arrival (live/delivery.ts: a delivery's origin).
import { createSourceEventStream, execute, type ExecutionArgs } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';
import { loadersOf, originOf } from '../live/delivery.ts';
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

async function subscribeWithDeliveryLoaders(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const context = args.contextValue as { subscriptions?: SubscriptionRuntime };
  const metrics = context.subscriptions?.metrics;
  const transport = transportOf(context);
  return mapAsyncIterator(stream, async (root: unknown) => {
    const loaders = loadersOf(root);
    const contextValue = loaders ? { ...(args.contextValue as object), loaders } : args.contextValue;
    const result = await execute({ ...args, rootValue: root, contextValue });
    // Handed to the transport next: delivered, and how long since its event arrived.
    const origin = originOf(root);
    if (metrics && origin) {
      metrics.liveEventsDelivered.inc({ source: origin.source, transport });
      if (origin.receivedAt !== undefined) metrics.liveDeliveryLatency.observe({ transport }, Math.max(0, Date.now() - origin.receivedAt) / 1000);
    }
    return result;
  });
}

function notAStream(): FacadeError {
  return new FacadeError(
    'BAD_USER_INPUT',
    'A subscription streams its events: send `Accept: text/event-stream` (Server-Sent Events) or subscribe over WebSocket.',
    { extensions: { http: { status: 406 } } },
  );
}

export function useSubscriptions(): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request && !acceptsEventStream(request)) {
        setResultAndStopExecution({ errors: [notAStream()] });
        return;
      }
      setSubscribeFn(subscribeWithDeliveryLoaders as Parameters<typeof setSubscribeFn>[0]);
    },
    onResultProcess({ result, resultProcessor }) {
      // Runs after yoga chose a processor: a stream none takes would otherwise stay open unread.
      if (!resultProcessor && isAsyncIterable(result)) Promise.resolve(result[Symbol.asyncIterator]().return?.()).catch(() => {});
    },
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith(EVENT_STREAM)) response.headers.set('x-accel-buffering', 'no');
    },
  };
}
