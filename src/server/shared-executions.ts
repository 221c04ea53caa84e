// One execution per event for every subscriber that would compute the same result: the same
// document, operation and variables, the same credentials, and a delivery with the same content
// (live/delivery.ts `shareKey`: an event's payload, or an edge by its cursor). With a thousand
// subscribers of one caller on one conversation, an event is executed once instead of a thousand
// times, and every one of them gets the same ExecutionResult object, so the transports serialise
// it once too (sse-results.ts, websocket.ts). Each subscriber keeps its own stream, buffer,
// slow-consumer cut-off and resume state: only the execution is shared.
//
// Bounded by entries and age: an entry only matters while one event fans out; a subscriber that
// comes later than that executes on its own (the same answer, at the old cost). Keys are bounded
// in bytes too: the variables (up to a whole request body) go in as a SHA-256 digest.
import { createHash } from 'node:crypto';
import type { DocumentNode, ExecutionResult } from 'graphql';

export interface SharedExecutionOptions {
  maxEntries: number;
  maxAgeMs: number;
}

interface Entry {
  result: Promise<ExecutionResult>;
  /** The result once made: handed out as is, without a promise step per subscriber. */
  value?: ExecutionResult;
  madeAt: number;
}

export class SharedExecutions {
  readonly #entries = new Map<string, Entry>();
  readonly #documents = new WeakMap<DocumentNode, number>();
  readonly #options: SharedExecutionOptions;
  #nextDocument = 0;

  constructor(options: SharedExecutionOptions) {
    this.#options = options;
  }

  /**
   * What names one subscription's execution of a delivery, but the delivery: its document (the
   * parser cache hands out one object per query text), operation, variables and credentials.
   */
  subscriptionKey(document: DocumentNode, operationName: string | null | undefined, variables: unknown, credentialsKey: string): string {
    let id = this.#documents.get(document);
    if (id === undefined) {
      id = this.#nextDocument++;
      this.#documents.set(document, id);
    }
    const variablesDigest = createHash('sha256')
      .update(JSON.stringify(variables ?? null))
      .digest('base64url');
    return `${id}\u0000${operationName ?? ''}\u0000${variablesDigest}\u0000${credentialsKey}`;
  }

  /** `execute()`'s result, or the one already made under the same key (its promise while in flight: a failure too, then forgotten). */
  run(key: string, execute: () => Promise<ExecutionResult>): ExecutionResult | Promise<ExecutionResult> {
    const now = Date.now();
    const known = this.#entries.get(key);
    if (known && now - known.madeAt < this.#options.maxAgeMs) return known.value ?? known.result;
    const result = execute();
    const entry: Entry = { result, madeAt: now };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    result.then(
      (value) => {
        entry.value = value;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxEntries) break;
      this.#entries.delete(oldest);
    }
    return result;
  }
}
