// Where the live communicationAdded streams stand, per credential and conversation. Why: a
// subscriber without `after` starts at the list's end, and finding it takes a walk of the list
// (the upstream lists oldest first, so `last: 1` reads to the end at the largest page size: one
// call, a large body). A stream of the same credential that stands idle on that conversation is
// already at the end as far as anything listening knows: the newcomer starts there, reads nothing,
// and stands where that stream stands (so it joins its subscription group at once). An event the
// newcomer's listener could not hear yet is after that place, so the next read delivers it: the
// same guarantee as a read of the end made before the listener opened.
import type { LogPlace } from './communication-log.ts';

/** A stream that can say where it stands when nothing is read ahead, in flight or due. */
export interface PlaceHolder {
  idlePlace(): LogPlace | undefined;
}

export class LogPlaces {
  /** Key (credentials and conversation: the caller names both) → the streams standing on it. */
  readonly #holders = new Map<string, Set<PlaceHolder>>();

  /** Registers `holder` under `key` until the returned function is called (once is enough). */
  track(key: string, holder: PlaceHolder): () => void {
    let holders = this.#holders.get(key);
    if (!holders) this.#holders.set(key, (holders = new Set()));
    holders.add(holder);
    return () => {
      const current = this.#holders.get(key);
      if (!current?.delete(holder) || current.size > 0) return;
      this.#holders.delete(key);
    };
  }

  /** The place of a stream under `key` that stands idle now (a copy), or undefined: read the list. */
  idlePlace(key: string): LogPlace | undefined {
    const holders = this.#holders.get(key);
    if (!holders) return undefined;
    for (const holder of holders) {
      const place = holder.idlePlace();
      if (place) return place;
    }
    return undefined;
  }

  /** Keys with a stream on them (tests: nothing is kept once the streams end). */
  get keys(): number {
    return this.#holders.size;
  }
}
