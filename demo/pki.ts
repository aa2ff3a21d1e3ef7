/**
 * The demo's (and the tests') certificate factory: real X.509 certificates (root CA -> intermediate CA -> leaf) made with @peculiar/x509
 * over node's webcrypto, usable by node:tls servers and `openssl s_server`. Never commit what it generates.
 */
import './reflect-metadata-shim';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

export type KeyType = 'ec' | 'rsa';

export interface IssuedCert {
  certPem: string;
  /** PKCS#8 PEM, usable as `key` by node:tls createServer. */
  keyPem: string;
  der: Buffer;
  x509: X509Certificate;
  /** What the factory signs with and re-issues from (cross-signing, re-issued intermediates). */
  keys: CryptoKeyPair;
  generated: x509.X509Certificate;
}

export interface ValidityOptions {
  notBefore?: Date;
  notAfter?: Date;
}

export interface LeafOptions extends ValidityOptions {
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Default: the first DNS name, else the first IP address, else `leaf`. */
  commonName?: string;
  issuer?: 'intermediate' | 'root';
  keyType?: KeyType;
  /** No subjectAltName extension at all (names only in the CN). */
  noSan?: boolean;
  /** Extended key usages (default serverAuth); `clientAuth` for a client certificate (origin mTLS). */
  extendedKeyUsages?: ('serverAuth' | 'clientAuth')[];
}

export interface Pki {
  root: IssuedCert;
  intermediate: IssuedCert;
  issueLeaf(opts: LeafOptions): Promise<IssuedCert>;
  /** Re-issues the intermediate (same subject and key, so existing leaves still chain to it) with other dates. */
  issueIntermediate(opts: ValidityOptions): Promise<IssuedCert>;
  /** A certificate for `subject`'s name and key, issued by this PKI's root: a cross-signature. */
  crossSign(subject: IssuedCert, opts?: ValidityOptions): Promise<IssuedCert>;
}

const DAY_MS = 86_400_000;
let counter = 0;

function keyAlgorithm(keyType: KeyType): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return keyType === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

function signingAlgorithm(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

async function generateKeys(keyType: KeyType): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyAlgorithm(keyType), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** 16 random bytes, first one kept below 0x80 so the INTEGER stays positive without padding. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function defaultValidity(opts: ValidityOptions): Required<ValidityOptions> {
  const now = Date.now();
  return {
    notBefore: opts.notBefore ?? new Date(now - DAY_MS),
    notAfter: opts.notAfter ?? new Date(now + 365 * DAY_MS),
  };
}

async function toIssued(generated: x509.X509Certificate, keys: CryptoKeyPair): Promise<IssuedCert> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const der = Buffer.from(generated.rawData);
  return {
    certPem: generated.toString('pem') + '\n',
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n',
    der,
    x509: new X509Certificate(der),
    keys,
    generated,
  };
}

interface SignRequest extends ValidityOptions {
  subject: string | x509.Name;
  keys: CryptoKeyPair;
  /** Absent: self-signed. */
  issuer?: IssuedCert;
  extensions: x509.Extension[];
}

async function sign(req: SignRequest): Promise<IssuedCert> {
  const issuerKeys = req.issuer?.keys ?? req.keys;
  const extensions = [
    ...req.extensions,
    await x509.SubjectKeyIdentifierExtension.create(req.keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuerKeys.publicKey),
  ];
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: req.subject,
    // The issuer's subject as encoded, so name matching is byte-exact.
    issuer: req.issuer ? req.issuer.generated.subjectName : req.subject,
    ...defaultValidity(req),
    publicKey: req.keys.publicKey,
    signingKey: issuerKeys.privateKey,
    signingAlgorithm: signingAlgorithm(issuerKeys.privateKey),
    extensions,
  });
  return toIssued(generated, req.keys);
}

function caExtensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

function leafExtensions(opts: LeafOptions, keyType: KeyType): x509.Extension[] {
  const usage =
    keyType === 'rsa'
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension((opts.extendedKeyUsages ?? ['serverAuth']).map((u) => x509.ExtendedKeyUsage[u])),
  ];
  const names = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (!opts.noSan && names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  return extensions;
}

function leafSubject(opts: LeafOptions): string {
  const cn = opts.commonName ?? opts.dnsNames?.[0] ?? opts.ipAddresses?.[0] ?? 'leaf';
  return `CN=${cn}, O=cfom test leaf ${++counter}`;
}

/** A self-signed leaf (CA:false, serverAuth), as `openssl req -x509` would make for a server. */
export async function selfSigned(opts: LeafOptions): Promise<IssuedCert> {
  const keyType = opts.keyType ?? 'ec';
  return sign({
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    subject: leafSubject(opts),
    keys: await generateKeys(keyType),
    extensions: leafExtensions(opts, keyType),
  });
}

export async function createPki(opts: { keyType?: KeyType; name?: string } = {}): Promise<Pki> {
  const keyType = opts.keyType ?? 'ec';
  const label = `${opts.name ?? 'pki'} ${++counter} ${randomBytes(4).toString('hex')}`;
  const longValidity = { notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() + 3650 * DAY_MS) };
  const root = await sign({
    subject: `CN=cfom test root ${label}, O=cfom tests`,
    keys: await generateKeys(keyType),
    extensions: caExtensions(),
    ...longValidity,
  });
  const intermediateSubject = `CN=cfom test intermediate ${label}, O=cfom tests`;
  const intermediateKeys = await generateKeys(keyType);
  const issueIntermediate = (validity: ValidityOptions) =>
    sign({ subject: intermediateSubject, keys: intermediateKeys, issuer: root, extensions: caExtensions(), ...validity });
  const intermediate = await issueIntermediate(longValidity);

  return {
    root,
    intermediate,
    issueIntermediate,
    issueLeaf: async (leaf) => {
      const leafKeyType = leaf.keyType ?? keyType;
      return sign({
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        subject: leafSubject(leaf),
        keys: await generateKeys(leafKeyType),
        issuer: leaf.issuer === 'root' ? root : intermediate,
        extensions: leafExtensions(leaf, leafKeyType),
      });
    },
    crossSign: (subject, validity = {}) =>
      sign({
        subject: subject.generated.subjectName,
        keys: subject.keys,
        issuer: root,
        extensions: caExtensions(),
        ...validity,
      }),
  };
}

/** PEMs joined in the order given (wrong-order and incomplete chains are built by choosing the order). */
export function chainPem(...certs: (IssuedCert | string)[]): string {
  return certs.map((c) => (typeof c === 'string' ? c : c.certPem)).join('');
}

export interface TempFiles {
  dir: string;
  /** File name -> absolute path. */
  paths: Record<string, string>;
  cleanup(): void;
}

/** Writes `{ 'cert.pem': pem, ... }` into a fresh directory under os.tmpdir() (e.g. for `openssl s_server`). */
export function writeTempFiles(files: Record<string, string>): TempFiles {
  const dir = mkdtempSync(join(tmpdir(), 'cfom-pki-'));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], content, { mode: 0o600 });
  }
  return { dir, paths, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
