// LogPlaces (src/live/log-places.ts): a newcomer finds the place of an idle stream under its own
// key only, the first idle one; nothing is kept once the streams under a key are gone.
import { describe, expect, it } from 'vitest';
import type { LogPlace } from '../../src/live/communication-log.ts';
import { LogPlaces, type PlaceHolder } from '../../src/live/log-places.ts';

const place = (newest: number): LogPlace => ({ place: null, newest });

/** A holder idle at `at`, or busy (undefined). */
function holder(at: LogPlace | undefined): PlaceHolder & { at: LogPlace | undefined } {
  return {
    at,
    idlePlace() {
      return this.at ? { ...this.at } : undefined;
    },
  };
}

describe('LogPlaces', () => {
  it('answers the first idle stream’s place under the key, as a copy; busy ones are passed over', () => {
    const places = new LogPlaces();
    const busy = holder(undefined);
    const idle = holder(place(2));
    places.track('alice\u0000conv', busy);
    places.track('alice\u0000conv', idle);
    const found = places.idlePlace('alice\u0000conv');
    expect(found).toEqual(place(2));
    found!.newest = 99;
    expect(idle.at).toEqual(place(2));
    idle.at = undefined;
    expect(places.idlePlace('alice\u0000conv')).toBeUndefined();
  });

  it('never answers across keys (another credential, another conversation)', () => {
    const places = new LogPlaces();
    places.track('alice\u0000conv', holder(place(1)));
    expect(places.idlePlace('mallory\u0000conv')).toBeUndefined();
    expect(places.idlePlace('alice\u0000other')).toBeUndefined();
  });

  it('forgets a key once its last stream is untracked; untracking twice changes nothing', () => {
    const places = new LogPlaces();
    const one = holder(place(1));
    const two = holder(place(2));
    const untrackOne = places.track('k', one);
    const untrackTwo = places.track('k', two);
    untrackOne();
    untrackOne();
    expect(places.idlePlace('k')).toEqual(place(2));
    expect(places.keys).toBe(1);
    untrackTwo();
    expect(places.keys).toBe(0);
    expect(places.idlePlace('k')).toBeUndefined();
    // A stream tracked again after its key was forgotten is found again.
    const untrackAgain = places.track('k', one);
    expect(places.idlePlace('k')).toEqual(place(1));
    untrackAgain();
    expect(places.keys).toBe(0);
  });
});
