/**
 * Just enough TLS 1.3 cryptography to read the server's encrypted first flight: our key shares, the key schedule
 * up to the server handshake traffic keys (RFC 8446 7.1), and record decryption (RFC 8446 5.2).
 */
import {
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from 'node:crypto';
import { GROUP, HANDSHAKE_TYPE } from './tls-constants';

export interface KeyShare {
  group: number;
  /** The key_exchange bytes sent in the ClientHello. */
  publicKey: Buffer;
  /** The (EC)DHE shared secret with the server's key_exchange bytes; throws on an invalid point. */
  computeSecret(serverKeyExchange: Buffer): Buffer;
}

/**
 * The Montgomery groups, as JWK curve names. Keys go in and out as JWK (raw bytes, base64url), not DER: OpenSSL 3's
 * DER decoder made importing and exporting cost 4x the key exchange itself (measured: about 1.3 ms against 0.36 ms
 * per handshake on the benchmark machine).
 */
const MONTGOMERY = {
  [GROUP.x25519]: { type: 'x25519', crv: 'X25519', length: 32 },
  [GROUP.x448]: { type: 'x448', crv: 'X448', length: 56 },
} as const;

const NIST_CURVES: Readonly<Record<number, string>> = {
  [GROUP.secp256r1]: 'prime256v1',
  [GROUP.secp384r1]: 'secp384r1',
  [GROUP.secp521r1]: 'secp521r1',
};

export function canComputeKeyShare(group: number): boolean {
  return group in MONTGOMERY || group in NIST_CURVES;
}

function montgomeryKeyShare(group: 29 | 30): KeyShare {
  const { type, crv, length } = MONTGOMERY[group];
  const { publicKey, privateKey } =
    type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  return {
    group,
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'),
    computeSecret(serverKeyExchange) {
      if (serverKeyExchange.length !== length) throw new Error(`${crv} key_exchange of ${serverKeyExchange.length} bytes, expected ${length}`);
      const peer = createPublicKey({ key: { kty: 'OKP', crv, x: serverKeyExchange.toString('base64url') }, format: 'jwk' });
      return diffieHellman({ privateKey, publicKey: peer });
    },
  };
}

function nistKeyShare(group: number, curve: string): KeyShare {
  const ecdh = createECDH(curve);
  // Uncompressed point (0x04 || X || Y), as TLS 1.3 requires; computeSecret returns X, the TLS shared secret.
  const publicKey = ecdh.generateKeys();
  return { group, publicKey, computeSecret: (serverKeyExchange) => ecdh.computeSecret(serverKeyExchange) };
}

/**
 * A key share for a first ClientHello, reused for a while: at most KEY_REUSE_HELLOS hellos and KEY_REUSE_MS. The
 * prober never completes a handshake and sends no data, so its key protects nothing but the reading of the server's
 * certificates; a fresh pair per connection buys no secrecy and costs a key generation each (about a quarter of a
 * healthy TLS 1.3 origin's CPU). The shared secret is still computed per connection, from the server's share.
 */
export function reusableKeyShare(group: number, now = Date.now()): KeyShare | undefined {
  const held = reusable.get(group);
  if (held && held.uses < KEY_REUSE_HELLOS && now - held.since < KEY_REUSE_MS) {
    held.uses++;
    return held.share;
  }
  const share = generateKeyShare(group);
  if (share) reusable.set(group, { share, uses: 1, since: now });
  return share;
}
export const KEY_REUSE_HELLOS = 256;
export const KEY_REUSE_MS = 10_000;
const reusable = new Map<number, { share: KeyShare; uses: number; since: number }>();

/** A fresh key share; undefined for a group this client cannot compute (ffdhe, hybrids). */
export function generateKeyShare(group: number): KeyShare | undefined {
  if (group === 29 || group === 30) return montgomeryKeyShare(group);
  const curve = NIST_CURVES[group];
  return curve ? nistKeyShare(group, curve) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Key schedule
// ---------------------------------------------------------------------------------------------------------------

export type HashName = 'sha256' | 'sha384';

export interface Tls13Suite {
  suite: number;
  hash: HashName;
  hashLength: number;
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: number;
}

const TLS13_SUITES: readonly Tls13Suite[] = [
  { suite: 0x1301, hash: 'sha256', hashLength: 32, cipher: 'aes-128-gcm', keyLength: 16 },
  { suite: 0x1302, hash: 'sha384', hashLength: 48, cipher: 'aes-256-gcm', keyLength: 32 },
  { suite: 0x1303, hash: 'sha256', hashLength: 32, cipher: 'chacha20-poly1305', keyLength: 32 },
];

export function tls13Suite(code: number): Tls13Suite | undefined {
  return TLS13_SUITES.find((s) => s.suite === code);
}

export function hkdfExtract(hash: HashName, salt: Buffer, ikm: Buffer): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

/** RFC 5869 2.3. */
export function hkdfExpand(hash: HashName, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, produced = 0; produced < length; i++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
    produced += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RFC 8446 7.1: HKDF-Expand-Label(Secret, Label, Context, Length). */
export function hkdfExpandLabel(hash: HashName, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.of(length >> 8, length & 0xff, fullLabel.length),
    fullLabel,
    Buffer.of(context.length),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

export function hashOf(hash: HashName, ...parts: Buffer[]): Buffer {
  const h = createHash(hash);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** RFC 8446 4.4.1: the synthetic message that replaces ClientHello1 in the transcript after a HelloRetryRequest. */
export function messageHash(hash: HashName, clientHello1: Buffer): Buffer {
  const digest = hashOf(hash, clientHello1);
  return Buffer.concat([Buffer.of(HANDSHAKE_TYPE.MESSAGE_HASH, 0, 0, digest.length), digest]);
}

/**
 * Transcript-Hash(ClientHello ... ServerHello). With a HelloRetryRequest the messages are
 * [ClientHello1, HelloRetryRequest, ClientHello2, ServerHello] and ClientHello1 is replaced by its message_hash.
 */
export function transcriptHash(hash: HashName, messages: readonly Buffer[], helloRetried: boolean): Buffer {
  const [first, ...rest] = messages;
  return hashOf(hash, helloRetried ? messageHash(hash, first) : first, ...rest);
}

export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

/** The schedule from a zero PSK to server_handshake_traffic_secret, then its key and IV. */
export function serverHandshakeKeys(suite: Tls13Suite, sharedSecret: Buffer, helloTranscriptHash: Buffer): TrafficKeys {
  const derived = derivedFromZeroPsk(suite);
  const handshakeSecret = hkdfExtract(suite.hash, derived, sharedSecret);
  const trafficSecret = hkdfExpandLabel(suite.hash, handshakeSecret, 's hs traffic', helloTranscriptHash, suite.hashLength);
  return {
    key: hkdfExpandLabel(suite.hash, trafficSecret, 'key', Buffer.alloc(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, trafficSecret, 'iv', Buffer.alloc(0), 12),
  };
}

/** Derive-Secret(Early Secret with no PSK, "derived", ""): the same for every connection of a hash. */
const zeroPskDerived = new Map<HashName, Buffer>();
function derivedFromZeroPsk(suite: Tls13Suite): Buffer {
  let derived = zeroPskDerived.get(suite.hash);
  if (!derived) {
    const zeros = Buffer.alloc(suite.hashLength);
    const earlySecret = hkdfExtract(suite.hash, zeros, zeros);
    derived = hkdfExpandLabel(suite.hash, earlySecret, 'derived', hashOf(suite.hash), suite.hashLength);
    zeroPskDerived.set(suite.hash, derived);
  }
  return derived;
}

export interface InnerPlaintext {
  type: number;
  content: Buffer;
}

const TAG_LENGTH = 16;

/** Decrypts one direction's records in sequence. Throws (a node:crypto error) when a record does not authenticate. */
export class RecordDecryptor {
  private sequence = 0n;

  constructor(
    private readonly suite: Tls13Suite,
    private readonly keys: TrafficKeys,
  ) {}

  decrypt(header: Buffer, payload: Buffer): InnerPlaintext {
    if (payload.length < TAG_LENGTH + 1) throw new Error(`encrypted record of ${payload.length} bytes`);
    const decipher = aeadDecipher(this.suite.cipher, this.keys.key, this.nonce());
    decipher.setAAD(header, { plaintextLength: payload.length - TAG_LENGTH });
    decipher.setAuthTag(payload.subarray(payload.length - TAG_LENGTH));
    const plaintext = Buffer.concat([decipher.update(payload.subarray(0, payload.length - TAG_LENGTH)), decipher.final()]);
    this.sequence++;
    return splitInnerPlaintext(plaintext);
  }

  private nonce(): Buffer {
    const nonce = Buffer.from(this.keys.iv);
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(this.sequence);
    for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i] ^= seq[i];
    return nonce;
  }
}

// Two calls so that each matches its typed overload of createDecipheriv.
function aeadDecipher(cipher: Tls13Suite['cipher'], key: Buffer, nonce: Buffer) {
  const options = { authTagLength: TAG_LENGTH };
  return cipher === 'chacha20-poly1305'
    ? createDecipheriv(cipher, key, nonce, options)
    : createDecipheriv(cipher, key, nonce, options);
}

/** RFC 8446 5.2: content || type || zero padding. */
function splitInnerPlaintext(plaintext: Buffer): InnerPlaintext {
  let end = plaintext.length - 1;
  while (end >= 0 && plaintext[end] === 0) end--;
  if (end < 0) throw new Error('decrypted record has no content type');
  return { type: plaintext[end], content: plaintext.subarray(0, end) };
}
