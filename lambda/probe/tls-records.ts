/**
 * The TLS record layer and handshake messages, as the server sends them: pure parsers with hard size limits.
 * Every parser here throws `TlsParseError`, and only that, for input it cannot accept; no length a peer
 * announces is ever allocated before it is checked against a limit. Fuzz targets: `parseRecords`,
 * `parseServerHello`, `parseCertificateMessage`, `parseServerKeyExchangeGroup`, `parseAlert`,
 * `HandshakeReassembler`, `ServerFlightReader`.
 */
import { CONTENT_TYPE, EXTENSION } from './tls-constants';

export class TlsParseError extends Error {
  /**
   * Set by ServerFlightReader: the events of the same chunk that came before the bad bytes, so that the verdict does
   * not depend on how TCP split the server's flight.
   */
  eventsBefore?: FlightEvent[];

  constructor(message: string) {
    super(message);
    this.name = 'TlsParseError';
  }
}

/** RFC 5246 6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes. */
export const MAX_RECORD_LENGTH = 2 ** 14 + 2048;
export const RECORD_HEADER_LENGTH = 5;
export const HANDSHAKE_HEADER_LENGTH = 4;
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
export const DEFAULT_MAX_FLIGHT_BYTES = 1024 * 1024;

/** RFC 8446 4.1.3: the ServerHello.random that marks a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

/** Bounds-checked reading of TLS vectors. */
class Cursor {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  bytes(n: number): Buffer {
    if (n > this.remaining) {
      throw new TlsParseError(`${this.what}: needs ${n} bytes at offset ${this.pos}, has ${this.remaining}`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(): number {
    return this.bytes(1)[0];
  }

  u16(): number {
    return this.bytes(2).readUInt16BE(0);
  }

  u24(): number {
    return this.bytes(3).readUIntBE(0, 3);
  }

  vec8(): Buffer {
    return this.bytes(this.u8());
  }

  vec16(): Buffer {
    return this.bytes(this.u16());
  }

  vec24(): Buffer {
    return this.bytes(this.u24());
  }

  end(): void {
    if (this.remaining !== 0) throw new TlsParseError(`${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------------

export interface TlsRecord {
  type: number;
  version: number;
  fragment: Buffer;
}

export interface RecordHeader {
  type: number;
  version: number;
  length: number;
}

const CONTENT_TYPES: ReadonlySet<number> = new Set(Object.values(CONTENT_TYPE));

/** The header at `offset`, or undefined when fewer than 5 bytes are there yet. */
export function parseRecordHeader(buf: Buffer, offset = 0): RecordHeader | undefined {
  if (buf.length - offset < RECORD_HEADER_LENGTH) return undefined;
  const type = buf[offset];
  const version = buf.readUInt16BE(offset + 1);
  const length = buf.readUInt16BE(offset + 3);
  if (!CONTENT_TYPES.has(type)) throw new TlsParseError(`record of unknown content type ${type}`);
  if (version >> 8 !== 3) throw new TlsParseError(`record version 0x${version.toString(16)} is not 3.x`);
  if (length > MAX_RECORD_LENGTH) {
    throw new TlsParseError(`record announces ${length} bytes, over the limit of ${MAX_RECORD_LENGTH}`);
  }
  return { type, version, length };
}

/** The complete records at the start of `buf`, and how many bytes they take (the rest is an incomplete record). */
export function parseRecords(buf: Buffer): { records: TlsRecord[]; consumed: number } {
  const records: TlsRecord[] = [];
  let consumed = 0;
  for (const { record, end } of completeRecords(buf)) {
    records.push(record);
    consumed = end;
  }
  return { records, consumed };
}

/** The complete records at the start of `buf`, one at a time, each with the offset just after it. */
function* completeRecords(buf: Buffer): Generator<{ record: TlsRecord; end: number }> {
  let offset = 0;
  for (;;) {
    const header = parseRecordHeader(buf, offset);
    if (!header || buf.length - offset - RECORD_HEADER_LENGTH < header.length) return;
    const start = offset + RECORD_HEADER_LENGTH;
    offset = start + header.length;
    yield { record: { type: header.type, version: header.version, fragment: buf.subarray(start, offset) }, end: offset };
  }
}

/** The additional data of a TLS 1.3 record: its header as sent. */
export function recordHeaderBytes(record: TlsRecord): Buffer {
  const header = Buffer.alloc(RECORD_HEADER_LENGTH);
  header[0] = record.type;
  header.writeUInt16BE(record.version, 1);
  header.writeUInt16BE(record.fragment.length, 3);
  return header;
}

export interface AlertMessage {
  level: number;
  description: number;
}

export function parseAlert(fragment: Buffer): AlertMessage {
  // TLS 1.2 allows several alerts in one record; the first is the one that matters.
  if (fragment.length < 2) throw new TlsParseError(`alert of ${fragment.length} bytes`);
  return { level: fragment[0], description: fragment[1] };
}

// ---------------------------------------------------------------------------------------------------------------
// Handshake messages
// ---------------------------------------------------------------------------------------------------------------

export interface HandshakeMessage {
  type: number;
  body: Buffer;
  /** Header and body, as hashed into the transcript. */
  raw: Buffer;
}

/**
 * Joins handshake fragments into messages. Fragments are kept as a list and only the bytes of one message are
 * joined, once, so a peer sending one-byte records costs linear time and no buffer larger than one message is
 * allocated; a message announcing more than `maxMessageBytes` fails at its header.
 */
export class HandshakeReassembler {
  private chunks: Buffer[] = [];
  private length = 0;
  private expected: number | undefined;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** True when part of a message is waiting for its next fragment. */
  get hasPartial(): boolean {
    return this.length > 0;
  }

  push(fragment: Buffer): HandshakeMessage[] {
    if (fragment.length > 0) {
      this.chunks.push(fragment);
      this.length += fragment.length;
    }
    const messages: HandshakeMessage[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.length < HANDSHAKE_HEADER_LENGTH) break;
        const head = this.join(HANDSHAKE_HEADER_LENGTH);
        const bodyLength = head.readUIntBE(1, 3);
        if (bodyLength > this.maxMessageBytes) {
          throw new TlsParseError(
            `handshake message type ${head[0]} announces ${bodyLength} bytes, over the limit of ${this.maxMessageBytes}`,
          );
        }
        this.expected = HANDSHAKE_HEADER_LENGTH + bodyLength;
      }
      if (this.length < this.expected) break;
      const raw = this.join(this.expected);
      messages.push({ type: raw[0], body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw });
      this.consume(this.expected);
      this.expected = undefined;
    }
    return messages;
  }

  /** The first `n` held bytes (n <= length) as one buffer, made the first chunk; copies them only when they span chunks. */
  private join(n: number): Buffer {
    let count = 0;
    let joined = 0;
    while (joined < n) joined += this.chunks[count++].length;
    if (count > 1) {
      const spanned = this.chunks.splice(0, count);
      const last = spanned[count - 1];
      const rest = joined > n ? [last.subarray(last.length - (joined - n))] : [];
      this.chunks.unshift(Buffer.concat(spanned, n), ...rest);
    }
    return this.chunks[0].subarray(0, n);
  }

  /** Drops the first `n` held bytes, which `join(n)` made the first chunk. */
  private consume(n: number): void {
    const first = this.chunks[0];
    if (first.length > n) this.chunks[0] = first.subarray(n);
    else this.chunks.shift();
    this.length -= n;
  }
}

export interface ServerHelloExtension {
  type: number;
  data: Buffer;
}

export interface ParsedServerHello {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suite: number;
  compression: number;
  extensions: ServerHelloExtension[];
  isHelloRetryRequest: boolean;
  /** From supported_versions (TLS 1.3). */
  selectedVersion?: number;
  /** From key_share: the server's share, or in a HelloRetryRequest only the group it wants. */
  keyShare?: { group: number; keyExchange?: Buffer };
  /** From a HelloRetryRequest's cookie extension: to be echoed in the second ClientHello. */
  cookie?: Buffer;
}

function parseExtensions(data: Buffer, what: string): ServerHelloExtension[] {
  const c = new Cursor(data, what);
  const extensions: ServerHelloExtension[] = [];
  const seen = new Set<number>();
  while (c.remaining > 0) {
    const type = c.u16();
    if (seen.has(type)) throw new TlsParseError(`${what}: extension ${type} appears twice`);
    seen.add(type);
    extensions.push({ type, data: c.vec16() });
  }
  return extensions;
}

function parseKeyShareExtension(data: Buffer, helloRetry: boolean): { group: number; keyExchange?: Buffer } {
  const c = new Cursor(data, 'key_share extension');
  const group = c.u16();
  if (helloRetry) {
    c.end();
    return { group };
  }
  const keyExchange = c.vec16();
  c.end();
  if (keyExchange.length === 0) throw new TlsParseError('key_share extension: empty key exchange');
  return { group, keyExchange };
}

function parseSelectedVersion(data: Buffer): number {
  const c = new Cursor(data, 'supported_versions extension');
  const version = c.u16();
  c.end();
  return version;
}

function parseCookie(data: Buffer): Buffer {
  const c = new Cursor(data, 'cookie extension');
  const cookie = c.vec16();
  c.end();
  if (cookie.length === 0) throw new TlsParseError('cookie extension: empty cookie');
  return cookie;
}

/** A ServerHello or HelloRetryRequest body (the handshake header removed). */
export function parseServerHello(body: Buffer): ParsedServerHello {
  const c = new Cursor(body, 'ServerHello');
  const legacyVersion = c.u16();
  const random = c.bytes(32);
  const sessionId = c.vec8();
  if (sessionId.length > 32) throw new TlsParseError(`ServerHello: session id of ${sessionId.length} bytes`);
  const suite = c.u16();
  const compression = c.u8();
  // SSLv3 and early TLS servers may end the message here, without an extensions block.
  const extensions = c.remaining > 0 ? parseExtensions(c.vec16(), 'ServerHello extensions') : [];
  c.end();
  const isHelloRetryRequest = random.equals(HELLO_RETRY_REQUEST_RANDOM);
  const hello: ParsedServerHello = { legacyVersion, random, sessionId, suite, compression, extensions, isHelloRetryRequest };
  for (const { type, data } of extensions) {
    if (type === EXTENSION.SUPPORTED_VERSIONS) hello.selectedVersion = parseSelectedVersion(data);
    else if (type === EXTENSION.KEY_SHARE) hello.keyShare = parseKeyShareExtension(data, isHelloRetryRequest);
    else if (type === EXTENSION.COOKIE) hello.cookie = parseCookie(data);
  }
  return hello;
}

/** The DER certificates of a Certificate message, in the order sent. TLS 1.3 entry extensions are skipped. */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  const c = new Cursor(body, 'Certificate');
  if (tls13) c.vec8(); // certificate_request_context
  const list = new Cursor(c.vec24(), 'Certificate list');
  c.end();
  const certificates: Buffer[] = [];
  while (list.remaining > 0) {
    const der = list.vec24();
    if (der.length === 0) throw new TlsParseError('Certificate: empty certificate entry');
    certificates.push(der);
    if (tls13) list.vec16();
  }
  return certificates;
}

/** RFC 8422 5.4: the named curve of an ECDHE ServerKeyExchange; undefined for explicit curves. */
export function parseServerKeyExchangeGroup(body: Buffer): number | undefined {
  const c = new Cursor(body, 'ServerKeyExchange');
  const curveType = c.u8();
  const NAMED_CURVE = 3;
  return curveType === NAMED_CURVE ? c.u16() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The server's flight
// ---------------------------------------------------------------------------------------------------------------

export type FlightEvent =
  | { kind: 'handshake'; message: HandshakeMessage }
  | { kind: 'alert'; alert: AlertMessage }
  | { kind: 'change-cipher-spec' }
  /** An application_data record: encrypted handshake messages in TLS 1.3. */
  | { kind: 'encrypted'; record: TlsRecord };

export interface FlightLimits {
  maxMessageBytes?: number;
  maxFlightBytes?: number;
}

/**
 * Reads the server's bytes as they arrive: records, plaintext handshake messages joined across records, alerts.
 * Holds at most one incomplete record and one incomplete handshake message.
 */
export class ServerFlightReader {
  private pending: Buffer = Buffer.alloc(0);
  private received = 0;
  private readonly handshake: HandshakeReassembler;
  private readonly maxFlightBytes: number;

  constructor(limits: FlightLimits = {}) {
    this.handshake = new HandshakeReassembler(limits.maxMessageBytes);
    this.maxFlightBytes = limits.maxFlightBytes ?? DEFAULT_MAX_FLIGHT_BYTES;
  }

  get bytesReceived(): number {
    return this.received;
  }

  /** True when an incomplete record or handshake message is waiting for more bytes. */
  get hasPartial(): boolean {
    return this.pending.length > 0 || this.handshake.hasPartial;
  }

  push(chunk: Buffer): FlightEvent[] {
    this.received += chunk.length;
    if (this.received > this.maxFlightBytes) {
      throw new TlsParseError(`server flight exceeds the limit of ${this.maxFlightBytes} bytes`);
    }
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: FlightEvent[] = [];
    let offset = 0;
    try {
      for (const { record, end } of completeRecords(buf)) {
        events.push(...this.recordEvents(record));
        offset = end;
      }
    } catch (err) {
      if (err instanceof TlsParseError) err.eventsBefore = events;
      throw err;
    } finally {
      this.pending = buf.subarray(offset);
    }
    return events;
  }

  private recordEvents(record: TlsRecord): FlightEvent[] {
    if (record.type === CONTENT_TYPE.HANDSHAKE) {
      return this.handshake.push(record.fragment).map((message) => ({ kind: 'handshake' as const, message }));
    }
    if (this.handshake.hasPartial) {
      throw new TlsParseError(`record of type ${record.type} inside a fragmented handshake message`);
    }
    switch (record.type) {
      case CONTENT_TYPE.ALERT:
        return [{ kind: 'alert', alert: parseAlert(record.fragment) }];
      case CONTENT_TYPE.CHANGE_CIPHER_SPEC:
        return [{ kind: 'change-cipher-spec' }];
      case CONTENT_TYPE.APPLICATION_DATA:
        return [{ kind: 'encrypted', record }];
      default:
        throw new TlsParseError(`unexpected record of type ${record.type}`);
    }
  }
}
