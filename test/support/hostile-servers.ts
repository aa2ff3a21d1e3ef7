/**
 * Origins that misbehave, for the hostile-origin suite (issue #5). Each factory starts raw `node:net` servers on
 * loopback (127.0.0.0/8 or ::1), port 0, and returns {host, port, stats, close}. Nothing here talks to anything
 * but loopback, and everything stops by itself: every connection has a lifetime cap, every timer is cleared by
 * close(), and every loop is bounded in bytes or count.
 *
 * The TLS bytes are written by hand (RFC 5246 / RFC 8446 framing) so that a server can be wrong in exactly one
 * way. A small incremental reader parses the ClientHello(s) the scanner sends, so that answers echo the session id
 * and pick from what was offered (or, on purpose, from what was not).
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { listenTls } from './servers';
import {
  certificateBody,
  extension,
  handshake,
  helloRetryRequestBody,
  parseClientHelloBody,
  MAX_FRAGMENT,
  record,
  records,
  serverHelloBody,
  u24,
  type ParsedClientHello,
  type ServerHelloFields,
} from './tls-bytes';

// ---------------------------------------------------------------------------------------------------------------
// TLS framing (builders in tls-bytes.ts)
// ---------------------------------------------------------------------------------------------------------------

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;
const EXT_RENEGOTIATION_INFO = 0xff01;
const SCSV_EMPTY_RENEGOTIATION_INFO = 0x00ff;

/** TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: a DHE suite CloudFront never offers. */
const SUITE_DHE_RSA_AES128_GCM = 0x009e;
/** TLS_RSA_WITH_AES_128_CBC_SHA: offered by CloudFront, and needs no ServerKeyExchange (RSA key transport). */
const SUITE_RSA_AES128_SHA = 0x002f;

/** A ServerHello handshake message (not yet framed in records), with a fresh random unless one is given. */
function serverHelloMessage(spec: ServerHelloFields): Buffer {
  return handshake(HS_SERVER_HELLO, serverHelloBody({ random: crypto.randomBytes(32), ...spec }));
}

/**
 * The empty renegotiation_info a TLS 1.2 server sends when the client signalled secure renegotiation (RFC 5746);
 * OpenSSL 3 clients abort a TLS 1.2 handshake without it ("unsafe legacy renegotiation").
 */
function tls12ServerExtensions(hello: ParsedClientHello): Buffer[] {
  const signalled =
    hello.extensionTypes.includes(EXT_RENEGOTIATION_INFO) || hello.suites.includes(SCSV_EMPTY_RENEGOTIATION_INFO);
  return signalled ? [extension(EXT_RENEGOTIATION_INFO, Buffer.from([0]))] : [];
}

// ---------------------------------------------------------------------------------------------------------------
// An incremental ClientHello reader
// ---------------------------------------------------------------------------------------------------------------

/**
 * Feeds on socket data; calls `onHello` for every complete ClientHello (the second one after a HelloRetryRequest
 * included), `onOther` once for the first bytes that are not a TLS handshake. Buffers at most 64 KiB.
 */
class ClientHelloReader {
  private buf = Buffer.alloc(0);
  private hs = Buffer.alloc(0);
  private dead = false;
  constructor(
    private readonly onHello: (hello: ParsedClientHello) => void,
    private readonly onOther: (first: Buffer) => void = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    if (this.dead) return;
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > 65536) return this.fail();
    while (this.buf.length >= 5) {
      const type = this.buf[0];
      const len = this.buf.readUInt16BE(3);
      if (type !== CONTENT_HANDSHAKE && type !== CONTENT_CHANGE_CIPHER_SPEC && type !== CONTENT_ALERT) return this.fail();
      if (this.buf.length < 5 + len) return;
      const frag = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      if (type !== CONTENT_HANDSHAKE) continue;
      this.hs = Buffer.concat([this.hs, frag]);
      while (this.hs.length >= 4) {
        const mlen = this.hs.readUIntBE(1, 3);
        if (this.hs.length < 4 + mlen) break;
        const mtype = this.hs[0];
        const body = this.hs.subarray(4, 4 + mlen);
        this.hs = this.hs.subarray(4 + mlen);
        if (mtype !== HS_CLIENT_HELLO) continue;
        let parsed: ParsedClientHello;
        try {
          parsed = parseClientHelloBody(body);
        } catch {
          return this.fail();
        }
        this.onHello(parsed);
      }
    }
  }

  private fail(): void {
    if (this.dead) return;
    this.dead = true;
    this.onOther(this.buf.subarray(0, 64));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Server scaffolding
// ---------------------------------------------------------------------------------------------------------------

export interface HostileStats {
  connections: number;
  clientHellos: number;
  bytesIn: number;
  bytesOut: number;
}

export interface HostileServer {
  /** A short name for the misbehaviour, for test output. */
  kind: string;
  host: string;
  port: number;
  /** Every address the origin answers on (the 50-address case has many). */
  addresses: string[];
  stats: HostileStats;
  close(): Promise<void>;
}

export interface HostileOptions {
  host?: string;
  /** Every connection is destroyed after this long, whatever the client does (default 30 s). */
  connectionLifetimeMs?: number;
}

interface ConnContext {
  socket: net.Socket;
  stats: HostileStats;
  write(data: Buffer): boolean;
  /** A timer cleared when the connection or the server closes. */
  setTimeout(fn: () => void, ms: number): void;
  setInterval(fn: () => void, ms: number): void;
}

type ConnHandler = (ctx: ConnContext) => void;

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

interface RawServerHandle {
  servers: net.Server[];
  stats: HostileStats;
  close(): Promise<void>;
  attach(server: net.Server): void;
}

function rawScaffold(handler: ConnHandler, lifetimeMs: number): RawServerHandle {
  const stats: HostileStats = { connections: 0, clientHellos: 0, bytesIn: 0, bytesOut: 0 };
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const servers: net.Server[] = [];
  let closed = false;

  const attach = (server: net.Server) => {
    servers.push(server);
    server.on('connection', (socket) => {
      if (closed) {
        socket.destroy();
        return;
      }
      stats.connections++;
      sockets.add(socket);
      const own = new Set<NodeJS.Timeout>();
      const track = (t: NodeJS.Timeout) => {
        own.add(t);
        timers.add(t);
      };
      const life = setTimeout(() => socket.destroy(), lifetimeMs);
      track(life);
      socket.on('data', (d) => (stats.bytesIn += d.length));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        for (const t of own) {
          clearTimeout(t);
          clearInterval(t);
          timers.delete(t);
        }
      });
      const ctx: ConnContext = {
        socket,
        stats,
        write: (data) => {
          if (socket.destroyed || !socket.writable) return false;
          stats.bytesOut += data.length;
          return socket.write(data);
        },
        setTimeout: (fn, ms) => track(setTimeout(fn, ms)),
        setInterval: (fn, ms) => track(setInterval(fn, ms)),
      };
      handler(ctx);
    });
  };

  const close = async () => {
    closed = true;
    for (const t of timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    timers.clear();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  return { servers, stats, close, attach };
}

async function startRaw(kind: string, handler: ConnHandler, opts: HostileOptions = {}): Promise<HostileServer> {
  const host = opts.host ?? '127.0.0.1';
  const scaffold = rawScaffold(handler, opts.connectionLifetimeMs ?? 30_000);
  const server = net.createServer();
  scaffold.attach(server);
  const port = await listen(server, host, 0);
  return { kind, host, port, addresses: [host], stats: scaffold.stats, close: scaffold.close };
}

/** Calls `onHello` for each ClientHello on the connection, `onOther` when the client sends something else. */
function onClientHello(ctx: ConnContext, onHello: (h: ParsedClientHello) => void, onOther?: (first: Buffer) => void) {
  const reader = new ClientHelloReader(
    (h) => {
      ctx.stats.clientHellos++;
      onHello(h);
    },
    onOther ?? (() => ctx.socket.destroy()),
  );
  ctx.socket.on('data', (d) => reader.push(d));
}

// ---------------------------------------------------------------------------------------------------------------
// The misbehaviours
// ---------------------------------------------------------------------------------------------------------------

/** Accepts the connection, reads the ClientHello, and says nothing. */
export function startSilent(opts: HostileOptions = {}): Promise<HostileServer> {
  return startRaw('silent', (ctx) => ctx.socket.resume(), opts);
}

/**
 * Answers a ClientHello with a perfectly valid TLS 1.2 ServerHello, one byte every `intervalMs` (default 1 s):
 * a prober that only has an idle timeout (reset by every byte) waits for minutes. At most `maxBytes` bytes
 * (default 300), then the connection is closed.
 */
export function startDrip(opts: HostileOptions & { intervalMs?: number; maxBytes?: number } = {}): Promise<HostileServer> {
  const intervalMs = opts.intervalMs ?? 1000;
  const maxBytes = opts.maxBytes ?? 300;
  return startRaw(
    'drip',
    (ctx) => {
      let started = false;
      onClientHello(ctx, (hello) => {
        if (started) return;
        started = true;
        const flight = Buffer.concat([
          records(CONTENT_HANDSHAKE, serverHelloMessage({ sessionId: hello.sessionId, suite: 0xc02f, extensions: tls12ServerExtensions(hello) })),
          // then a record header announcing a full fragment, and its bytes, still one at a time
          Buffer.from([CONTENT_HANDSHAKE, 0x03, 0x03, 0x40, 0x00, HS_CERTIFICATE, 0x00, 0x3f, 0xfc]),
          Buffer.alloc(Math.max(0, maxBytes)),
        ]).subarray(0, maxBytes);
        let i = 0;
        ctx.setInterval(() => {
          if (i >= flight.length) {
            ctx.socket.end();
            return;
          }
          ctx.write(flight.subarray(i, i + 1));
          i++;
        }, intervalMs);
      });
    },
    opts,
  );
}

/** Deterministic pseudo-random bytes (xorshift32), first byte forced to a value that is no TLS content type. */
function garbageBytes(n: number, seed = 0x5eed1234): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  if (n > 0) out[0] = 0xa7;
  return out;
}

/** Answers whatever it is sent with `bytes` (default 2 KiB) of binary garbage, then holds the connection open. */
export function startGarbage(opts: HostileOptions & { bytes?: number; thenClose?: boolean } = {}): Promise<HostileServer> {
  const payload = garbageBytes(opts.bytes ?? 2048);
  return startRaw(
    'garbage',
    (ctx) => {
      ctx.socket.once('data', () => {
        ctx.write(payload);
        if (opts.thenClose) ctx.socket.end();
      });
      ctx.socket.resume();
    },
    opts,
  );
}

/**
 * Answers the ClientHello with a handshake message (a ServerHello) whose header announces 16 MiB - 1 bytes, and
 * then streams it as valid 16 KiB handshake records, honouring backpressure, up to `maxBytes` (default the whole
 * announced message). A prober that buffers a handshake message until it is complete holds 16 MiB per origin.
 */
export function startHugeRecord(opts: HostileOptions & { maxBytes?: number } = {}): Promise<HostileServer> {
  const announced = 0xffffff;
  const maxBytes = Math.min(opts.maxBytes ?? announced + 4, announced + 4);
  return startRaw(
    'huge-record',
    (ctx) => {
      let started = false;
      onClientHello(ctx, () => {
        if (started) return;
        started = true;
        const filler = Buffer.alloc(MAX_FRAGMENT, 0x41);
        let sent = 0; // handshake-layer bytes
        const pump = () => {
          while (sent < maxBytes && !ctx.socket.destroyed) {
            let frag: Buffer;
            if (sent === 0) {
              frag = Buffer.concat([Buffer.from([HS_SERVER_HELLO]), u24(announced), filler.subarray(0, MAX_FRAGMENT - 4)]);
            } else {
              frag = filler.subarray(0, Math.min(MAX_FRAGMENT, maxBytes - sent));
            }
            sent += frag.length;
            const ok = ctx.write(record(CONTENT_HANDSHAKE, 0x0303, frag));
            if (!ok) {
              ctx.socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
    },
    opts,
  );
}

/** The DER certificates the long-chain server repeats: a leaf (RSA, for TLS_RSA_WITH_AES_128_CBC_SHA), its CAs. */
export interface ChainMaterial {
  /** Certificates, DER, in the order to send them first; repeated to make up the count. */
  ders: Buffer[];
}

let cachedChain: Promise<ChainMaterial> | undefined;

/** A leaf (RSA, issued by pki.ts's intermediate) and the intermediate and root, made once per process. */
function defaultChainMaterial(serverName = 'long-chain.hostile.test'): Promise<ChainMaterial> {
  cachedChain ??= (async () => {
    const { createPki } = await import('./pki');
    const pki = await createPki({ keyType: 'rsa', name: 'hostile long chain' });
    const leaf = await pki.issueLeaf({ dnsNames: [serverName] });
    return { ders: [leaf.der, pki.intermediate.der, pki.root.der] };
  })();
  return cachedChain;
}

/**
 * A real TLS 1.2 first flight (ServerHello with TLS_RSA_WITH_AES_128_CBC_SHA, Certificate, ServerHelloDone) whose
 * Certificate message carries `count` (default 200) DER certificates: the given ones, then repeated. Written raw in
 * 16 KiB records; the connection is then held open.
 */
export async function startLongChain(
  opts: HostileOptions & { count?: number; material?: ChainMaterial } = {},
): Promise<HostileServer> {
  const material = opts.material ?? (await defaultChainMaterial());
  const count = opts.count ?? 200;
  const ders: Buffer[] = [];
  // The given certificates once, then the non-leaf ones over and over (leaf, int, root, int, root, ...).
  const n = material.ders.length;
  for (let i = 0; i < count; i++) ders.push(i < n || n === 1 ? material.ders[i % n] : material.ders[1 + ((i - 1) % (n - 1))]);
  const tail = Buffer.concat([handshake(HS_CERTIFICATE, certificateBody(ders, false)), handshake(HS_SERVER_HELLO_DONE, Buffer.alloc(0))]);
  const server = await startRaw(
    'long-chain',
    (ctx) => {
      let answered = false;
      onClientHello(ctx, (hello) => {
        if (answered) return;
        answered = true;
        const sh = serverHelloMessage({
          sessionId: crypto.randomBytes(32),
          suite: SUITE_RSA_AES128_SHA,
          extensions: tls12ServerExtensions(hello),
        });
        ctx.write(records(CONTENT_HANDSHAKE, Buffer.concat([sh, tail])));
      });
    },
    opts,
  );
  return Object.assign(server, { chainBytes: tail.length, certificateCount: count });
}

/**
 * Reads the ClientHello, writes the first `bytesBeforeReset` bytes (default 20) of a valid ServerHello flight, then
 * resets the connection (RST, not FIN).
 */
export function startResetMidHandshake(opts: HostileOptions & { bytesBeforeReset?: number } = {}): Promise<HostileServer> {
  const n = opts.bytesBeforeReset ?? 20;
  return startRaw(
    'reset-mid-handshake',
    (ctx) => {
      onClientHello(ctx, (hello) => {
        const flight = records(CONTENT_HANDSHAKE, serverHelloMessage({ sessionId: hello.sessionId, suite: 0xc02f, extensions: tls12ServerExtensions(hello) }));
        ctx.write(flight.subarray(0, n));
        ctx.setTimeout(() => ctx.socket.resetAndDestroy(), 10);
      });
    },
    opts,
  );
}

/** The group a HelloRetryRequest selects: one offered in supported_groups without a key share, else the first. */
function hrrGroup(hello: ParsedClientHello): number {
  return hello.groups.find((g) => !hello.keyShareGroups.includes(g)) ?? hello.groups[0] ?? 0x0017;
}

/**
 * Answers every ClientHello, on every connection, with a syntactically valid HelloRetryRequest (also the second
 * ClientHello that follows an HRR, which a client must treat as fatal). `stats.clientHellos` counts how many it was
 * sent: a prober that loops has a high count.
 */
export function startHrrForever(opts: HostileOptions = {}): Promise<HostileServer> {
  return startRaw(
    'hrr-forever',
    (ctx) => {
      onClientHello(ctx, (hello) => {
        const suite = hello.suites.find((s) => s >= 0x1301 && s <= 0x1303) ?? 0x1301;
        ctx.write(records(CONTENT_HANDSHAKE, handshake(HS_SERVER_HELLO, helloRetryRequestBody(suite, hrrGroup(hello), undefined, hello.sessionId))));
      });
    },
    opts,
  );
}

/**
 * Answers with a valid TLS 1.2 ServerHello choosing TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009e), a suite
 * CloudFront never offers (whatever the client offered), then holds the connection open.
 */
export function startWrongSuite(opts: HostileOptions & { suite?: number } = {}): Promise<HostileServer> {
  const suite = opts.suite ?? SUITE_DHE_RSA_AES128_GCM;
  return startRaw(
    'wrong-suite',
    (ctx) => {
      let answered = false;
      onClientHello(ctx, (hello) => {
        if (answered) return;
        answered = true;
        let random = crypto.randomBytes(32);
        // Not the TLS 1.3 downgrade sentinel by accident (RFC 8446 4.1.3).
        if (random.subarray(24, 31).toString('latin1') === 'DOWNGRD') random = Buffer.alloc(32, 7);
        ctx.write(records(CONTENT_HANDSHAKE, serverHelloMessage({ random, sessionId: hello.sessionId, suite, extensions: tls12ServerExtensions(hello) })));
      });
    },
    opts,
  );
}

export type AddressBehaviour = 'silent' | 'refused';

/**
 * One origin name that resolves to `count` (default 50) addresses, 127.0.0.1 .. 127.0.0.<count>, all on the same
 * port. Each address behaves as `behaviour(i)` (default: all silent, the slowest case for a prober that tries the
 * addresses one after another); a `refused` address has no listener. The name is given to the scan through
 * `OriginTarget.resolveOverride = server.addresses`.
 */
export async function startManyAddresses(
  opts: HostileOptions & { count?: number; behaviour?: (index: number) => AddressBehaviour; firstOctet?: number } = {},
): Promise<HostileServer> {
  const count = opts.count ?? 50;
  if (count < 1 || count > 250) throw new Error('count must be 1..250');
  const behaviour = opts.behaviour ?? (() => 'silent');
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  for (let attempt = 0; attempt < 8; attempt++) {
    const scaffold = rawScaffold((ctx) => ctx.socket.resume(), opts.connectionLifetimeMs ?? 30_000);
    try {
      // A port free on 127.0.0.1 is almost always free on the others; retry with another one when not.
      let port = 0;
      for (let i = 0; i < count; i++) {
        if (behaviour(i) !== 'silent' && port !== 0) continue;
        const server = net.createServer();
        port = await listen(server, addresses[i], port);
        if (behaviour(i) === 'silent') scaffold.attach(server);
        else await new Promise<void>((r) => server.close(() => r())); // reserved the port only
      }
      return { kind: 'many-addresses', host: addresses[0], port, addresses, stats: scaffold.stats, close: scaffold.close };
    } catch (err) {
      await scaffold.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no port free on all of 127.0.0.1..127.0.0.' + count);
}

/**
 * An origin reachable only over IPv6: a TLS server on ::1 (nothing on 127.0.0.1). With `tls` options (key, cert)
 * it completes handshakes; give the scan `resolveOverride: ['::1']`.
 */
export async function startIpv6Only(tlsOptions: tls.TlsOptions, opts: HostileOptions = {}): Promise<HostileServer> {
  const stats: HostileStats = { connections: 0, clientHellos: 0, bytesIn: 0, bytesOut: 0 };
  const listening = await listenTls(tlsOptions, '::1', {
    onSecureConnection: (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
  });
  listening.server.on('connection', (s: net.Socket) => {
    stats.connections++;
    s.setTimeout(opts.connectionLifetimeMs ?? 30_000, () => s.destroy());
  });
  return { kind: 'ipv6-only', host: '::1', port: listening.port, addresses: ['::1'], stats, close: listening.close };
}
