// The record of every /v2 request, in arrival order, so tests can assert what the facade sent upstream
// (how many calls, which pages, which keys) and benchmarks can count calls. Requests answered by an
// injected fault are recorded too. It is a bounded window (entries and bytes, oldest dropped first):
// the embedded emulator of a long-running `npm start` must not grow with every request it serves.
import { globMatches } from './path-glob.ts';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** The Basic-auth username, or null when the request had none. */
  username: string | null;
  idempotencyKey?: string;
  /** The x-request-id request header. */
  requestId?: string;
  /** The request body as received, when it had one (at most the server's body limit), so tests can assert exactly what was sent. */
  body?: string;
  /** The status line sent; 0 when none was (hang, reset, or still in progress). */
  status: number;
  /** Arrival time, epoch milliseconds. */
  at: number;
}

export interface RequestFilter {
  method?: string;
  /** A string is a glob (`*`: any run of characters; without one, the exact path); a RegExp is tested against it. */
  path?: string | RegExp;
}

export interface RequestLogLimits {
  /** Entries kept; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** Approximate bytes kept (an entry's characters plus ENTRY_OVERHEAD_BYTES); the oldest go first. Default 8 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_LOGGED_REQUESTS = 10_000;
export const DEFAULT_MAX_LOGGED_BYTES = 8 * 1024 * 1024;
/** What an entry's object, arrays and numbers cost beside its strings, roughly, in V8. */
const ENTRY_OVERHEAD_BYTES = 200;

export interface RequestLog {
  /** A copy of the entries, oldest first. */
  entries(): LoggedRequest[];
  count(filter?: RequestFilter): number;
  /** How many of the oldest entries were dropped to stay within the limits since the last clear. */
  dropped(): number;
  clear(): void;
}

export class RequestRecorder implements RequestLog {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** Oldest first from #head; slots before #head are dropped entries awaiting compaction. */
  #entries: (LoggedRequest | undefined)[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  #dropped = 0;

  constructor(limits: RequestLogLimits = {}) {
    this.#maxEntries = limits.maxEntries ?? DEFAULT_MAX_LOGGED_REQUESTS;
    this.#maxBytes = limits.maxBytes ?? DEFAULT_MAX_LOGGED_BYTES;
    if (!(Number.isInteger(this.#maxEntries) && this.#maxEntries >= 1))
      throw new TypeError('maxEntries must be a whole number of at least 1');
    if (!(Number.isFinite(this.#maxBytes) && this.#maxBytes >= 0)) throw new TypeError('maxBytes must be a number of at least 0');
  }

  /** Adds an entry (status 0) and returns it, for the server to fill in the status once it answers. */
  record(entry: LoggedRequest): LoggedRequest {
    const size = approximateBytes(entry);
    this.#entries.push(entry);
    this.#sizes.push(size);
    this.#bytes += size;
    // The newest entry always stays, even alone over maxBytes (a request's size is bounded by Node's header limit).
    while (this.#length() > this.#maxEntries || (this.#bytes > this.#maxBytes && this.#length() > 1)) this.#dropOldest();
    return entry;
  }

  entries(): LoggedRequest[] {
    return this.#live().map((entry) => ({ ...entry, query: structuredClone(entry.query) }));
  }

  count(filter: RequestFilter = {}): number {
    const { method, path } = filter;
    return this.#live().filter(
      (entry) =>
        (method === undefined || method.toUpperCase() === entry.method) &&
        (path === undefined || (typeof path === 'string' ? globMatches(path, entry.path) : path.test(entry.path))),
    ).length;
  }

  dropped(): number {
    return this.#dropped;
  }

  clear(): void {
    this.#entries = [];
    this.#sizes = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#dropped = 0;
  }

  #length(): number {
    return this.#entries.length - this.#head;
  }

  #live(): LoggedRequest[] {
    return this.#entries.slice(this.#head) as LoggedRequest[];
  }

  #dropOldest(): void {
    this.#bytes -= this.#sizes[this.#head]!;
    this.#entries[this.#head] = undefined;
    this.#head++;
    this.#dropped++;
    // Compact once the dropped slots are half the array: amortised O(1) per entry, no shift() per request.
    if (this.#head >= 1024 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Characters of the entry's strings (at most 2 bytes each in V8; ASCII takes 1) plus a fixed overhead. */
function approximateBytes(entry: LoggedRequest): number {
  let chars =
    entry.method.length +
    entry.path.length +
    (entry.username?.length ?? 0) +
    (entry.idempotencyKey?.length ?? 0) +
    (entry.requestId?.length ?? 0) +
    (entry.body?.length ?? 0);
  for (const [key, values] of Object.entries(entry.query)) {
    chars += key.length;
    for (const value of values) chars += value.length + 16;
  }
  return chars + ENTRY_OVERHEAD_BYTES;
}
