// What the fan-out's target load costs a Node process that does nothing but the writes:
// `node bench/fanout/socket-floor.ts [subscribers] [rate] [seconds] [extra µs]` (defaults 2,000,
// 50/s, 10 s, 0).
// Why it exists: the p99 ≤ 50 ms at 50 webhooks/s is 100,000 socket writes a second on one
// event loop, on the same 2 cores as the processes that read them; neither the facade nor the
// zero-framework limit meets it here. This probe takes away everything but the write: plain TCP
// sockets on loopback (no HTTP, no framing, no JSON), one 700-byte buffer per event written to
// each with `socket.write`, read by two client processes of half the sockets each. It prints the
// server's CPU per write, split into user and system time (the system time is the kernel's
// loopback TCP, which no user-space change removes), the clients' CPU per message, and the
// latency from each event's due time to each arrival. `extra µs` spins that long before each write:
// a stand-in for what a server does per delivery beyond the write, to find where p99 gives. Not part of `npm run bench`: a probe for
// the question "what is possible on this machine", cited in BENCHMARKS.md.
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { clock, summarise } from './shared.ts';

const MESSAGE_BYTES = 700;
const role = process.env.SOCKET_FLOOR_ROLE;

/** The writer: accepts the clients' sockets, then writes `events` messages to each at `rate`/s. */
function serve(): void {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    sockets.push(socket);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.once('message', ({ rate, events, extraUs, expected }: Go) => {
    // The clients count a socket open before this process has accepted it: wait for all of them.
    const start = () => (sockets.length < expected ? setImmediate(start) : run(sockets, rate, events, extraUs));
    start();
  });
}

interface Go {
  rate: number;
  events: number;
  extraUs: number;
  expected: number;
}

/**
 * Event i is due at start + i / rate, as webhooks arrive on their schedule whether or not the
 * server is ready for them; its message carries that time, so a writer that falls behind shows it.
 */
function run(sockets: Socket[], rate: number, events: number, extraUs: number): void {
  const cpuAtStart = process.cpuUsage();
  const startedAt = clock();
  let sent = 0;
  const tick = () => {
    for (let due = startedAt + (sent * 1000) / rate; sent < events && due <= clock(); due = startedAt + (sent * 1000) / rate) {
      const message = Buffer.alloc(MESSAGE_BYTES, 32);
      message.write(due.toFixed(3), 'latin1');
      for (const socket of sockets) {
        if (extraUs > 0) for (const until = performance.now() + extraUs / 1000; performance.now() < until; );
        socket.write(message);
      }
      sent++;
    }
    if (sent < events) return void setTimeout(tick, Math.max(0, startedAt + (sent * 1000) / rate - clock()));
    const cpu = process.cpuUsage(cpuAtStart);
    process.send!({
      writes: sent * sockets.length,
      userS: cpu.user / 1e6,
      systemS: cpu.system / 1e6,
      seconds: (clock() - startedAt) / 1000,
    });
  };
  tick();
}

/** A reader of `count` sockets: the latency of every message, found at each 700-byte boundary. */
function read(port: number, count: number): void {
  const latencies: number[] = [];
  let opened = 0;
  for (let i = 0; i < count; i++) {
    let offset = 0;
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      if (++opened === count) process.send!({ open: true });
    });
    socket.on('data', (chunk: Buffer) => {
      const at = clock();
      for (let start = (MESSAGE_BYTES - offset) % MESSAGE_BYTES; start < chunk.length; start += MESSAGE_BYTES) {
        latencies.push(at - Number(chunk.toString('latin1', start, start + 20).trim()));
      }
      offset = (offset + chunk.length) % MESSAGE_BYTES;
    });
  }
  process.once('message', () => {
    const cpu = process.cpuUsage();
    process.send!({ latencies, cpuS: (cpu.user + cpu.system) / 1e6 });
  });
}

function child(env: Record<string, string>): ChildProcess {
  return fork(import.meta.filename, [], { env: { ...process.env, ...env }, stdio: 'inherit' });
}

const next = <T>(process: ChildProcess) => new Promise<T>((resolve) => process.once('message', resolve));

async function main(): Promise<void> {
  const [subscribers = 2000, rate = 50, seconds = 10, extraUs = 0] = process.argv.slice(2).map(Number);
  const server = child({ SOCKET_FLOOR_ROLE: 'server' });
  const { port } = await next<{ port: number }>(server);
  const readers = [0, 1].map(() => child({ SOCKET_FLOOR_ROLE: 'reader', PORT: String(port), COUNT: String(subscribers / 2) }));
  await Promise.all(readers.map((reader) => next(reader)));
  server.send({ rate, events: rate * seconds, extraUs, expected: subscribers } satisfies Go);
  const written = await next<{ writes: number; userS: number; systemS: number; seconds: number }>(server);
  // The last event's messages are on their way; a second is ample on loopback.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const reports = await Promise.all(
    readers.map((reader) => {
      const report = next<{ latencies: number[]; cpuS: number }>(reader);
      reader.send('report');
      return report;
    }),
  );
  const latencies = reports.flatMap((report) => report.latencies);
  const latency = summarise(latencies);
  const perWrite = (s: number) => ((s * 1e6) / written.writes).toFixed(2);
  const clientS = reports.reduce((sum, report) => sum + report.cpuS, 0);
  console.log(
    `${subscribers} sockets, ${rate} events/s for ${seconds} s, ${extraUs} µs more per write: ${written.writes} writes, ${latencies.length} arrived\n` +
      `server CPU per write: ${perWrite(written.userS + written.systemS)} µs (user ${perWrite(written.userS)}, system ${perWrite(written.systemS)}); ` +
      `server cores: ${((written.userS + written.systemS) / written.seconds).toFixed(2)} over ${written.seconds.toFixed(1)} s\n` +
      `readers' CPU per message: ${((clientS * 1e6) / latencies.length).toFixed(2)} µs (their whole life, connecting included)\n` +
      `latency ms: p50 ${latency.p50.toFixed(1)}, p90 ${latency.p90.toFixed(1)}, p99 ${latency.p99.toFixed(1)}, max ${latency.max.toFixed(1)}`,
  );
  for (const process of [server, ...readers]) process.kill();
}

if (role === 'server') serve();
else if (role === 'reader') read(Number(process.env.PORT), Number(process.env.COUNT));
else await main();
