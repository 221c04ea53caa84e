// A subscription ends when the credentials it was opened with expire. A query is over in seconds,
// but a subscription outlives its caller's JWT: without this it would go on delivering events to
// someone whose token the access policy now refuses. The access policy puts the token's `exp` on
// the context (yoga.ts: `credentialsExpireAt`); this plugin ends every stream opened with it at
// that moment, over SSE and WebSocket alike, with UNAUTHENTICATED as its last result.
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';
import { endableStream } from './endable-stream.ts';

export interface CredentialExpiry {
  /** When the caller's credentials stop being accepted (ms since the epoch); undefined: they do not expire. */
  credentialsExpireAt?: number | undefined;
}

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms the timer. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export function credentialsExpired(): FacadeError {
  return new FacadeError('UNAUTHENTICATED', 'The credentials expired: subscribe again with fresh ones.');
}

/** The stream, ended with UNAUTHENTICATED at `expiresAt` unless it ends first (the timer goes with it). */
export function endingAt(source: AsyncIterable<ExecutionResult>, expiresAt: number): AsyncIterableIterator<ExecutionResult> {
  let timer: NodeJS.Timeout | undefined;
  const stream = endableStream<ExecutionResult, ExecutionResult>(source, {
    map: (result) => result,
    onEnd: () => clearTimeout(timer),
  });
  const arm = () => {
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      stream.end({ errors: [credentialsExpired()] });
      return;
    }
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_DELAY_MS));
    timer.unref();
  };
  arm();
  return stream;
}

export function useCredentialExpiry(): Plugin {
  return {
    onSubscribe({ args }) {
      const expiresAt = (args.contextValue as CredentialExpiry).credentialsExpireAt;
      if (expiresAt === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(endingAt(result, expiresAt));
        },
      };
    },
  };
}
