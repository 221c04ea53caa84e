// graphql-ws serialises each `next` message whole, per subscriber: with a thousand subscribers
// sharing one result (shared-executions.ts), that is a thousand JSON.stringify calls of the same
// payload. The messages differ only by id, so the payload is serialised once per result object
// and spliced in: onNext hands graphql-ws a stand-in whose JSON is a short marker (graphql-ws
// stringifies the message and sends it synchronously, in the same turn), and the socket's send
// replaces the marker at the message's end with the payload's text.
import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

const MARKER = 'conversations-graphql:serialised-payload';
const MARKED_END = `"payload":${JSON.stringify(MARKER)}}`;

/** The JSON text of the payload whose stand-in was last serialised, for the send that follows. */
let pendingPayload: string | undefined;

class SerialisedPayload {
  readonly #json: string;

  constructor(json: string) {
    this.#json = json;
  }

  toJSON(): string {
    pendingPayload = this.#json;
    return MARKER;
  }
}

const standIns = new WeakMap<ExecutionResult, SerialisedPayload>();
const texts = new WeakMap<ExecutionResult, string>();

/** The payload's JSON text: made once per result object (serialised once, whoever sends it). */
export function payloadText(result: ExecutionResult, format: (result: ExecutionResult) => FormattedExecutionResult): string {
  let text = texts.get(result);
  if (text === undefined) {
    text = JSON.stringify(format(result));
    texts.set(result, text);
  }
  return text;
}

/** What onNext returns for `result`: made once per result object. */
export function serialisedPayload(result: ExecutionResult, format: (result: ExecutionResult) => FormattedExecutionResult): object {
  let standIn = standIns.get(result);
  if (standIn === undefined) {
    standIn = new SerialisedPayload(payloadText(result, format));
    standIns.set(result, standIn);
  }
  return standIn;
}

/** The message as sent: a marked payload replaced by its text. */
export function withPayload(data: string): string {
  const payload = pendingPayload;
  pendingPayload = undefined;
  if (payload === undefined || !data.endsWith(MARKED_END)) return data;
  return `${data.slice(0, data.length - MARKED_END.length)}"payload":${payload}}`;
}

/** Makes the socket's text messages go through withPayload (graphql-ws sends with socket.send). */
export function spliceSerialisedPayloads(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  socket.send = ((data: unknown, ...rest: unknown[]) =>
    send(typeof data === 'string' ? withPayload(data) : data, ...rest)) as WebSocket['send'];
}
