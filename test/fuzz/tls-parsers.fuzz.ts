/**
 * Property tests (fast-check) over the TLS record and handshake parsers (lambda/probe/tls-records.ts) and the
 * flight analyser (lambda/probe/tls-hello.ts), with random and mutated valid inputs. Shared by `npm run fuzz`
 * (scripts/fuzz.ts: >= 100,000 inputs per run) and `npm test` (test/fuzz.test.ts: a few hundred per property).
 * No jest here, so that tsx can run it.
 *
 * Every property checks, for every input:
 *  - the parsers return or throw `TlsParseError`, nothing else; `analyseServerFlight` and
 *    `ServerFlightAnalyser` never throw and end with an outcome of a known kind (and never an "internal error",
 *    which is how the analyser reports an exception other than TlsParseError it caught);
 *  - no single buffer allocated during the call is larger than the applicable limit. Allocation is measured by
 *    wrapping Buffer.alloc, allocUnsafe, allocUnsafeSlow, concat (its result) and from (copies only): the only
 *    allocators the probe's TLS code uses (test/fuzz.test.ts checks its sources contain no `new Uint8Array(`,
 *    `new ArrayBuffer(` or `.slice(`). node:crypto's own output buffers (decipher, digest) are not seen.
 * The limits are small (`FUZZ_LIMITS`) so that a violation is visible.
 */
import { createCipheriv, createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { HelloOffer, HelloOutcome } from '../../lambda/model';
import {
  analyseServerFlight,
  buildClientHelloMessage,
  ServerFlightAnalyser,
  type ClientHelloState,
  type ConnectionEnd,
} from '../../lambda/probe/tls-hello';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  HANDSHAKE_HEADER_LENGTH,
  HandshakeReassembler,
  HELLO_RETRY_REQUEST_RANDOM,
  MAX_RECORD_LENGTH,
  parseAlert,
  parseCertificateMessage,
  parseRecordHeader,
  parseRecords,
  parseServerHello,
  parseServerKeyExchangeGroup,
  RECORD_HEADER_LENGTH,
  ServerFlightReader,
  TlsParseError,
  type FlightLimits,
} from '../../lambda/probe/tls-records';
import { serverHandshakeKeys, tls13Suite, transcriptHash, type KeyShare, type TrafficKeys } from '../../lambda/probe/tls13-keys';
import { analyzeChain } from '../../lambda/probe/chain';
import { trustStoreFromPems } from '../../lambda/probe/trust-store';
import { lookupFinding } from '../../lambda/diagnosis/findings';
import {
  certificateBody,
  ecdheServerKeyExchangeBody,
  extension,
  handshake,
  helloRetryRequestBody,
  record,
  serverHelloBody,
  u16,
  vec16,
  vec24,
  vec8,
} from '../support/tls-bytes';
import { documentedOffer } from '../support/offers';

/** Small limits, so that an allocation beyond them shows. */
/** The clock and trust store of the X.509 property (fixed, so that runs repeat). */
const FUZZ_NOW = new Date('2030-01-01T00:00:00Z');
export const FUZZ_LIMITS = { maxMessageBytes: 4096, maxFlightBytes: 16384 } as const satisfies Required<FlightLimits>;
/** The largest single buffer a pure parser may allocate: one record with its header. */
export const RECORD_ALLOCATION_LIMIT = MAX_RECORD_LENGTH + RECORD_HEADER_LENGTH;
/** The largest single buffer the handshake reassembler may allocate: one message with its header. */
export const MESSAGE_ALLOCATION_LIMIT = FUZZ_LIMITS.maxMessageBytes + HANDSHAKE_HEADER_LENGTH;
/** Mutated inputs are cut to this size (bigger than the flight limit, so that limit is exercised). */
const MAX_INPUT = 40_000;

// ---------------------------------------------------------------------------------------------------------------
// Allocation measurement
// ---------------------------------------------------------------------------------------------------------------

export interface Allocation {
  bytes: number;
  via: string;
}

type Allocator = (...args: unknown[]) => Buffer;

/** Where in the code under test (lambda/) the current allocation was made, or the first frame outside this file. */
function callSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1).map((f) => f.trim());
  const outside = frames.filter((f) => !f.includes('tls-parsers.fuzz') && !f.includes('node:buffer') && !f.includes('(native)'));
  const frame = outside.find((f) => f.includes('/lambda/')) ?? outside[0] ?? '?';
  return frame.replace(/^at /, '').replace(/\(?[^()]*\/(lambda|test|scripts)\//, '($1/');
}
const ALLOCATORS = ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat', 'from'] as const;

/**
 * Runs `fn` with Buffer's allocators wrapped and returns what it returned or threw, with the largest single buffer
 * it allocated. The originals are restored before returning, whatever happens.
 */
export function measureAllocations<T>(fn: () => T, locateAbove = 0): { largest: Allocation } & ({ ok: true; value: T } | { ok: false; error: unknown }) {
  const largest: Allocation = { bytes: 0, via: 'nothing' };
  const target = Buffer as unknown as Record<(typeof ALLOCATORS)[number], Allocator>;
  const originals = Object.fromEntries(ALLOCATORS.map((name) => [name, target[name]])) as Record<(typeof ALLOCATORS)[number], Allocator>;
  for (const name of ALLOCATORS) {
    const original = originals[name];
    target[name] = function (this: unknown, ...args: unknown[]) {
      const out = original.apply(Buffer, args);
      // Buffer.from(arrayBuffer) is a view, not an allocation.
      const allocated = name !== 'from' || out.buffer !== args[0];
      if (allocated && out.length > largest.bytes) {
        largest.bytes = out.length;
        largest.via = out.length > locateAbove ? `Buffer.${name} at ${callSite()}` : `Buffer.${name}`;
      }
      return out;
    };
  }
  try {
    return { largest, ok: true, value: fn() };
  } catch (error) {
    return { largest, ok: false, error };
  } finally {
    for (const name of ALLOCATORS) target[name] = originals[name];
  }
}

export class PropertyFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyFailure';
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` : String(err);
}

/** Measures the calls of one property against its allocation limit, and keeps the largest allocation seen. */
export class Meter {
  largest: Allocation = { bytes: 0, via: 'nothing' };

  constructor(readonly limit: number) {}

  private measure<T>(fn: () => T) {
    // Where an allocation was made is found (from a stack trace) only for a new maximum or a violation.
    const result = measureAllocations(fn, Math.min(this.largest.bytes, this.limit));
    if (result.largest.bytes > this.largest.bytes) this.largest = result.largest;
    if (result.largest.bytes > this.limit) {
      throw new PropertyFailure(`allocated ${result.largest.bytes} bytes at once (${result.largest.via}), over the limit of ${this.limit}`);
    }
    return result;
  }

  /** A parser call: its value, or undefined when it threw TlsParseError. Any other exception fails the property. */
  parse<T>(fn: () => T): T | undefined {
    const result = this.measure(fn);
    if (result.ok) return result.value;
    if (result.error instanceof TlsParseError) return undefined;
    throw new PropertyFailure(`threw something other than TlsParseError: ${describeError(result.error)}`);
  }

  /** A call that must not throw at all. */
  total<T>(fn: () => T): T {
    const result = this.measure(fn);
    if (result.ok) return result.value;
    throw new PropertyFailure(`threw ${describeError(result.error)}`);
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new PropertyFailure(message);
}

// ---------------------------------------------------------------------------------------------------------------
// Valid inputs to mutate
// ---------------------------------------------------------------------------------------------------------------

const pem = (b64: string) => Buffer.from(b64, 'base64');
/** A real self-signed ECDSA P-256 certificate (CN and SAN origin.example.com), DER. */
export const EC_CERT = pem(
  'MIIBrTCCAVSgAwIBAgIUYX/FBCmkevlxGqLzVW9HpCLktNUwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSb3JpZ2luLmV4YW1wbGUu' +
    'Y29tMB4XDTI2MTEyMzExMTYyNloXDTM2MTEyMDExMTYyNlowHTEbMBkGA1UEAwwSb3JpZ2luLmV4YW1wbGUuY29tMFkwEwYHKoZI' +
    'zj0CAQYIKoZIzj0DAQcDQgAE/gmtlk8TwPf34jzt1b9MbwiSjSaJHB+V37VmJCvhrRtrFStI5/HuMihRexP/WLK9yvC3YdttbMl5' +
    '+38uXOnp86NyMHAwHQYDVR0OBBYEFOQnFVPL6lRoxM3eeXtodXriJSCqMB8GA1UdIwQYMBaAFOQnFVPL6lRoxM3eeXtodXriJSCq' +
    'MA8GA1UdEwEB/wQFMAMBAf8wHQYDVR0RBBYwFIISb3JpZ2luLmV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0cAMEQCICxFExBM3FtE' +
    'mYrGmrDAldfTnRcdxGr6C7XCQQ+HMxbQAiBiM3tTx9S9anLyxISQ+jG9Y1v6JUmZBvOLgLdbZuvEbw==',
);
/** A real self-signed RSA 2048 CA certificate, DER. */
export const RSA_CERT = pem(
  'MIIDFzCCAf+gAwIBAgIUQsNnFe8rs2741vjb2J0dDLmfLYwwDQYJKoZIhvcNAQELBQAwGzEZMBcGA1UEAwwQRnV6eiBUZXN0IFJT' +
    'QSBDQTAeFw0yNjExMjMxMTE2MjZaFw0zNjExMjAxMTE2MjZaMBsxGTAXBgNVBAMMEEZ1enogVGVzdCBSU0EgQ0EwggEiMA0GCSqG' +
    'SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDuko6QTdVCjs7TXElk5oG3tA4dPytDenCNOrLdEI9j7oQJJG/Z948yQYrsYRoQ8QFHlCwN' +
    'UnKh7PT5/A7z9tNHTLWxPwOoQ+KtGEcnNlb0JCcWDhSEl3R2uwOKj/e+sDkTZ+S6sJartUGIJDLHRQr+R3e5PUbG6QoOF6EJU7YY' +
    'zUAwRJK+QwFw4TxBl9etyePLhScREPGjK1Xe6SdG5lNpBsthc3UaAgEKa9UbewDubjvoiS8GMCSNCMhsDZvTTKD4+72t6rlfPjvm' +
    '3JPBX8GgmCnjOTym6DVDI1KJWOiHL1Omd3KS0yOFO7yfUqwOj4jgpEDNYgp+CK6+Gw+X8/RPAgMBAAGjUzBRMB0GA1UdDgQWBBSW' +
    'ot1nmUrflgf80Umj3MUppQvV8DAfBgNVHSMEGDAWgBSWot1nmUrflgf80Umj3MUppQvV8DAPBgNVHRMBAf8EBTADAQH/MA0GCSqG' +
    'SIb3DQEBCwUAA4IBAQAeeT4QzisccMbvHjlJACcKrSlsOEJmIq8Q+qK3VicwSfUSAk+cZ7bXDqAMw9Gn5ifDNpN6qEeYz5LbBPYK' +
    'eGiUzpN2KU5/q1RwbkMDNnQkSG43omDfZYEOtOO4FB9DqubT5mAvJpDBnMZswcG3I5EQwaxutKuX3Q4RSHkFWkvSM1ZcJ6aqhuIP' +
    'jyPmt+I4ney8Mxuhxd+hn+4X2uwdmBVAOM7yTaBR1n4vbQ0s3s01zFPPUpx6dqiikAFKHZb1WiiXX7MByeT2d6XsUFA5H3F5+HXv' +
    'OKP7Yb2xuEci5oP4rnCLPzZHb0jFJ4vTIcyF9Ep2UZujTmIotm7QptYU9sSb',
);

// Deterministic keys, so that a seed reproduces a run exactly.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const x25519Private = (fill: number) => createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.alloc(32, fill)]), format: 'der', type: 'pkcs8' });
const x25519Raw = (key: KeyObject) => createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
const x25519Peer = (raw: Buffer) => createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });

const CLIENT_X25519 = x25519Private(0x11);
const SERVER_X25519 = x25519Private(0x22);
const SERVER_X25519_PUBLIC = x25519Raw(SERVER_X25519);

/** Like tls13-keys' generateKeyShare, but from fixed private keys. */
export function fixedKeyShare(group: number): KeyShare | undefined {
  if (group === 29) {
    return {
      group,
      publicKey: x25519Raw(CLIENT_X25519),
      computeSecret: (peer) => diffieHellman({ privateKey: CLIENT_X25519, publicKey: x25519Peer(peer) }),
    };
  }
  const curve = ({ 23: 'prime256v1', 24: 'secp384r1' } as Record<number, string>)[group];
  if (!curve) return undefined;
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.alloc(group === 23 ? 32 : 48, 7));
  return { group, publicKey: ecdh.getPublicKey(), computeSecret: (peer) => ecdh.computeSecret(peer) };
}

const offer = (versions: HelloOffer['versions']): HelloOffer => documentedOffer(versions, 'origin.example.com');

const CLIENT_RANDOM = Buffer.alloc(32, 0xc1);
const CLIENT_SESSION_ID = Buffer.alloc(32, 0x5e);

/** What prepareClientHello returns, with fixed random, session id and key share. */
function fixedClient(versions: HelloOffer['versions']): ClientHelloState {
  const o = offer(versions);
  const tls13 = versions.includes('TLSv1.3');
  const keyShares = tls13 ? [fixedKeyShare(29)!] : [];
  const sessionId = tls13 ? CLIENT_SESSION_ID : Buffer.alloc(0);
  return { offer: o, random: CLIENT_RANDOM, sessionId, keyShares, message: buildClientHelloMessage(o, keyShares, CLIENT_RANDOM, { sessionId }) };
}

export const CLIENTS = {
  'tls1.0-1.3': fixedClient(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']),
  'tls1.2-1.3': fixedClient(['TLSv1.2', 'TLSv1.3']),
  'tls1.0-1.2': fixedClient(['TLSv1', 'TLSv1.1', 'TLSv1.2']),
  sslv3: fixedClient(['SSLv3']),
} as const;
export type ClientName = keyof typeof CLIENTS;
const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];

/** A TLS 1.3 ServerHello answering `client` (group x25519), and the server's handshake traffic keys. */
function tls13ServerHello(client: ClientHelloState, suiteCode: number): { message: Buffer; keys: TrafficKeys } {
  const keyShare = Buffer.concat([u16(29), vec16(SERVER_X25519_PUBLIC)]);
  const body = serverHelloBody({ suite: suiteCode, sessionId: client.sessionId, extensions: [extension(43, u16(0x0304)), extension(51, keyShare)] });
  const message = handshake(2, body);
  const suite = tls13Suite(suiteCode)!;
  const secret = diffieHellman({ privateKey: SERVER_X25519, publicKey: x25519Peer(client.keyShares[0].publicKey) });
  return { message, keys: serverHandshakeKeys(suite, secret, transcriptHash(suite.hash, [client.message, message], false)) };
}

/** RFC 8446 5.2: one encrypted record (TLSInnerPlaintext = content || type || zeros), sequence number `seq`. */
export function encryptRecord(suiteCode: number, keys: TrafficKeys, seq: number, type: number, content: Buffer, padding = 0): Buffer {
  const plaintext = Buffer.concat([content, Buffer.of(type), Buffer.alloc(padding)]);
  const header = Buffer.concat([Buffer.of(23, 3, 3), u16(plaintext.length + 16)]);
  const nonce = Buffer.from(keys.iv);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  const cipherName = tls13Suite(suiteCode)!.cipher;
  const cipher =
    cipherName === 'chacha20-poly1305'
      ? createCipheriv(cipherName, keys.key, nonce, { authTagLength: 16 })
      : createCipheriv(cipherName, keys.key, nonce, { authTagLength: 16 });
  cipher.setAAD(header, { plaintextLength: plaintext.length });
  return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** A TLS 1.3 Certificate message body with per-entry extensions. */
function certificateBody13(ders: Buffer[], entryExtensions: Buffer[] = []): Buffer {
  const entries = ders.map((d, i) => Buffer.concat([vec24(d), vec16(entryExtensions[i] ?? Buffer.alloc(0))]));
  return Buffer.concat([vec8(Buffer.alloc(0)), vec24(Buffer.concat(entries))]);
}

const OCSP_STAPLE = extension(5, Buffer.concat([Buffer.of(1), vec24(Buffer.alloc(40, 0x30))]));
const CERTIFICATE_REQUEST_13 = handshake(13, Buffer.concat([vec8(Buffer.alloc(0)), vec16(extension(13, vec16(Buffer.from('0403080404010503', 'hex'))))]));

/** Encrypted handshake streams a TLS 1.3 server sends after its ServerHello. */
export const TLS13_INNER_STREAMS = {
  'ee-cert-cv-fin': Buffer.concat([
    handshake(8, vec16(Buffer.alloc(0))),
    handshake(11, certificateBody13([EC_CERT, RSA_CERT], [OCSP_STAPLE])),
    handshake(15, Buffer.concat([u16(0x0403), vec16(Buffer.alloc(71, 0x30))])),
    handshake(20, Buffer.alloc(32, 0xf1)),
  ]),
  'ee-certreq-cert': Buffer.concat([
    handshake(8, vec16(extension(16, vec16(vec8(Buffer.from('h2')))))),
    CERTIFICATE_REQUEST_13,
    handshake(11, certificateBody13([RSA_CERT])),
  ]),
  'ee-empty-cert': Buffer.concat([handshake(8, vec16(Buffer.alloc(0))), handshake(11, certificateBody13([]))]),
};

/** A complete TLS 1.3 flight for `client`: ServerHello, ChangeCipherSpec, the inner stream in encrypted records. */
export function tls13Flight(client: ClientHelloState, suiteCode: number, contents: { type: number; content: Buffer; padding?: number }[]): Buffer {
  const { message, keys } = tls13ServerHello(client, suiteCode);
  return Buffer.concat([
    record(22, 0x0303, message),
    record(20, 0x0303, Buffer.of(1)),
    ...contents.map((c, seq) => encryptRecord(suiteCode, keys, seq, c.type, c.content, c.padding ?? 0)),
  ]);
}

const TLS12_SERVER_HELLO = handshake(2, serverHelloBody({ suite: 0xc02f, extensions: [extension(0xff01, Buffer.of(0)), extension(23, Buffer.alloc(0)), extension(11, vec8(Buffer.of(0)))] }));
const TLS12_CERTIFICATE = handshake(11, certificateBody([RSA_CERT, EC_CERT], false));
const TLS12_MESSAGES = Buffer.concat([
  TLS12_SERVER_HELLO,
  TLS12_CERTIFICATE,
  handshake(22, Buffer.concat([Buffer.of(1), vec24(Buffer.alloc(60, 0x30))])), // CertificateStatus (OCSP)
  handshake(12, ecdheServerKeyExchangeBody(29)),
  handshake(13, Buffer.of(1, 1, 0, 2, 4, 1, 0, 0)),
  handshake(14, Buffer.alloc(0)),
]);

/** The handshake stream cut into records of at most `size` bytes. */
function inRecords(stream: Buffer, size: number, version = 0x0303): Buffer {
  const records: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) records.push(record(22, version, stream.subarray(at, at + size)));
  return Buffer.concat(records);
}

/**
 * HelloRetryRequest (asking for secp256r1, with a cookie), ChangeCipherSpec, then the ServerHello and encrypted
 * flight that answer the second ClientHello, as the analyser builds it with `fixedKeyShare`.
 */
function helloRetryFlight(): Buffer {
  const client = CLIENTS['tls1.0-1.3'];
  const cookie = Buffer.from('cookie-from-the-server');
  const hrr = handshake(2, helloRetryRequestBody(0x1301, 23, cookie));
  const share = fixedKeyShare(23)!;
  const clientHello2 = buildClientHelloMessage(client.offer, [share], client.random, { sessionId: client.sessionId, cookie });
  const server = createECDH('prime256v1');
  server.setPrivateKey(Buffer.alloc(32, 9));
  const keyShare = Buffer.concat([u16(23), vec16(server.getPublicKey())]);
  const serverHello = handshake(2, serverHelloBody({ suite: 0x1301, sessionId: client.sessionId, extensions: [extension(43, u16(0x0304)), extension(51, keyShare)] }));
  const suite = tls13Suite(0x1301)!;
  const hash = transcriptHash(suite.hash, [client.message, hrr, clientHello2, serverHello], true);
  const keys = serverHandshakeKeys(suite, server.computeSecret(share.publicKey), hash);
  return Buffer.concat([
    record(22, 0x0303, hrr),
    record(20, 0x0303, Buffer.of(1)),
    record(22, 0x0303, serverHello),
    encryptRecord(0x1301, keys, 0, 22, TLS13_INNER_STREAMS['ee-empty-cert']),
  ]);
}

/** Outer (wire) flights, valid. */
export const FLIGHTS: Record<string, Buffer> = {
  // TLS 1.2 with a real certificate chain; the Certificate message spans two records.
  'tls1.2': Buffer.concat([
    record(22, 0x0303, TLS12_SERVER_HELLO),
    record(22, 0x0303, TLS12_CERTIFICATE.subarray(0, 700)),
    record(22, 0x0303, TLS12_CERTIFICATE.subarray(700)),
    record(22, 0x0303, TLS12_MESSAGES.subarray(TLS12_SERVER_HELLO.length + TLS12_CERTIFICATE.length)),
  ]),
  'tls1.2-small-records': inRecords(TLS12_MESSAGES, 97),
  'tls1.3': tls13Flight(CLIENTS['tls1.0-1.3'], 0x1301, [
    { type: 22, content: TLS13_INNER_STREAMS['ee-cert-cv-fin'].subarray(0, 300) },
    { type: 22, content: TLS13_INNER_STREAMS['ee-cert-cv-fin'].subarray(300), padding: 5 },
  ]),
  'tls1.3-chacha-certreq': tls13Flight(CLIENTS['tls1.0-1.3'], 0x1303, [{ type: 22, content: TLS13_INNER_STREAMS['ee-certreq-cert'] }]),
  'tls1.3-encrypted-alert': tls13Flight(CLIENTS['tls1.0-1.3'], 0x1302, [{ type: 21, content: Buffer.of(2, 116) }]),
  'tls1.3-server-hello-only': record(22, 0x0303, tls13ServerHello(CLIENTS['tls1.0-1.3'], 0x1301).message),
  'hello-retry-request': helloRetryFlight(),
  sslv3: record(22, 0x0300, Buffer.concat([handshake(2, serverHelloBody({ version: 0x0300, suite: 0x000a })), handshake(11, certificateBody([RSA_CERT], false)), handshake(14, Buffer.alloc(0))])),
  alert: record(21, 0x0303, Buffer.of(2, 40)),
  'two-alerts': record(21, 0x0301, Buffer.of(1, 112, 2, 40)),
  http: Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n'),
};

/** ServerHello and HelloRetryRequest bodies. */
const SERVER_HELLO_BODIES: Buffer[] = [
  TLS12_SERVER_HELLO.subarray(HANDSHAKE_HEADER_LENGTH),
  tls13ServerHello(CLIENTS['tls1.0-1.3'], 0x1302).message.subarray(HANDSHAKE_HEADER_LENGTH),
  helloRetryRequestBody(0x1301, 24, Buffer.from('a cookie')),
  helloRetryRequestBody(0x1303, 29),
  serverHelloBody({ version: 0x0300, suite: 0x000a }),
  serverHelloBody({ suite: 0x009c, sessionId: Buffer.alloc(32, 3), extensions: [extension(0xff01, Buffer.of(0))] }),
];

/** Certificate bodies, with whether they are TLS 1.3's. */
const CERTIFICATE_BODIES: { body: Buffer; tls13: boolean }[] = [
  { body: certificateBody([RSA_CERT, EC_CERT], false), tls13: false },
  { body: certificateBody([EC_CERT], false), tls13: false },
  { body: certificateBody13([EC_CERT, RSA_CERT], [OCSP_STAPLE]), tls13: true },
  { body: certificateBody13([]), tls13: true },
  { body: certificateBody([], false), tls13: false },
];

const SERVER_KEY_EXCHANGE_BODIES = [ecdheServerKeyExchangeBody(29), ecdheServerKeyExchangeBody(24), Buffer.of(1, 0x20, 1, 2, 3)];
const ALERT_FRAGMENTS = [Buffer.of(2, 40), Buffer.of(1, 0), Buffer.of(1, 112, 2, 40)];

/** Plaintext handshake streams (what the reassembler is fed). */
const HANDSHAKE_STREAMS: Buffer[] = [TLS12_MESSAGES, ...Object.values(TLS13_INNER_STREAMS), handshake(2, helloRetryRequestBody(0x1301, 23, Buffer.from('c')))];

// ---------------------------------------------------------------------------------------------------------------
// Where the length fields are, so that mutations can aim at them
// ---------------------------------------------------------------------------------------------------------------

interface Field {
  offset: number;
  size: 1 | 2 | 3;
}

const shift = (fields: Field[], by: number) => fields.map((f) => ({ ...f, offset: f.offset + by }));

function serverHelloFields(body: Buffer): Field[] {
  if (body.length < 35) return [];
  const fields: Field[] = [{ offset: 34, size: 1 }];
  let at = 35 + body[34] + 3;
  if (at + 2 > body.length) return fields;
  fields.push({ offset: at, size: 2 });
  for (at += 2; at + 4 <= body.length; at += 4 + body.readUInt16BE(at + 2)) {
    fields.push({ offset: at + 2, size: 2 });
    const type = body.readUInt16BE(at);
    if (type === 44 && at + 6 <= body.length) fields.push({ offset: at + 4, size: 2 }); // cookie
    if (type === 51 && at + 8 <= body.length) fields.push({ offset: at + 6, size: 2 }); // key_exchange
  }
  return fields;
}

function certificateFields(body: Buffer, tls13: boolean): Field[] {
  const fields: Field[] = [];
  let at = 0;
  if (tls13) {
    if (body.length < 1) return fields;
    fields.push({ offset: 0, size: 1 });
    at = 1 + body[0];
  }
  if (at + 3 > body.length) return fields;
  fields.push({ offset: at, size: 3 });
  const end = Math.min(body.length, at + 3 + body.readUIntBE(at, 3));
  for (at += 3; at + 3 <= end; ) {
    fields.push({ offset: at, size: 3 });
    at += 3 + body.readUIntBE(at, 3);
    if (tls13 && at + 2 <= end) {
      fields.push({ offset: at, size: 2 });
      at += 2 + body.readUInt16BE(at);
    }
  }
  return fields;
}

function handshakeStreamFields(stream: Buffer, tls13: boolean): Field[] {
  const fields: Field[] = [];
  for (let at = 0; at + 4 <= stream.length; ) {
    fields.push({ offset: at + 1, size: 3 });
    const end = at + 4 + stream.readUIntBE(at + 1, 3);
    const body = stream.subarray(at + 4, end);
    if (stream[at] === 2) fields.push(...shift(serverHelloFields(body), at + 4));
    if (stream[at] === 11) fields.push(...shift(certificateFields(body, tls13), at + 4));
    at = end;
  }
  return fields;
}

function recordFields(flight: Buffer): Field[] {
  const fields: Field[] = [];
  for (let at = 0; at + 5 <= flight.length; ) {
    fields.push({ offset: at + 3, size: 2 });
    const end = at + 5 + flight.readUInt16BE(at + 3);
    if (flight[at] === 22) fields.push(...shift(handshakeStreamFields(flight.subarray(at + 5, end), false), at + 5));
    at = end;
  }
  return fields;
}

interface SeedInput {
  name: string;
  bytes: Buffer;
  fields: Field[];
}

const seeds = (entries: [string, Buffer][], fields: (b: Buffer, i: number) => Field[]): SeedInput[] =>
  entries.map(([name, bytes], i) => ({ name, bytes, fields: fields(bytes, i) }));

const FLIGHT_SEEDS = seeds(Object.entries(FLIGHTS), recordFields);
const SERVER_HELLO_SEEDS = seeds(SERVER_HELLO_BODIES.map((b, i) => [`server-hello-${i}`, b]), serverHelloFields);
const CERTIFICATE_SEEDS = seeds(CERTIFICATE_BODIES.map((c, i) => [`certificate-${i}`, c.body]), (b, i) => certificateFields(b, CERTIFICATE_BODIES[i].tls13));
const SERVER_KEY_EXCHANGE_SEEDS = seeds(SERVER_KEY_EXCHANGE_BODIES.map((b, i) => [`ske-${i}`, b]), () => []);
const ALERT_SEEDS = seeds(ALERT_FRAGMENTS.map((b, i) => [`alert-${i}`, b]), () => []);
const HANDSHAKE_STREAM_SEEDS = seeds(HANDSHAKE_STREAMS.map((b, i) => [`stream-${i}`, b]), (b, i) => handshakeStreamFields(b, i > 0 && i < 4));
const TLS13_INNER_SEEDS = seeds(Object.entries(TLS13_INNER_STREAMS), (b) => handshakeStreamFields(b, true));
/**
 * X.509 DER: the length fields of every TLV (short and long form), so that mutations hit the structure (tags,
 * lengths, the critical BOOLEAN, extension values) as well as the bytes.
 */
function derFields(der: Buffer): Field[] {
  const fields: Field[] = [];
  const walk = (start: number, end: number, depth: number) => {
    let at = start;
    while (at + 2 <= end && depth < 12) {
      const tag = der[at];
      const first = der[at + 1];
      const n = first & 0x80 ? first & 0x7f : 0;
      if (n > 3 || at + 2 + n > end) return;
      if (n === 0) fields.push({ offset: at + 1, size: 1 });
      else fields.push({ offset: at + 2, size: n as 1 | 2 | 3 });
      const length = n === 0 ? first : der.readUIntBE(at + 2, n);
      const body = at + 2 + n;
      if (body + length > end) return;
      if (tag & 0x20) walk(body, body + length, depth + 1);
      else if (tag === 0x04 && length > 2 && der[body] === 0x30) walk(body, body + length, depth + 1); // extnValue
      at = body + length;
    }
  };
  walk(0, der.length, 0);
  return fields;
}
let trustOfFuzz: ReturnType<typeof trustStoreFromPems> | undefined;
/**
 * EC_CERT (self-signed) as the only anchor. Made with one chain judged against it, outside any measurement: the ASN.1
 * libraries and the store's index load at their first use (start-up, README "Speed"), which is no allocation of an
 * input's.
 */
function fuzzTrust() {
  const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
  if (!trustOfFuzz) {
    trustOfFuzz = trustStoreFromPems([pemOf(EC_CERT)], 'fuzz roots');
    analyzeChain([EC_CERT], { serverName: 'origin.example.com', now: FUZZ_NOW, trust: trustOfFuzz, expiryWarningDays: 30 });
  }
  return trustOfFuzz;
}
const X509_SEEDS = seeds([['ec-cert', EC_CERT], ['rsa-cert', RSA_CERT]], (b) => derFields(b));

/** Material spliced into inputs. */
const DONORS: Buffer[] = [...FLIGHT_SEEDS, ...SERVER_HELLO_SEEDS, ...CERTIFICATE_SEEDS, ...HANDSHAKE_STREAM_SEEDS].map((s) => s.bytes);

// ---------------------------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------------------------

/** Values that sit on a limit or overflow a length field. */
const INTERESTING = [
  0, 1, 2, 3, 4, 5, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x4001,
  FUZZ_LIMITS.maxMessageBytes, FUZZ_LIMITS.maxMessageBytes + 1, FUZZ_LIMITS.maxFlightBytes,
  MAX_RECORD_LENGTH, MAX_RECORD_LENGTH + 1, 0x7fff, 0xfffe, 0xffff, 0x10000,
  DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES + 1, 0xfffffe, 0xffffff,
];

type Op =
  | { k: 'set'; at: number; value: number }
  | { k: 'flip'; at: number; bit: number }
  | { k: 'truncate'; at: number }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'delete'; at: number; n: number }
  /** A range of the input again elsewhere (a duplicated record or message). */
  | { k: 'copy'; from: number; n: number; at: number }
  /** A range of another valid input. */
  | { k: 'splice'; donor: number; from: number; n: number; at: number }
  /** A known length field set to an interesting value, or moved by a few. */
  | { k: 'length'; field: number; value: number; relative: boolean }
  /** An interesting big-endian number anywhere. */
  | { k: 'number'; at: number; size: 1 | 2 | 3; value: number }
  | { k: 'repeat'; times: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('copy' as const), from: fc.nat(), n: fc.integer({ min: 1, max: 4000 }), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('splice' as const), donor: fc.nat(), from: fc.nat(), n: fc.integer({ min: 1, max: 2000 }), at: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.record({ k: fc.constant('length' as const), field: fc.nat(), value: fc.constantFrom(...INTERESTING), relative: fc.constant(false) }),
      fc.record({ k: fc.constant('length' as const), field: fc.nat(), value: fc.integer({ min: -4, max: 4 }), relative: fc.constant(true) }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('number' as const), at: fc.nat(), size: fc.constantFrom(1 as const, 2 as const, 3 as const), value: fc.constantFrom(...INTERESTING) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 8 }) }) },
);

export function applyOps(base: Buffer, fields: readonly Field[], ops: readonly Op[]): Buffer {
  let b = Buffer.from(base);
  const point = (n: number) => n % (b.length + 1);
  const insertAt = (at: number, piece: Uint8Array) => {
    b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
  };
  for (const op of ops) {
    const index = b.length > 0 ? ('at' in op ? op.at : 0) % b.length : -1;
    switch (op.k) {
      case 'set':
        if (index >= 0) b[index] = op.value;
        break;
      case 'flip':
        if (index >= 0) b[index] ^= 1 << op.bit;
        break;
      case 'truncate':
        b = b.subarray(0, point(op.at));
        break;
      case 'insert':
        insertAt(point(op.at), op.bytes);
        break;
      case 'delete': {
        const at = point(op.at);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + op.n)]);
        break;
      }
      case 'copy': {
        const from = point(op.from);
        insertAt(point(op.at), Buffer.from(b.subarray(from, from + op.n)));
        break;
      }
      case 'splice': {
        const donor = DONORS[op.donor % DONORS.length];
        const from = op.from % (donor.length + 1);
        insertAt(point(op.at), donor.subarray(from, from + op.n));
        break;
      }
      case 'length': {
        if (fields.length === 0) break;
        const f = fields[op.field % fields.length];
        if (f.offset + f.size > b.length) break;
        const max = 2 ** (8 * f.size) - 1;
        const value = op.relative ? b.readUIntBE(f.offset, f.size) + op.value : op.value;
        b.writeUIntBE(Math.max(0, Math.min(max, value)), f.offset, f.size);
        break;
      }
      case 'number':
        if (index >= 0 && index + op.size <= b.length) b.writeUIntBE(op.value % 2 ** (8 * op.size), index, op.size);
        break;
      case 'repeat':
        b = Buffer.concat(Array.from({ length: op.times }, () => b));
        break;
    }
    if (b.length > MAX_INPUT) b = b.subarray(0, MAX_INPUT);
  }
  return b;
}

/** A valid input, then up to `maxOps` mutations (none, sometimes: the valid input itself). */
function mutated(inputs: SeedInput[], maxOps = 6): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.integer({ min: 0, max: inputs.length - 1 }), fc.array(opArbitrary, { maxLength: maxOps }))
    .map(([i, ops]) => applyOps(inputs[i].bytes, inputs[i].fields, ops));
}

const randomBytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));

/** Record-shaped random input: plausible headers (sometimes lying about the length) around random payloads. */
const randomRecords: fc.Arbitrary<Buffer> = fc
  .array(
    fc.record({
      type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(20, 21, 22, 23, 24) }, fc.nat(255)),
      major: fc.oneof({ weight: 6, arbitrary: fc.constant(3) }, fc.nat(255)),
      minor: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 3, 4) }, fc.nat(255)),
      payload: fc.uint8Array({ maxLength: 300 }),
      length: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.constantFrom(...INTERESTING.filter((v) => v <= 0xffff)), fc.integer({ min: -3, max: 3 })),
    }),
    { maxLength: 6 },
  )
  .map((records) =>
    Buffer.concat(
      records.map((r) => {
        const length = r.length === undefined ? r.payload.length : Math.abs(r.length) > 3 ? r.length : Math.max(0, r.payload.length + r.length);
        return Buffer.concat([Buffer.of(r.type, r.major, r.minor), u16(length), r.payload]);
      }),
    ),
  );

/** Random handshake messages (common types, random bodies): a plaintext handshake stream. */
const randomHandshakes: fc.Arbitrary<Buffer> = fc
  .array(fc.record({ type: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(2, 8, 11, 12, 13, 14, 15, 20, 22) }, fc.nat(255)), body: fc.uint8Array({ maxLength: 200 }) }), { maxLength: 5 })
  .map((messages) => Buffer.concat(messages.map((m) => handshake(m.type, Buffer.from(m.body)))));

/** A valid TLS 1.2 ServerHello record followed by random (or mutated) handshake messages in records. */
const tls12ThenRandom: fc.Arbitrary<Buffer> = fc
  .tuple(fc.oneof(randomHandshakes, mutated(HANDSHAKE_STREAM_SEEDS, 3)), fc.integer({ min: 1, max: 600 }))
  .map(([stream, size]) => Buffer.concat([record(22, 0x0303, TLS12_SERVER_HELLO), inRecords(stream, size)]));

/** A valid flight padded past the flight limit (a max-size record, or repeats). */
const oversized: fc.Arbitrary<Buffer> = fc
  .tuple(fc.constantFrom(...FLIGHT_SEEDS), fc.constantFrom(20, 21, 22, 23), fc.integer({ min: FUZZ_LIMITS.maxFlightBytes - 100, max: MAX_RECORD_LENGTH }))
  .map(([seed, type, length]) => Buffer.concat([seed.bytes, Buffer.of(type, 3, 3), u16(length), Buffer.alloc(length, 0x41)]));

/** Everything a server's flight could be. */
const anyFlight: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: mutated(FLIGHT_SEEDS) },
  { weight: 2, arbitrary: randomRecords },
  { weight: 2, arbitrary: tls12ThenRandom },
  { weight: 1, arbitrary: randomBytes(300) },
  { weight: 1, arbitrary: oversized },
);

type Chunking = { cuts: number[] } | { stride: number };
const chunking: fc.Arbitrary<Chunking> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ cuts: fc.array(fc.nat(), { maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ stride: fc.integer({ min: 1, max: 700 }) }) },
);

/** The input cut into chunks (some may be empty), none longer than `maxChunk`; at most about 2048 of them. */
export function split(bytes: Buffer, how: Chunking, maxChunk = Infinity): Buffer[] {
  let points: number[];
  if ('stride' in how) {
    const stride = Math.max(how.stride, Math.ceil(bytes.length / 2048));
    points = [];
    for (let at = stride; at < bytes.length; at += stride) points.push(at);
  } else {
    points = how.cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  }
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const at of [...points, bytes.length]) {
    for (let from = previous; ; from += maxChunk) {
      chunks.push(bytes.subarray(from, Math.min(at, from + maxChunk)));
      if (from + maxChunk >= at) break;
    }
    previous = at;
  }
  return chunks;
}

const chunked = (input: fc.Arbitrary<Buffer>, maxChunk?: number): fc.Arbitrary<Buffer[]> =>
  fc.tuple(input, chunking).map(([bytes, how]) => split(bytes, how, maxChunk));

const ends = fc.constantFrom<ConnectionEnd>('closed', 'reset', 'timeout');
const clientNames = fc.constantFrom(...CLIENT_NAMES);

/**
 * A TLS 1.3 flight whose encrypted part was mutated before encryption, so that it decrypts and the inner
 * reassembler and Certificate parser see the mutations: a mutated inner handshake stream cut into records of
 * random content types and padding, for a random suite; sometimes the wire bytes are mutated too.
 */
const tls13Mutated: fc.Arbitrary<Buffer> = fc
  .record({
    suite: fc.constantFrom(0x1301, 0x1302, 0x1303),
    stream: fc.oneof({ weight: 4, arbitrary: mutated(TLS13_INNER_SEEDS) }, randomHandshakes),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    types: fc.array(fc.oneof({ weight: 40, arbitrary: fc.constant(22) }, fc.constantFrom(0, 20, 21, 23, 24), fc.nat(255)), { maxLength: 8 }),
    padding: fc.array(
      fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 300 }) }, fc.constant(MAX_RECORD_LENGTH)),
      { maxLength: 8 },
    ),
    wire: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, fc.array(opArbitrary, { minLength: 1, maxLength: 2 })),
  })
  .map(({ suite, stream, cuts, types, padding, wire }) => {
    const contents = split(stream, { cuts }, 2 ** 14).map((content, i) => ({ type: types[i] ?? 22, content, padding: Math.min(padding[i] ?? 0, 0xffff - 17 - content.length) }));
    const flight = tls13Flight(CLIENTS['tls1.0-1.3'], suite, contents);
    return wire.length > 0 ? applyOps(flight, recordFields(flight), wire) : flight;
  });

// ---------------------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------------------

const OUTCOME_KINDS: ReadonlySet<string> = new Set(['server-hello', 'hello-retry-request', 'alert', 'not-tls', 'protocol-error', 'closed', 'reset', 'timeout']);

function checkOutcome(outcome: HelloOutcome | undefined): void {
  check(outcome !== undefined && OUTCOME_KINDS.has(outcome.kind), `an outcome of no known kind: ${JSON.stringify(outcome)}`);
  if (outcome?.kind === 'protocol-error') {
    check(!outcome.detail.startsWith('internal error'), `the analyser caught an exception other than TlsParseError: ${outcome.detail}`);
  }
  if (outcome?.kind === 'server-hello') {
    for (const der of outcome.hello.certificates ?? []) check(der.length > 0, 'an empty certificate');
  }
}

export interface FuzzProperty {
  name: string;
  /** What the largest single allocation is checked against, and why. */
  limit: number;
  limitName: string;
  /** The fast-check property, measuring with `meter`. */
  build(meter: Meter): fc.IProperty<unknown[]>;
}

const define = <T>(name: string, limit: number, limitName: string, arbitrary: fc.Arbitrary<T>, body: (input: T, meter: Meter) => void): FuzzProperty => ({
  name,
  limit,
  limitName,
  build: (meter) => fc.property(arbitrary, (input) => body(input, meter)) as fc.IProperty<unknown[]>,
});

const RECORD_LIMIT_NAME = 'MAX_RECORD_LENGTH + record header';
const FLIGHT_LIMIT_NAME = 'maxFlightBytes';

/** Steps the analyser through chunks to an outcome, checking it never throws and goes quiet once it has one. */
function analyseInChunks(meter: Meter, client: ClientHelloState, chunks: Buffer[], end: ConnectionEnd): HelloOutcome {
  const analyser = new ServerFlightAnalyser(client, FUZZ_LIMITS, fixedKeyShare);
  let outcome: HelloOutcome | undefined;
  for (const chunk of chunks) {
    const step = meter.total(() => analyser.push(chunk));
    if (outcome) check(step.outcome === undefined && step.send === undefined, 'the analyser answered after its outcome');
    outcome ??= step.outcome;
  }
  outcome ??= meter.total(() => analyser.end(end));
  checkOutcome(outcome);
  return outcome;
}

export const PROPERTIES: FuzzProperty[] = [
  define(
    'parseRecords / parseRecordHeader',
    RECORD_ALLOCATION_LIMIT,
    RECORD_LIMIT_NAME,
    fc.tuple(fc.oneof({ weight: 3, arbitrary: mutated(FLIGHT_SEEDS) }, { weight: 2, arbitrary: randomRecords }, { weight: 1, arbitrary: randomBytes(300) }), fc.nat()),
    ([bytes, at], meter) => {
      const parsed = meter.parse(() => parseRecords(bytes));
      if (parsed) {
        check(parsed.consumed <= bytes.length, 'consumed more than it was given');
        const total = parsed.records.reduce((sum, r) => sum + RECORD_HEADER_LENGTH + r.fragment.length, 0);
        check(total === parsed.consumed, `records of ${total} bytes, consumed ${parsed.consumed}`);
        for (const r of parsed.records) check(r.fragment.length <= MAX_RECORD_LENGTH, `a record of ${r.fragment.length} bytes`);
      }
      const offset = at % (bytes.length + 6);
      const header = meter.parse(() => parseRecordHeader(bytes, offset));
      if (bytes.length - offset < RECORD_HEADER_LENGTH) check(header === undefined, 'a header from fewer than 5 bytes');
      if (header) check(header.length <= MAX_RECORD_LENGTH && header.version >> 8 === 3, `an impossible header ${JSON.stringify(header)}`);
    },
  ),
  define(
    'parseServerHello',
    RECORD_ALLOCATION_LIMIT,
    RECORD_LIMIT_NAME,
    fc.oneof({ weight: 4, arbitrary: mutated(SERVER_HELLO_SEEDS) }, randomBytes(200)),
    (body, meter) => {
      const hello = meter.parse(() => parseServerHello(body));
      if (!hello) return;
      check(hello.random.length === 32 && hello.sessionId.length <= 32, 'a bad random or session id');
      check(hello.isHelloRetryRequest === hello.random.equals(HELLO_RETRY_REQUEST_RANDOM), 'isHelloRetryRequest disagrees with the random');
      check(new Set(hello.extensions.map((e) => e.type)).size === hello.extensions.length, 'a duplicated extension');
      if (hello.isHelloRetryRequest) check(hello.keyShare?.keyExchange === undefined, 'a key exchange in a HelloRetryRequest');
      else if (hello.keyShare) check((hello.keyShare.keyExchange?.length ?? 0) > 0, 'an empty key share');
    },
  ),
  define(
    'parseCertificateMessage',
    RECORD_ALLOCATION_LIMIT,
    RECORD_LIMIT_NAME,
    fc.tuple(fc.oneof({ weight: 4, arbitrary: mutated(CERTIFICATE_SEEDS) }, randomBytes(200)), fc.boolean()),
    ([body, tls13], meter) => {
      const certificates = meter.parse(() => parseCertificateMessage(body, tls13));
      if (!certificates) return;
      check(certificates.every((c) => c.length > 0), 'an empty certificate');
      check(certificates.reduce((sum, c) => sum + c.length, 0) <= body.length, 'more certificate bytes than input');
    },
  ),
  define(
    'parseAlert / parseServerKeyExchangeGroup',
    RECORD_ALLOCATION_LIMIT,
    RECORD_LIMIT_NAME,
    fc.tuple(fc.oneof(mutated(ALERT_SEEDS), randomBytes(8)), fc.oneof({ weight: 3, arbitrary: mutated(SERVER_KEY_EXCHANGE_SEEDS) }, randomBytes(8))),
    ([fragment, ske], meter) => {
      const alert = meter.parse(() => parseAlert(fragment));
      check((alert !== undefined) === fragment.length >= 2, `parseAlert of ${fragment.length} bytes`);
      if (alert) check(alert.level === fragment[0] && alert.description === fragment[1], 'not the first alert');
      const parsed = meter.parse(() => ({ group: parseServerKeyExchangeGroup(ske) }));
      const shouldThrow = ske.length === 0 || (ske[0] === 3 && ske.length < 3);
      check((parsed === undefined) === shouldThrow, `parseServerKeyExchangeGroup of ${ske.toString('hex')}`);
      if (parsed) check(parsed.group === (ske[0] === 3 ? ske.readUInt16BE(1) : undefined), 'the wrong group');
    },
  ),
  define(
    'HandshakeReassembler',
    MESSAGE_ALLOCATION_LIMIT,
    'maxMessageBytes + handshake header',
    chunked(fc.oneof({ weight: 4, arbitrary: mutated(HANDSHAKE_STREAM_SEEDS) }, randomHandshakes, randomBytes(100)), MAX_RECORD_LENGTH),
    (fragments, meter) => {
      const reassembler = new HandshakeReassembler(FUZZ_LIMITS.maxMessageBytes);
      let pushed = 0;
      let emitted = 0;
      const stream = Buffer.concat(fragments);
      for (const fragment of fragments) {
        const messages = meter.parse(() => reassembler.push(fragment));
        if (!messages) return;
        pushed += fragment.length;
        for (const m of messages) {
          check(m.raw.length <= MESSAGE_ALLOCATION_LIMIT && m.raw.length === HANDSHAKE_HEADER_LENGTH + m.body.length, `a message of ${m.raw.length} bytes`);
          check(m.raw.equals(stream.subarray(emitted, emitted + m.raw.length)) && m.type === m.raw[0], 'a message that is not the next bytes pushed');
          emitted += m.raw.length;
        }
        check(reassembler.hasPartial === emitted < pushed, `hasPartial ${reassembler.hasPartial} with ${pushed - emitted} bytes pending`);
      }
    },
  ),
  define(
    'ServerFlightReader.push (chunked)',
    FUZZ_LIMITS.maxFlightBytes,
    FLIGHT_LIMIT_NAME,
    chunked(anyFlight),
    (chunks, meter) => {
      const reader = new ServerFlightReader(FUZZ_LIMITS);
      let pushed = 0;
      for (const chunk of chunks) {
        const events = meter.parse(() => reader.push(chunk));
        if (!events) return;
        pushed += chunk.length;
        check(reader.bytesReceived === pushed && pushed <= FUZZ_LIMITS.maxFlightBytes, `bytesReceived ${reader.bytesReceived}, pushed ${pushed}`);
        for (const e of events) {
          if (e.kind === 'handshake') check(e.message.raw.length <= MESSAGE_ALLOCATION_LIMIT, `a handshake message of ${e.message.raw.length} bytes`);
          if (e.kind === 'encrypted') check(e.record.fragment.length <= MAX_RECORD_LENGTH, 'an oversized record');
        }
      }
    },
  ),
  define(
    'analyseServerFlight',
    FUZZ_LIMITS.maxFlightBytes,
    FLIGHT_LIMIT_NAME,
    fc.tuple(clientNames, anyFlight, ends),
    ([client, bytes, end], meter) => {
      checkOutcome(meter.total(() => analyseServerFlight(CLIENTS[client], bytes, end, FUZZ_LIMITS)));
    },
  ),
  define(
    'ServerFlightAnalyser.push (chunked)',
    FUZZ_LIMITS.maxFlightBytes,
    FLIGHT_LIMIT_NAME,
    fc.tuple(clientNames, chunked(anyFlight), ends),
    ([client, chunks, end], meter) => {
      analyseInChunks(meter, CLIENTS[client], chunks, end);
    },
  ),
  define(
    'ServerFlightAnalyser: the verdict does not depend on how TCP split the bytes',
    FUZZ_LIMITS.maxFlightBytes,
    FLIGHT_LIMIT_NAME,
    // Within the flight limit: past it the analyser stops at the first chunk that crosses it, by design.
    fc.tuple(clientNames, chunked(anyFlight), ends).filter(([, chunks]) => chunks.reduce((n, c) => n + c.length, 0) <= FUZZ_LIMITS.maxFlightBytes),
    ([client, chunks, end], meter) => {
      // A not-TLS answer is decided on the first bytes; how many of them the evidence shows depends on the chunk.
      const verdict = (o: HelloOutcome) => JSON.stringify(o.kind === 'not-tls' ? { kind: o.kind } : o);
      const split = verdict(analyseInChunks(meter, CLIENTS[client], chunks, end));
      const whole = verdict(analyseInChunks(meter, CLIENTS[client], [Buffer.concat(chunks)], end));
      check(split === whole, `split ${split.slice(0, 300)} but whole ${whole.slice(0, 300)}`);
    },
  ),
  define(
    'ServerFlightAnalyser.push, TLS 1.3 with mutated encrypted messages',
    FUZZ_LIMITS.maxFlightBytes,
    FLIGHT_LIMIT_NAME,
    fc.tuple(chunked(tls13Mutated), ends),
    ([chunks, end], meter) => {
      analyseInChunks(meter, CLIENTS['tls1.0-1.3'], chunks, end);
    },
  ),
  define(
    'analyzeChain over mutated X.509 DER',
    RECORD_ALLOCATION_LIMIT,
    RECORD_LIMIT_NAME,
    fc.tuple(fc.oneof({ weight: 5, arbitrary: mutated(X509_SEEDS, 4) }, randomBytes(300)), fc.nat(3), fc.constantFrom('origin.example.com', 'Origin.Example.COM.', '')),
    ([der, position, serverName], meter) => {
      // The mutated certificate among valid ones, first or later: its problems must never become other certificates'.
      const chain: Buffer[] = [EC_CERT, RSA_CERT, EC_CERT];
      chain.splice(position % 3, 0, der);
      const trust = fuzzTrust();
      const result = meter.total(() => analyzeChain(chain, { serverName, now: FUZZ_NOW, trust, expiryWarningDays: 30 }));
      check(typeof result.trustStore === 'string' && Array.isArray(result.problems), 'no analysis');
      if (result.certificateError) {
        check(result.problems.length === 0, `findings beside an unparsable certificate: ${result.problems.map((p) => p.code).join(', ')}`);
        check(/^certificate \d+ \(\d+ bytes\) cannot be parsed: /.test(result.certificateError), `an unclear parse error: ${result.certificateError}`);
      }
      for (const p of result.problems) {
        check(lookupFinding(p.code) !== undefined, `a problem code the catalogue lacks: ${p.code}`);
        check(typeof p.detail === 'string' && p.detail.length > 0 && !p.detail.includes('undefined'), `a bad detail: ${p.detail}`);
      }
    },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------------------------

export interface PropertyReport {
  name: string;
  runs: number;
  ms: number;
  largestAllocation: Allocation;
  limit: number;
  limitName: string;
  seed: number;
  /** fast-check's report (seed, path, counterexample, error) when the property failed. */
  failure?: string;
}

export interface RunOptions {
  numRuns: number;
  seed?: number;
  /** fast-check's replay path, with `seed`, to re-run one counterexample. */
  path?: string;
}

export function runProperty(property: FuzzProperty, options: RunOptions): PropertyReport {
  const meter = new Meter(property.limit);
  const started = performance.now();
  const details = fc.check(property.build(meter), {
    numRuns: options.numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  const report: PropertyReport = {
    name: property.name,
    runs: details.numRuns,
    ms: performance.now() - started,
    largestAllocation: meter.largest,
    limit: property.limit,
    limitName: property.limitName,
    seed: details.seed,
  };
  if (details.failed) report.failure = describeFailure(details);
  return report;
}

/** Buffers as hex (long ones cut: replay with the seed and path for the whole input). */
export function compact(value: unknown, maxBytes = 512): string {
  if (Buffer.isBuffer(value)) {
    const hex = value.subarray(0, maxBytes).toString('hex');
    return value.length > maxBytes ? `<${value.length} bytes: ${hex}...>` : `hex'${hex}'`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => compact(v, maxBytes)).join(', ')}]`;
  return JSON.stringify(value) ?? String(value);
}

function describeFailure(details: fc.RunDetails<unknown[]>): string {
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return [
    `failed after ${details.numRuns} runs (${details.numShrinks} shrinks): ${error}`,
    `reproduce: npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath} --only '<name>'`,
    `counterexample: ${compact(details.counterexample)}`,
  ].join('\n');
}
