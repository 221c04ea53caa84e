// A subscription's results written to its WebSocket straight from the stream. graphql-ws delivers
// a stream with for-await: per result, a promise step, its onNext hook, a `next` message built and
// stringified, and an await of the socket's write callback before the next one; with a thousand
// subscribers of one event that was most of a delivery's cost. Here the stream polls
// (live/ready-stream.ts): an event goes from the bus to this socket write in one call, the
// message is the payload's text (serialised once per shared result) spliced behind the
// subscription's own prefix. graphql-ws still owns the subscription: it iterates the stream this
// returns, which yields nothing and ends when the results end (graphql-ws then sends `complete`,
// or `error` for a failure), and its return() (the client's `complete`, the socket closing) stops
// the writes and ends the source.
// Back-pressure: while more than HIGH_WATER bytes wait in the socket, nothing more is polled; the
// results wait in the subscription's bounded buffer, which cuts off a consumer that stays behind.
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { asReadyStream, DONE } from '../live/ready-stream.ts';
import { formattedResult } from './websocket-operations.ts';
import { payloadText } from './websocket-payloads.ts';

const HIGH_WATER = 64 * 1024;

type Outcome = { step: IteratorResult<ExecutionResult, undefined> } | { error: unknown };

export function writeDirectly(
  source: AsyncIterable<ExecutionResult>,
  socket: WebSocket,
  id: string,
): AsyncIterableIterator<ExecutionResult> {
  const results = asReadyStream(source);
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  let started = false;
  let draining = false;
  let blocked = false;
  let outcome: Outcome | undefined;
  let answer: { resolve: (step: IteratorResult<ExecutionResult, undefined>) => void; reject: (error: unknown) => void } | undefined;

  const finish = (ended: Outcome) => {
    if (outcome) return;
    outcome = ended;
    const waiting = answer;
    answer = undefined;
    if (!waiting) return;
    if ('error' in ended) waiting.reject(ended.error);
    else waiting.resolve(ended.step);
  };
  // ws calls this once a message was handed to the socket: writing goes on once the backlog is small.
  const sent = () => {
    if (blocked && socket.bufferedAmount <= HIGH_WATER) {
      blocked = false;
      drain();
    }
  };
  const drain = (): void => {
    if (draining || blocked || outcome) return;
    draining = true;
    try {
      for (;;) {
        let step: IteratorResult<ExecutionResult, undefined> | undefined;
        try {
          step = results.poll(drain);
        } catch (error) {
          finish({ error });
          return;
        }
        if (step === undefined) return;
        if (step.done) {
          finish({ step: DONE });
          return;
        }
        if (socket.readyState !== socket.OPEN) continue;
        socket.send(`${prefix}${payloadText(step.value, formattedResult)}}`, sent);
        if (socket.bufferedAmount > HIGH_WATER) {
          blocked = true;
          return;
        }
      }
    } finally {
      draining = false;
    }
  };

  const stream: AsyncIterableIterator<ExecutionResult> = {
    next() {
      // The first read means graphql-ws registered the subscription (a `complete` from the client now finds it).
      if (!started) {
        started = true;
        drain();
      }
      if (outcome) return 'error' in outcome ? Promise.reject(outcome.error) : Promise.resolve(outcome.step);
      return new Promise((resolve, reject) => {
        answer = { resolve, reject };
      });
    },
    return() {
      finish({ step: DONE });
      return results.return ? results.return().then(() => DONE) : Promise.resolve(DONE);
    },
    throw() {
      return stream.return!();
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
