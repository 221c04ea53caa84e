// The bench's child processes (the load generator, the fan-out's webhook generator and subscribers)
// take commands over their IPC channel and answer each one: `{type, id, …}` in, `{type: 'result',
// id, result | error}` out. Both ends live here so the parent and every child speak the same protocol.
import type { Child } from './proc.ts';

/** A child process that answers `{type, id, …}` commands with `{type: 'result', id, result | error}`. */
export interface Rpc {
  child: Child;
  call<T>(message: Record<string, unknown>): Promise<T>;
}

/** The parent's end: each call waits for its own answer; a child that exits fails every call still waiting. */
export function rpc(child: Child): Rpc {
  let next = 0;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  child.process.on('message', (message: { type?: string; id: number; result?: unknown; error?: string }) => {
    if (message?.type !== 'result') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${child.name}: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  child.process.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${child.name} exited (${code})`));
    pending.clear();
  });
  return {
    child,
    call<T>(message: Record<string, unknown>) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.process.send({ ...message, id });
      });
    },
  };
}

/**
 * The child's end, when this module runs as a forked child (a no-op otherwise, so the file can also
 * be imported): answers every command with what `handle` resolves to, runs `onDisconnect` and exits
 * when the parent goes, then tells the parent it is ready.
 */
export function serveRpc<C extends { id: number }>(handle: (command: C) => Promise<unknown>, onDisconnect: () => void = () => {}): void {
  if (!process.send) return;
  process.on('message', (command: C) => {
    handle(command).then(
      (result) => process.send!({ type: 'result', id: command.id, result: result ?? null }),
      (error: unknown) => process.send!({ type: 'result', id: command.id, error: String(error) }),
    );
  });
  process.on('disconnect', () => {
    onDisconnect();
    process.exit(0);
  });
  process.send({ type: 'ready' });
}
