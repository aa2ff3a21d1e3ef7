/**
 * Builders for what a TLS server sends, and a parser for what the client sends, so tests can check bytes
 * field by field and play recorded server flights.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

export const u16 = (n: number) => Buffer.of(n >> 8, n & 0xff);
export const u24 = (n: number) => Buffer.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
export const vec8 = (b: Buffer) => Buffer.concat([Buffer.of(b.length), b]);
export const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
export const vec24 = (b: Buffer) => Buffer.concat([u24(b.length), b]);

export function record(type: number, version: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type), u16(version), u16(payload.length), payload]);
}

export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type), u24(body.length), body]);
}

export function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

export interface ServerHelloFields {
  version?: number;
  random?: Buffer;
  sessionId?: Buffer;
  suite: number;
  /** Raw extensions; undefined means no extensions block at all (SSLv3 style). */
  extensions?: Buffer[];
}

export function serverHelloBody(f: ServerHelloFields): Buffer {
  return Buffer.concat([
    u16(f.version ?? 0x0303),
    f.random ?? Buffer.alloc(32, 0x42),
    vec8(f.sessionId ?? Buffer.alloc(0)),
    u16(f.suite),
    Buffer.of(0),
    f.extensions ? vec16(Buffer.concat(f.extensions)) : Buffer.alloc(0),
  ]);
}

export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export function helloRetryRequestBody(suite: number, group: number, cookie?: Buffer): Buffer {
  return serverHelloBody({
    random: HRR_RANDOM,
    suite,
    extensions: [
      extension(43, u16(0x0304)),
      extension(51, u16(group)),
      ...(cookie ? [extension(44, vec16(cookie))] : []),
    ],
  });
}

export function certificateBody(ders: Buffer[], tls13: boolean): Buffer {
  const entries = ders.map((d) => (tls13 ? Buffer.concat([vec24(d), vec16(Buffer.alloc(0))]) : vec24(d)));
  return Buffer.concat([tls13 ? vec8(Buffer.alloc(0)) : Buffer.alloc(0), vec24(Buffer.concat(entries))]);
}

/** ServerKeyExchange for ECDHE with a named curve; the point and signature are filler. */
export function ecdheServerKeyExchangeBody(group: number): Buffer {
  return Buffer.concat([Buffer.of(3), u16(group), vec8(Buffer.alloc(65, 4)), u16(0x0401), vec16(Buffer.alloc(64, 1))]);
}

/** A server flight in plaintext handshake records: ServerHello, Certificate, ServerHelloDone. */
export function plainFlight(version: number, suite: number, ders: Buffer[], extensions?: Buffer[]): Buffer {
  const messages = Buffer.concat([
    handshake(2, serverHelloBody({ version, suite, extensions })),
    handshake(11, certificateBody(ders, false)),
    handshake(14, Buffer.alloc(0)),
  ]);
  return record(22, version, messages);
}

export interface ParsedClientHello {
  recordVersion: number;
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suites: number[];
  compression: number[];
  /** Undefined when the hello has no extensions block. */
  extensions?: Map<number, Buffer>;
  extensionOrder: number[];
}

/** Parses a ClientHello sent in a single record, strictly. */
export function parseClientHello(wire: Buffer): ParsedClientHello {
  let p = 0;
  const take = (n: number) => {
    if (p + n > wire.length) throw new Error('short ClientHello');
    const b = wire.subarray(p, p + n);
    p += n;
    return b;
  };
  const n16 = () => take(2).readUInt16BE(0);
  if (take(1)[0] !== 22) throw new Error('not a handshake record');
  const recordVersion = n16();
  if (n16() !== wire.length - 5) throw new Error('record length mismatch');
  if (take(1)[0] !== 1) throw new Error('not a ClientHello');
  if (take(3).readUIntBE(0, 3) !== wire.length - 9) throw new Error('handshake length mismatch');
  const legacyVersion = n16();
  const random = take(32);
  const sessionId = take(take(1)[0]);
  const suiteBytes = take(n16());
  const suites = Array.from({ length: suiteBytes.length / 2 }, (_, i) => suiteBytes.readUInt16BE(i * 2));
  const compression = [...take(take(1)[0])];
  if (p === wire.length) return { recordVersion, legacyVersion, random, sessionId, suites, compression, extensionOrder: [] };
  const end = n16() + p;
  if (end !== wire.length) throw new Error('extensions length mismatch');
  const extensions = new Map<number, Buffer>();
  const extensionOrder: number[] = [];
  while (p < end) {
    const type = n16();
    extensions.set(type, take(n16()));
    extensionOrder.push(type);
  }
  return { recordVersion, legacyVersion, random, sessionId, suites, compression, extensions, extensionOrder };
}

export function u16s(b: Buffer): number[] {
  return Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2));
}

export interface RawServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** A plain TCP server on loopback whose connections are handled by `onConnection`. */
export async function startRawServer(onConnection: (socket: Socket) => void, host = '127.0.0.1'): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Reads one complete TLS record (the ClientHello) from a socket, leaving the socket open. */
export function readClientHello(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        socket.off('data', onData);
        resolve(buf);
      }
    };
    socket.on('data', onData);
  });
}

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
