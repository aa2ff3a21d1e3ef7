/**
 * Certificates for the differential suite: any extension set, made with @peculiar/x509 over node's webcrypto.
 * Nothing here is written outside os.tmpdir(); never commit what it generates.
 */
import '../../demo/reflect-metadata-shim';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type KeyKind = 'ec' | 'rsa' | 'rsa1024';

export interface Issued {
  pem: string;
  keyPem: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface CertSpec {
  /** RFC 4514-ish string for @peculiar/x509; '' for an empty subject. */
  subject: string;
  keys: CryptoKeyPair;
  /** Absent: self-signed. */
  issuer?: Issued;
  notBefore?: Date;
  notAfter?: Date;
  /** basicConstraints: true/false (critical), { pathLen }, or 'none' (no extension). Default: none for a leaf. */
  ca?: boolean | { pathLen: number } | 'none';
  /** keyUsage flags, or 'none'. */
  keyUsage?: number | 'none';
  /** extendedKeyUsage OIDs, or 'none'. */
  eku?: string[] | 'none';
  san?: { type: 'dns' | 'ip' | 'url' | 'email'; value: string }[];
  extra?: x509.Extension[];
  hash?: 'SHA-256' | 'SHA-1';
}

const DAY = 86_400_000;
const KEY_CACHE = new Map<string, Promise<CryptoKeyPair>>();

export function keys(kind: KeyKind, slot = 'default'): Promise<CryptoKeyPair> {
  const id = `${kind}/${slot}`;
  let k = KEY_CACHE.get(id);
  if (!k) {
    const alg =
      kind === 'ec'
        ? { name: 'ECDSA', namedCurve: 'P-256' }
        : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: kind === 'rsa' ? 2048 : 1024 };
    k = webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    KEY_CACHE.set(id, k);
  }
  return k;
}

function signingAlgorithm(key: webcrypto.CryptoKey, hash: string) {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5', hash };
}

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  any: '2.5.29.37.0',
};
export const KU = x509.KeyUsageFlags;

export async function issue(spec: CertSpec): Promise<Issued> {
  const signer = spec.issuer?.keys ?? spec.keys;
  const extensions: x509.Extension[] = [];
  if (spec.ca !== undefined && spec.ca !== 'none') {
    extensions.push(
      typeof spec.ca === 'boolean'
        ? new x509.BasicConstraintsExtension(spec.ca, undefined, true)
        : new x509.BasicConstraintsExtension(true, spec.ca.pathLen, true),
    );
  }
  if (spec.keyUsage !== undefined && spec.keyUsage !== 'none') extensions.push(new x509.KeyUsagesExtension(spec.keyUsage, true));
  if (spec.eku !== undefined && spec.eku !== 'none') extensions.push(new x509.ExtendedKeyUsageExtension(spec.eku));
  if (spec.san?.length) extensions.push(new x509.SubjectAlternativeNameExtension(spec.san));
  extensions.push(...(spec.extra ?? []));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spec.keys.publicKey));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signer.publicKey));
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 1;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: spec.subject,
    issuer: spec.issuer ? spec.issuer.cert.subjectName : spec.subject,
    notBefore: spec.notBefore ?? new Date(Date.now() - DAY),
    notAfter: spec.notAfter ?? new Date(Date.now() + 365 * DAY),
    publicKey: spec.keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signingAlgorithm(signer.privateKey, spec.hash ?? 'SHA-256'),
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', spec.keys.privateKey);
  return { pem: `${cert.toString('pem')}\n`, keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`, keys: spec.keys, cert };
}

/** A CA certificate with the usual extensions (CA:TRUE critical, keyCertSign|cRLSign). */
export function ca(subject: string, k: CryptoKeyPair, issuer?: Issued, more: Partial<CertSpec> = {}): Promise<Issued> {
  return issue({ subject, keys: k, ...(issuer ? { issuer } : {}), ca: true, keyUsage: KU.keyCertSign | KU.cRLSign, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() + 3650 * DAY), ...more });
}

/** A TLS server certificate as public CAs issue them (digitalSignature, serverAuth, SAN). */
export function leaf(names: string[], k: CryptoKeyPair, issuer: Issued | undefined, more: Partial<CertSpec> = {}): Promise<Issued> {
  return issue({
    subject: `CN=${names[0] ?? 'leaf'}, O=s2n differential`,
    keys: k,
    ...(issuer ? { issuer } : {}),
    ca: false,
    keyUsage: KU.digitalSignature | KU.keyEncipherment,
    eku: [EKU.serverAuth],
    san: names.map((value) => ({ type: 'dns' as const, value })),
    ...more,
  });
}

export function unknownExtension(critical: boolean): x509.Extension {
  return new x509.Extension('1.3.6.1.4.1.55555.7.1', critical, new Uint8Array([0x05, 0x00]));
}

export function nameConstraints(permitted: string[], excluded: string[]): x509.Extension {
  const subtrees = (names: string[]) => new GeneralSubtrees(names.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })));
  const nc = new NameConstraints({
    ...(permitted.length ? { permittedSubtrees: subtrees(permitted) } : {}),
    ...(excluded.length ? { excludedSubtrees: subtrees(excluded) } : {}),
  });
  return new x509.Extension('2.5.29.30', true, AsnConvert.serialize(nc));
}
