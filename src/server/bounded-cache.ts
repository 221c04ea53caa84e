// Every cache the facade keeps per document (parsed documents, parse errors, compiled operations,
// cost verdicts) is keyed by text a caller chooses, so each is bounded twice: by entries and by
// an estimate of the bytes it holds. Without the byte bound a few thousand distinct 100 KB
// documents or variable sets kept hundreds of megabytes alive (issue 9, item 9).
import type { DocumentNode } from 'graphql';

export interface CacheBounds {
  maxEntries: number;
  /** An estimate: what `weigh` says each entry holds, keys included. */
  maxBytes: number;
}

/** A least-recently-used map with string keys, evicting by entry count and by estimated bytes. */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  readonly #bounds: CacheBounds;
  readonly #weigh: (key: string, value: V) => number;
  #bytes = 0;

  constructor(bounds: CacheBounds, weigh: (key: string, value: V) => number = (key) => stringBytes(key)) {
    this.#bounds = bounds;
    this.#weigh = weigh;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recently used entry.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.#weigh(key, value);
    // An entry bigger than the whole budget would only evict everything else; it is not kept.
    if (bytes > this.#bounds.maxBytes) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#bounds.maxEntries && this.#bytes <= this.#bounds.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** Worst case: V8 keeps a string as UTF-16 once anything outside Latin-1 is in it. */
export function stringBytes(text: string): number {
  return 2 * text.length;
}

/**
 * What a parsed document (and what is built from it, such as a compiled query) holds, measured on
 * real Relay-shaped documents: about 250 bytes of AST per token (tokens stay linked from `loc`),
 * plus the source text. A document has at most MAX_QUERY_TOKENS tokens (checked while parsing).
 */
export function documentBytes(document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens++;
  return 256 * tokens + stringBytes(document.loc?.source.body ?? '');
}

/** The source text a parsed document came from: with the operation's name, the identity of what runs. */
export function sourceOf(document: DocumentNode): string | undefined {
  return document.loc?.source.body;
}

/** yoga's parse cache (`parserAndValidationCache`), bounded; validation results hang off these documents (a WeakMap). */
export function boundedParserCaches(): { documentCache: BoundedCache<DocumentNode>; errorCache: BoundedCache<unknown> } {
  return {
    documentCache: new BoundedCache<DocumentNode>(
      { maxEntries: 1000, maxBytes: 32 * 1024 * 1024 },
      (key, document) => stringBytes(key) + documentBytes(document),
    ),
    errorCache: new BoundedCache<unknown>({ maxEntries: 200, maxBytes: 4 * 1024 * 1024 }, (key) => stringBytes(key) + 1024),
  };
}
