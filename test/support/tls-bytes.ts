/**
 * TLS bytes by hand (RFC 5246 / RFC 8446 framing), for tests that check what the client sends field by field, play
 * recorded server flights, or serve a server that is wrong in exactly one way (test/support/hostile-servers.ts).
 */
import type { Socket } from 'node:net';

export const u8 = (n: number) => Buffer.of(n & 0xff);
export const u16 = (n: number) => Buffer.of((n >> 8) & 0xff, n & 0xff);
export const u24 = (n: number) => Buffer.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
export const vec8 = (b: Buffer) => Buffer.concat([u8(b.length), b]);
export const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
export const vec24 = (b: Buffer) => Buffer.concat([u24(b.length), b]);

/** The largest record fragment (2^14). */
export const MAX_FRAGMENT = 16384;

/** One record, whatever the payload's length (over-long records are for tests too). */
export function record(type: number, version: number, payload: Buffer): Buffer {
  return Buffer.concat([u8(type), u16(version), u16(payload.length), payload]);
}

/** Records of `type`, the body split into fragments of at most 2^14 bytes (one empty record for an empty body). */
export function records(type: number, body: Buffer, version = 0x0303): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  do {
    out.push(record(type, version, body.subarray(off, off + MAX_FRAGMENT)));
    off += MAX_FRAGMENT;
  } while (off < body.length);
  return Buffer.concat(out);
}

export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body]);
}

export function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

export interface ServerHelloFields {
  version?: number;
  /** Default: 32 bytes of 0x42. */
  random?: Buffer;
  sessionId?: Buffer;
  suite: number;
  /** Raw extensions (see `extension`); undefined means no extensions block at all (SSLv3 style). */
  extensions?: Buffer[];
}

/** A ServerHello body (not yet framed as a handshake message). */
export function serverHelloBody(f: ServerHelloFields): Buffer {
  return Buffer.concat([
    u16(f.version ?? 0x0303),
    f.random ?? Buffer.alloc(32, 0x42),
    vec8(f.sessionId ?? Buffer.alloc(0)),
    u16(f.suite),
    u8(0), // compression: null
    f.extensions ? vec16(Buffer.concat(f.extensions)) : Buffer.alloc(0),
  ]);
}

/** RFC 8446 4.1.3: the ServerHello.random that marks a HelloRetryRequest. */
export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** A HelloRetryRequest body (RFC 8446 4.1.4): a ServerHello with HRR_RANDOM, supported_versions 1.3, key_share, cookie. */
export function helloRetryRequestBody(suite: number, group: number, cookie?: Buffer, sessionId?: Buffer): Buffer {
  return serverHelloBody({
    random: HRR_RANDOM,
    sessionId,
    suite,
    extensions: [
      extension(43, u16(0x0304)),
      extension(51, u16(group)),
      ...(cookie ? [extension(44, vec16(cookie))] : []),
    ],
  });
}

/** A Certificate body: TLS 1.2's list of DER certificates, or TLS 1.3's (empty context, no entry extensions). */
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

export function u16s(b: Buffer): number[] {
  return Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading what the client sends
// ---------------------------------------------------------------------------------------------------------------

export const EXT_SERVER_NAME = 0x0000;
export const EXT_SUPPORTED_GROUPS = 0x000a;
export const EXT_SUPPORTED_VERSIONS = 0x002b;
export const EXT_KEY_SHARE = 0x0033;

export interface ParsedClientHello {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suites: number[];
  compression: number[];
  /** Undefined when the hello has no extensions block. */
  extensions?: Map<number, Buffer>;
  /** Extension types, in the order sent. */
  extensionTypes: number[];
  /** From the extensions; a malformed extension leaves its field empty (these readers are not validators). */
  serverName?: string;
  groups: number[];
  keyShareGroups: number[];
  supportedVersions: number[];
}

/** Parses a ClientHello body (after the handshake header): its framing strictly, its extensions' contents leniently. */
export function parseClientHelloBody(body: Buffer): ParsedClientHello {
  let p = 0;
  const take = (n: number) => {
    if (p + n > body.length) throw new Error('short ClientHello');
    const b = body.subarray(p, p + n);
    p += n;
    return b;
  };
  const n16 = () => take(2).readUInt16BE(0);
  const legacyVersion = n16();
  const random = Buffer.from(take(32));
  const sessionId = Buffer.from(take(take(1)[0]));
  const suites = u16s(take(n16()));
  const compression = [...take(take(1)[0])];
  const hello: ParsedClientHello = {
    legacyVersion, random, sessionId, suites, compression, extensionTypes: [], groups: [], keyShareGroups: [], supportedVersions: [],
  };
  if (p === body.length) return hello;
  const end = n16() + p;
  if (end !== body.length) throw new Error('extensions length mismatch');
  hello.extensions = new Map<number, Buffer>();
  while (p < end) {
    const type = n16();
    const data = take(n16());
    hello.extensions.set(type, data);
    hello.extensionTypes.push(type);
    try {
      if (type === EXT_SERVER_NAME && data.length >= 5 && data[2] === 0) {
        hello.serverName = data.subarray(5, 5 + data.readUInt16BE(3)).toString('latin1');
      } else if (type === EXT_SUPPORTED_GROUPS && data.length >= 2) {
        for (let i = 2; i + 1 < 2 + data.readUInt16BE(0) && i + 1 < data.length; i += 2) hello.groups.push(data.readUInt16BE(i));
      } else if (type === EXT_SUPPORTED_VERSIONS && data.length >= 1) {
        for (let i = 1; i + 1 < 1 + data[0] && i + 1 < data.length; i += 2) hello.supportedVersions.push(data.readUInt16BE(i));
      } else if (type === EXT_KEY_SHARE && data.length >= 2) {
        let q = 2;
        while (q + 4 <= data.length) {
          hello.keyShareGroups.push(data.readUInt16BE(q));
          q += 4 + data.readUInt16BE(q + 2);
        }
      }
    } catch {
      /* a malformed extension's contents are ignored */
    }
  }
  return hello;
}

/** Parses a ClientHello sent in a single record, strictly: record and handshake lengths must match the bytes. */
export function parseClientHello(wire: Buffer): ParsedClientHello & { recordVersion: number } {
  if (wire.length < 9) throw new Error('short ClientHello');
  if (wire[0] !== 22) throw new Error('not a handshake record');
  const recordVersion = wire.readUInt16BE(1);
  if (wire.readUInt16BE(3) !== wire.length - 5) throw new Error('record length mismatch');
  if (wire[5] !== 1) throw new Error('not a ClientHello');
  if (wire.readUIntBE(6, 3) !== wire.length - 9) throw new Error('handshake length mismatch');
  return { recordVersion, ...parseClientHelloBody(wire.subarray(9)) };
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
