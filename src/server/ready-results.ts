// yoga wraps every subscription's stream in an identity map of its own (graphql-yoga's server.js:
// a thrown error becomes a masked result), a layer that cannot poll (live/ready-stream.ts). The
// stream under it, as the envelop hooks left it (subscriptions.ts, credential-expiry.ts), is kept
// here by request, so the transports' own layers (error-policy.ts for SSE, websocket-operations.ts)
// poll that one, and do what yoga's wrapper does themselves: a thrown error becomes a last result.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isReadyStream, type ReadyStream } from '../live/ready-stream.ts';

const streams = new WeakMap<Request, ReadyStream<ExecutionResult>>();

/** Placed after every plugin that replaces a subscription's stream: what it sees is what yoga wraps. */
export function useReadyResults(): Plugin {
  return {
    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request) return;
      return {
        onSubscribeResult({ result }) {
          if (isReadyStream<ExecutionResult>(result)) streams.set(request, result);
        },
      };
    },
  };
}

/** The stream under yoga's wrapper for this request's subscription, or the result as it is. */
export function readyResultOf(request: Request, result: AsyncIterable<ExecutionResult>): AsyncIterable<ExecutionResult> {
  return streams.get(request) ?? result;
}
