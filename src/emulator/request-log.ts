// The record of every /v2 request, in arrival order, so tests can assert what the facade sent upstream
// (how many calls, which pages, which keys) and benchmarks can count calls. Requests answered by an
// injected fault are recorded too.

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** The Basic-auth username, or null when the request had none. */
  username: string | null;
  idempotencyKey?: string;
  /** The x-request-id request header. */
  requestId?: string;
  /** The status line sent; 0 when none was (hang, reset, or still in progress). */
  status: number;
  /** Arrival time, epoch milliseconds. */
  at: number;
}

export interface RequestFilter {
  method?: string;
  /** A string must equal the path; a RegExp is tested against it. */
  path?: string | RegExp;
}

export interface RequestLog {
  /** A copy of the entries, oldest first. */
  entries(): LoggedRequest[];
  count(filter?: RequestFilter): number;
  clear(): void;
}

export class RequestRecorder implements RequestLog {
  #entries: LoggedRequest[] = [];

  /** Adds an entry (status 0) and returns it, for the server to fill in the status once it answers. */
  record(entry: LoggedRequest): LoggedRequest {
    this.#entries.push(entry);
    return entry;
  }

  entries(): LoggedRequest[] {
    return this.#entries.map((entry) => ({ ...entry, query: structuredClone(entry.query) }));
  }

  count(filter: RequestFilter = {}): number {
    const { method, path } = filter;
    return this.#entries.filter(
      (entry) =>
        (method === undefined || method.toUpperCase() === entry.method) &&
        (path === undefined || (typeof path === 'string' ? path === entry.path : path.test(entry.path))),
    ).length;
  }

  clear(): void {
    this.#entries = [];
  }
}
