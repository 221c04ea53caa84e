// Subscribers whose subscriptions would run identically share one pipeline. Two subscriptions with
// the same document, operation, variables and credentials (the shared-executions key) whose
// sources stand at the same place (live/ready-stream.ts ShareableSource: for communicationAdded,
// the same place in the log, nothing read ahead) deliver the same results from then on: the same
// reads, the same edges, the same execution. So the first one's pipeline (its bus listener, its
// resume state, its execution) becomes the group's, and each subscriber that joins gives up its
// own (detach) and gets a member: a bounded queue the group fills in the call that made a result.
// With a thousand subscribers of one caller on one conversation, an event costs one pipeline run
// and a thousand queue pushes, instead of a thousand pipeline runs.
//
// Each member keeps what is its own: its admission (slot and count, given back when it leaves),
// its transport and its metrics, its credential expiry and error policy (the layers after this
// one), and its own slow-consumer cut-off (a member more than maxBuffered results behind gets
// RATE_LIMITED and leaves; the others go on). The group's pipeline ends when its last member
// leaves. A source that is not idle when its subscriber arrives (a catch-up to read, events
// waiting) runs on its own, as it always did.
import type { ExecutionResult } from 'graphql';
import {
  DONE,
  isShareableSource,
  mapReady,
  nextByPolling,
  type MappedStream,
  type ReadyStream,
  type ShareableSource,
  Waiter,
} from '../live/ready-stream.ts';

/** A result as a pipeline makes it, with the root that brought it (each member counts its own deliveries). */
export interface PipelineItem {
  root: unknown;
  result: ExecutionResult;
}

export interface MemberOptions {
  /** This subscriber's accounting of a delivery (metrics by its transport); answers the result to send. Shared per transport: a member keeps it. */
  delivered: (item: PipelineItem) => ExecutionResult;
  /** Results a member may fall behind by before it is cut off. */
  maxBuffered: number;
  /**
   * The last result of a member cut off for falling behind (RATE_LIMITED, executed for its
   * operation). The same for every member of a group (one operation): the group keeps its first
   * member's, so that a member joining it keeps nothing of the scope its subscription was made in.
   */
  cutOff: () => ExecutionResult | Promise<ExecutionResult>;
}

class Group {
  readonly members = new Set<Member>();
  readonly #source: ShareableSource<unknown>;
  readonly #pipeline: MappedStream<PipelineItem>;
  readonly #onEnd: () => void;
  readonly cutOff: MemberOptions['cutOff'];
  #ended = false;
  #draining = false;

  constructor(source: ShareableSource<unknown>, pipeline: MappedStream<PipelineItem>, cutOff: MemberOptions['cutOff'], onEnd: () => void) {
    this.#source = source;
    this.#pipeline = pipeline;
    this.cutOff = cutOff;
    this.#onEnd = onEnd;
    // What the pipeline drops (a repeated event), it drops for every member.
    source.shareWith(() => this.members.size);
  }

  /** Where the group stands, when nothing is on its way through the pipeline. */
  position(): string | undefined {
    return this.#ended || this.#pipeline.pending ? undefined : this.#source.position();
  }

  add(member: Member): void {
    this.members.add(member);
    this.pump();
  }

  remove(member: Member): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.#end();
    Promise.resolve(this.#pipeline.return?.()).catch(() => {});
  }

  /** Takes every result the pipeline has ready and hands it to every member, in the call that made it. */
  readonly pump = (): void => {
    if (this.#draining || this.#ended) return;
    this.#draining = true;
    try {
      for (;;) {
        let step: IteratorResult<PipelineItem, undefined> | undefined;
        try {
          step = this.#pipeline.poll(this.pump);
        } catch (error) {
          this.#end();
          for (const member of this.members) member.fail(error);
          return;
        }
        if (step === undefined) return;
        if (step.done) {
          this.#end();
          for (const member of this.members) member.finish();
          return;
        }
        for (const member of this.members) member.offer(step.value);
      }
    } finally {
      this.#draining = false;
    }
  };

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
  }
}

/** One subscriber's view of its group: the results made since it joined, read by its own transport. */
class Member implements ReadyStream<ExecutionResult> {
  readonly #group: Group;
  /** What the member keeps of its own source: how to give back its admission (the rest of it can go). */
  readonly #release: () => void;
  readonly #delivered: MemberOptions['delivered'];
  readonly #maxBuffered: number;
  readonly #queue: PipelineItem[] = [];
  #last: { value: ExecutionResult } | Promise<ExecutionResult> | undefined;
  #failure: { error: unknown } | undefined;
  #ended = false;
  #left = false;
  readonly #waiter = new Waiter();

  constructor(group: Group, source: ShareableSource<unknown>, options: MemberOptions) {
    this.#group = group;
    this.#release = source.releaseSubscriber;
    this.#delivered = options.delivered;
    this.#maxBuffered = options.maxBuffered;
  }

  offer(item: PipelineItem): void {
    if (this.#ended) return;
    if (this.#queue.length >= this.#maxBuffered) {
      this.#cutOff();
      return;
    }
    this.#queue.push(item);
    this.#waiter.wakeUp();
  }

  /** The group's pipeline ended: what is queued still goes out, then the end. */
  finish(): void {
    this.#ended = true;
    this.#leave();
    this.#waiter.wakeUp();
  }

  fail(error: unknown): void {
    this.#failure = { error };
    this.finish();
  }

  poll(wake: () => void): IteratorResult<ExecutionResult, undefined> | undefined {
    if (this.#queue.length > 0) return { value: this.#delivered(this.#queue.shift()!), done: false };
    if (this.#last !== undefined) {
      if (this.#last instanceof Promise) {
        return this.#waiter.wait(wake);
      }
      const { value } = this.#last;
      this.#last = undefined;
      return { value, done: false };
    }
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      throw error;
    }
    if (this.#ended) return DONE;
    return this.#waiter.wait(wake);
  }

  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    return nextByPolling(this);
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#ended = true;
    this.#queue.length = 0;
    this.#last = undefined;
    this.#failure = undefined;
    this.#leave();
    this.#waiter.wakeUp();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Fell more than maxBuffered behind: what was queued is dropped, the cut-off result is the last. */
  #cutOff(): void {
    this.#ended = true;
    this.#queue.length = 0;
    this.#leave();
    const last = this.#group.cutOff();
    if (last instanceof Promise) {
      this.#last = last;
      last.then(
        (value) => {
          this.#last = { value };
          this.#waiter.wakeUp();
        },
        (error: unknown) => {
          this.#last = undefined;
          this.#failure = { error };
          this.#waiter.wakeUp();
        },
      );
    } else this.#last = { value: last };
    this.#waiter.wakeUp();
  }

  #leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#group.remove(this);
    this.#release();
  }
}

export class SubscriptionGroups {
  readonly #groups = new Map<string, Set<Group>>();

  /** Groups open now (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const groups of this.#groups.values()) count += groups.size;
    return count;
  }

  /**
   * A subscriber's results: as a member of the group of `key` that stands where its source
   * stands, of a new group on its own pipeline, or straight from its pipeline when its source
   * cannot be shared now.
   */
  join(
    key: string,
    source: AsyncIterable<unknown>,
    pipeline: MappedStream<PipelineItem>,
    options: MemberOptions,
  ): ReadyStream<ExecutionResult> {
    const position = isShareableSource(source) ? source.position() : undefined;
    if (position === undefined || !isShareableSource(source)) return mapReady(pipeline, options.delivered);
    let groups = this.#groups.get(key);
    for (const group of groups ?? []) {
      if (group.position() !== position) continue;
      // Its own pipeline is dropped unread (returning it would end the subscriber's admission too).
      source.detach();
      const member = new Member(group, source, options);
      group.add(member);
      return member;
    }
    if (!groups) this.#groups.set(key, (groups = new Set()));
    const all = groups;
    const group: Group = new Group(source, pipeline, options.cutOff, () => {
      all.delete(group);
      if (all.size === 0 && this.#groups.get(key) === all) this.#groups.delete(key);
    });
    all.add(group);
    const member = new Member(group, source, options);
    group.add(member);
    return member;
  }
}
