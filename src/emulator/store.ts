// In-memory data, one separate space per account. An "account" is a Basic-auth username, so two
// usernames never see each other's data, even an API key and the account it belongs to.
import type { SortKey } from './pagination.ts';
import type { HttpReply } from './reply.ts';

/** A resource's API representation as stored (insertRaw may store any shape). */
export type Body = Record<string, unknown>;

export interface StoredRecord extends SortKey {
  /** Replaced, never mutated, on update: replies already serialized or replayed stay as they were. */
  body: Body;
}

export interface ConversationRecord extends StoredRecord {
  participants: SortedRecords<StoredRecord>;
  communications: SortedRecords<StoredRecord>;
  /** resourceId → communication, for the upsert on create. */
  communicationsByResourceId: Map<string, StoredRecord>;
}

/** Records in list order (createdAt, then id) with lookup by id. */
export class SortedRecords<T extends SortKey> {
  readonly #items: T[] = [];
  readonly #byId = new Map<string, T>();

  get items(): readonly T[] {
    return this.#items;
  }

  get(id: string): T | undefined {
    return this.#byId.get(id);
  }

  /** Creations come in time order and append; raw inserts with older timestamps land in place. */
  insert(record: T): void {
    this.remove(record.id);
    let at = this.#items.length;
    while (at > 0 && isAfter(this.#items[at - 1]!, record)) at--;
    this.#items.splice(at, 0, record);
    this.#byId.set(record.id, record);
  }

  remove(id: string): boolean {
    const record = this.#byId.get(id);
    if (!record) return false;
    this.#byId.delete(id);
    this.#items.splice(this.#items.indexOf(record), 1);
    return true;
  }
}

function isAfter(a: SortKey, b: SortKey): boolean {
  return a.sortMs > b.sortMs || (a.sortMs === b.sortMs && a.id > b.id);
}

export class AccountData {
  readonly conversations = new SortedRecords<ConversationRecord>();
  /** ControlPlane Configurations (configurations.ts). */
  readonly configurations = new SortedRecords<StoredRecord>();
  /** Serialized list pages by request URL, for the `cacheListPages` fast path. */
  readonly pageCache = new Map<string, HttpReply>();

  /** Every write calls this, so a cached page never outlives the data it shows. */
  changed(): void {
    this.pageCache.clear();
  }
}

export function newConversationRecord(sortMs: number, body: Body & { id: string }): ConversationRecord {
  return {
    sortMs,
    id: body.id,
    body,
    participants: new SortedRecords(),
    communications: new SortedRecords(),
    communicationsByResourceId: new Map(),
  };
}

export class Store {
  readonly #accounts = new Map<string, AccountData>();

  account(username: string): AccountData {
    let account = this.#accounts.get(username);
    if (!account) {
      account = new AccountData();
      this.#accounts.set(username, account);
    }
    return account;
  }

  clear(): void {
    this.#accounts.clear();
  }
}
