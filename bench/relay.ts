/**
 * A TCP relay that adds a fixed latency each way, so that a round trip on loopback costs what it costs on a
 * network. Every chunk is held `latencyMs` before it is written on (order kept: one queue per direction), and so
 * are the ends of the stream: a FIN is passed on as a FIN and a reset as a reset, each after the same delay.
 *
 * What it cannot delay: the TCP handshake itself. The kernel completes the client's connect to the relay at once,
 * so in the benchmark a TCP connect costs no round trip (on a network it costs one). The benchmark's round-trip
 * floor accounts for that.
 *
 * One listener per origin, each on its own loopback address (127.0.0.0/8 is all routed to `lo` on Linux), so
 * that the scanner sees distinct endpoints (its per-address connection limit applies per origin, as it would in
 * production). File descriptors: 1 per listener + 2 per relayed connection.
 */
import * as net from 'node:net';

export interface RelayStats {
  /** Connections accepted (one per handshake the client attempted). */
  connections: number;
  /** Upstream connects that failed (relayed to the client as a reset). */
  upstreamFailures: number;
  bytesUp: number;
  bytesDown: number;
  /** Connections open now. */
  open: number;
}

export interface RelayTarget {
  host: string;
  port: number;
}

export interface Relay {
  /** Where the relay listens. */
  host: string;
  port: number;
  target: RelayTarget;
  stats: RelayStats;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** Added to every chunk and to FIN/RST, in each direction. */
  latencyMs: number;
  /** Listening address (default 127.0.0.1). */
  host?: string;
  /** Listening port (default 0: any). */
  port?: number;
  /** Each relayed connection is destroyed after this long at the latest (default 60 s). */
  connectionLifetimeMs?: number;
}

type Item = { due: number; kind: 'data'; chunk: Buffer } | { due: number; kind: 'end' } | { due: number; kind: 'reset' };

/** One direction of a relayed connection: a FIFO of chunks, each written on when its time has come. */
class DelayedPipe {
  private queue: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly dest: net.Socket,
    private readonly latencyMs: number,
    private readonly onBytes: (n: number) => void,
  ) {}

  push(item: { kind: 'data'; chunk: Buffer } | { kind: 'end' } | { kind: 'reset' }): void {
    if (this.finished) return;
    // Timers fire in order of due time, but two items pushed in the same millisecond share a due time: FIFO.
    this.queue.push({ ...item, due: Date.now() + this.latencyMs } as Item);
    this.schedule();
  }

  /** Bytes waiting to be delivered (for backpressure on the source). */
  pendingBytes(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const it = this.queue[i];
      if (it.kind === 'data') n += it.chunk.length;
    }
    return n;
  }

  private schedule(): void {
    if (this.timer || this.head >= this.queue.length) return;
    const wait = Math.max(0, this.queue[this.head].due - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const now = Date.now();
    while (this.head < this.queue.length && this.queue[this.head].due <= now) {
      const it = this.queue[this.head++];
      if (this.dest.destroyed) {
        this.stop();
        return;
      }
      if (it.kind === 'data') {
        this.onBytes(it.chunk.length);
        this.dest.write(it.chunk);
      } else if (it.kind === 'end') {
        this.dest.end();
      } else {
        this.dest.resetAndDestroy();
        this.stop();
        return;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.schedule();
  }

  stop(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
  }
}

const HIGH_WATER = 1 << 20;

/** Relays one accepted client connection to `target`, with the latency each way. */
function relayConnection(client: net.Socket, target: RelayTarget, opts: RelayOptions, stats: RelayStats, onDone: () => void): void {
  stats.connections++;
  stats.open++;
  const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
  const toUpstream = new DelayedPipe(upstream, opts.latencyMs, (n) => (stats.bytesUp += n));
  const toClient = new DelayedPipe(client, opts.latencyMs, (n) => (stats.bytesDown += n));
  let closed = 0;
  const lifetime = setTimeout(() => {
    client.destroy();
    upstream.destroy();
  }, opts.connectionLifetimeMs ?? 60_000);
  const onClose = () => {
    if (++closed < 2) return;
    clearTimeout(lifetime);
    toUpstream.stop();
    toClient.stop();
    stats.open--;
    onDone();
  };

  const wire = (src: net.Socket, pipe: DelayedPipe, other: net.Socket) => {
    let sawError = false;
    src.on('data', (chunk) => {
      pipe.push({ kind: 'data', chunk });
      // Bounded memory: stop reading while much is queued (a server streaming megabytes, a slow reader).
      if (pipe.pendingBytes() > HIGH_WATER) {
        src.pause();
        const resume = setInterval(() => {
          if (src.destroyed || pipe.pendingBytes() < HIGH_WATER / 2) {
            clearInterval(resume);
            if (!src.destroyed) src.resume();
          }
        }, Math.max(1, opts.latencyMs));
      }
    });
    src.on('end', () => pipe.push({ kind: 'end' }));
    src.on('error', () => {
      sawError = true;
    });
    src.on('close', (hadError) => {
      // An abortive close (RST) is passed on as one; a clean close after FIN was already queued as 'end'.
      if (hadError || sawError) pipe.push({ kind: 'reset' });
      else if (!other.destroyed && src.readableEnded === false) pipe.push({ kind: 'end' });
      onClose();
    });
  };

  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.syscall === 'connect') stats.upstreamFailures++;
  });
  wire(client, toUpstream, upstream);
  wire(upstream, toClient, client);
}

export async function startRelay(target: RelayTarget, opts: RelayOptions): Promise<Relay> {
  const host = opts.host ?? '127.0.0.1';
  const stats: RelayStats = { connections: 0, upstreamFailures: 0, bytesUp: 0, bytesDown: 0, open: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true } as net.ServerOpts, (client) => {
    sockets.add(client);
    client.setNoDelay(true);
    relayConnection(client, target, opts, stats, () => sockets.delete(client));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 0, backlog: 511 }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  return {
    host,
    port,
    target,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The loopback address of relay `index` (0-based): 127.10.0.1, ..., 127.10.0.250, 127.10.1.1, ... */
export function relayAddress(index: number, secondOctet = 10): string {
  if (index < 0 || index >= 250 * 250) throw new Error('relay index out of range');
  return `127.${secondOctet}.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
