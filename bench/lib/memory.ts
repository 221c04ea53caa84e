// What a server under test answers when the bench asks for its memory (`{type: 'heap'}` over IPC;
// the process runs with --expose-gc). The collection is V8's memory-reducing one (`last-resort`:
// full GCs that compact and hand free pages back to the system, as its memory reducer does once a
// process goes quiet), so RSS is what the process holds, not what an earlier burst of allocation
// left committed: a plain gc() left 210 MB of empty heap in the facade after 2,000 subscriptions
// opened and closed. Both fan-out servers and the soak's facade answer with this one function.
type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function memoryAfterFullGc(): NodeJS.MemoryUsage {
  (globalThis as { gc?: Gc }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return process.memoryUsage();
}
