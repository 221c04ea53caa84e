// An in-memory token-paged list for the pagination core's unit tests: the emulator's own page
// tokens (bound to the list and to the pageSize they were issued for, any other use refused like
// the upstream's 400), no sockets. Every read is recorded, so tests count upstream calls exactly.
import { PageTokens } from '../../src/emulator/pagination.ts';
import type { PageRequest } from '../../src/upstream/api.ts';
import type { UpstreamPage } from '../../src/upstream/types.ts';

export interface Item {
  id: string;
  sortMs: number;
}

export class MemoryList {
  items: Item[];
  readonly reads: PageRequest[] = [];
  readonly tokens = new PageTokens(Buffer.alloc(32, 7));

  constructor(length: number) {
    this.items = Array.from({ length }, (_, i) => ({ id: `item_${String(i).padStart(5, '0')}`, sortMs: 1_000 + i }));
  }

  readonly read = async (page: PageRequest): Promise<UpstreamPage<Item>> => {
    this.reads.push(page);
    const result = this.tokens.page(this.items, () => true, 'list', page.pageSize, page.pageToken ?? undefined);
    return { items: result.items, nextToken: result.nextToken ?? null, previousToken: result.previousToken ?? null };
  };

  /** The reads since the last call (and forgets them). */
  takeReads(): PageRequest[] {
    return this.reads.splice(0);
  }

  indexOf(id: string): number {
    return this.items.findIndex((item) => item.id === id);
  }

  /** A token exactly as the upstream would issue it: the `pageSize` items after (or before) item `index`. */
  token(pageSize: number, direction: 'next' | 'prev', index: number | null): string {
    const key = index === null ? null : this.items[index]!;
    return this.tokens.issue('list', pageSize, { direction, boundary: { key, after: direction === 'next' } });
  }
}
