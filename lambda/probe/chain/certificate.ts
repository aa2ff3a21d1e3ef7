/**
 * One certificate as the checks need it: node's X509Certificate (OpenSSL) for what OpenSSL does natively (parse,
 * key, fingerprint, signature verification) and @peculiar/asn1-x509 for the fields s2n's validator looks at
 * (names, dates and the extensions). The asn1 schema library is the one @peculiar/x509 is built on, without its
 * dependency-injection container and WebCrypto layer, which a scan does not need.
 */
import type { Certificate, GeneralName, Name } from '@peculiar/asn1-x509';
import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../../model';

/**
 * The ASN.1 libraries load at the first certificate parsed, not with the scanner: they are about 40 ms of start-up
 * (some 80 files) that a scan with no TLS origin, e.g. an empty inventory, never needs. (require, not import(): the
 * bundles and tsx's CommonJS hook resolve it.)
 */
let asn1Libs: (typeof import('@peculiar/asn1-schema') & typeof import('@peculiar/asn1-x509')) | undefined;
function asn1(): typeof import('@peculiar/asn1-schema') & typeof import('@peculiar/asn1-x509') {
  /* eslint-disable @typescript-eslint/no-require-imports */
  asn1Libs ??= { ...(require('@peculiar/asn1-schema') as typeof import('@peculiar/asn1-schema')), ...(require('@peculiar/asn1-x509') as typeof import('@peculiar/asn1-x509')) };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return asn1Libs;
}

/** Loads the ASN.1 libraries now (a scan with TLS origins calls it while its first handshakes are on the wire). */
export function preloadCertificateParser(): void {
  asn1();
}

/** The extensions read here (@peculiar/asn1-x509's id_ce_*, which test/probe/chain-certificate-lazy.test.ts holds these equal to). */
export const OID = {
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  extKeyUsage: '2.5.29.37',
} as const;

/** RFC 5280 KeyUsage bits as KeyUsage.toNumber() gives them (@peculiar/asn1-x509's KeyUsageFlags; the same test). */
export const KeyUsageFlags = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;
export type KeyUsageFlags = (typeof KeyUsageFlags)[keyof typeof KeyUsageFlags];

/** Netscape Cert Type (OpenSSL's X509_check_purpose still reads it). */
export const ID_NETSCAPE_CERT_TYPE = '2.16.840.1.113730.1.1';
const NS_SSL_SERVER = 0x40;
const NS_SSL_CA = 0x04;
const NS_ANY_CA = 0x07;

/**
 * Extensions OpenSSL understands, so that marking them critical is fine (OpenSSL 3 crypto/x509/v3_purp.c
 * X509_supported_extension). Any other critical extension fails X509_verify_cert (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION).
 */
export const SUPPORTED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  ID_NETSCAPE_CERT_TYPE,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  '2.5.29.32', // certificatePolicies
  '2.5.29.31', // cRLDistributionPoints
  OID.extKeyUsage,
  '1.3.6.1.5.5.7.1.7', // sbgp-ipAddrBlock
  '1.3.6.1.5.5.7.1.8', // sbgp-autonomousSysNum
  '1.3.6.1.5.5.7.48.1.5', // id-pkix-ocsp-nocheck
  '2.5.29.36', // policyConstraints
  '1.3.6.1.5.5.7.1.14', // proxyCertInfo
  OID.nameConstraints,
  '2.5.29.33', // policyMappings
  '2.5.29.54', // inhibitAnyPolicy
]);

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  /** Netscape and Microsoft Server Gated Crypto: OpenSSL accepts them for a TLS server (XKU_SGC). */
  nsSGC: '2.16.840.1.113730.4.1',
  msSGC: '1.3.6.1.4.1.311.10.3.3',
} as const;

export interface SanEntry {
  type: 'dns' | 'ip' | 'uri' | 'email' | 'other';
  value: string;
}

export interface CommonName {
  value: string;
  /** The ASN.1 string type: s2n takes a CN only of the X520CommonName types (tls/s2n_x509_validator.c:340-345). */
  stringType: 'utf8' | 'printable' | 'teletex' | 'bmp' | 'universal' | 'ia5' | 'other';
}

export interface ParsedCertificate {
  /** Position in the Certificate message (0 = first sent), or -1 for a trust anchor from the store. */
  index: number;
  der: Buffer;
  x509: X509Certificate;
  subject: string;
  issuer: string;
  /** Canonical keys (lower-cased, whitespace-collapsed attribute values) for name comparison, as OpenSSL's X509_NAME_cmp. */
  subjectKey: string;
  issuerKey: string;
  notBefore: Date;
  notAfter: Date;
  /** X.509 version 1 (no extensions). */
  v1: boolean;
  commonNames: CommonName[];
  san?: SanEntry[];
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** Bit flags (KeyUsageFlags). */
  keyUsage?: number;
  extendedKeyUsage?: string[];
  nameConstraints?: { permitted: SanEntry[]; excluded: SanEntry[] };
  nsCertType?: number;
  /** Critical extensions OpenSSL does not know. */
  unknownCritical: string[];
  /** Extensions that are present twice or whose value cannot be parsed (OpenSSL: EXFLAG_INVALID). */
  invalidExtensions: string[];
  /**
   * Bytes after the certificate's DER: s2n rejects more than 3 for the leaf only (tls/s2n_x509_validator.c:596-600,
   * crypto/s2n_openssl_x509.c:75-89, S2N_MAX_ALLOWED_CERT_TRAILING_BYTES in crypto/s2n_openssl_x509.h:26).
   */
  trailingBytes: number;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
};
const CN_OID = '2.5.4.3';

interface NameValue {
  type: string;
  value: string;
  stringType: CommonName['stringType'];
}

function nameValues(name: Name): NameValue[] {
  const out: NameValue[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      const v = atv.value;
      const [stringType, value]: [CommonName['stringType'], string] =
        v.utf8String !== undefined
          ? ['utf8', v.utf8String]
          : v.printableString !== undefined
            ? ['printable', v.printableString]
            : v.teletexString !== undefined
              ? ['teletex', v.teletexString]
              : v.bmpString !== undefined
                ? ['bmp', v.bmpString]
                : v.universalString !== undefined
                  ? ['universal', v.universalString]
                  : v.ia5String !== undefined
                    ? ['ia5', v.ia5String]
                    : ['other', v.anyValue ? Buffer.from(v.anyValue).toString('hex') : ''];
      out.push({ type: atv.type, value, stringType });
    }
  }
  return out;
}

const oneLine = (values: NameValue[]) =>
  values.map((v) => `${ATTRIBUTE_NAMES[v.type] ?? v.type}=${v.value.replace(/([,\\])/g, '\\$1')}`).join(', ');
const nameKey = (values: NameValue[]) =>
  values.map((v) => `${v.type}=${v.value.toLowerCase().replace(/\s+/g, ' ').trim()}`).join('\u0000');

function sanEntry(n: GeneralName): SanEntry {
  if (n.dNSName !== undefined) return { type: 'dns', value: n.dNSName };
  if (n.iPAddress !== undefined) return { type: 'ip', value: n.iPAddress };
  if (n.uniformResourceIdentifier !== undefined) return { type: 'uri', value: n.uniformResourceIdentifier };
  if (n.rfc822Name !== undefined) return { type: 'email', value: n.rfc822Name };
  return { type: 'other', value: n.directoryName ? 'directoryName' : n.otherName ? `otherName ${n.otherName.typeId}` : 'other' };
}

/** The length of the DER element at the start of `der` (header included), or undefined when it cannot be read. */
function derLength(der: Buffer): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1];
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
  return 2 + n + len;
}

export class CertificateParseError extends Error {}

/** Parses one certificate; throws CertificateParseError with one line saying what is wrong. */
export function parseCertificate(sent: Buffer, index: number, x509?: X509Certificate): ParsedCertificate {
  const length = derLength(sent);
  const der = length !== undefined && length < sent.length ? sent.subarray(0, length) : sent;
  let node: X509Certificate;
  try {
    node = x509 ?? new X509Certificate(der);
  } catch (err) {
    throw new CertificateParseError(`not an X.509 certificate OpenSSL can read (${(err as Error).message})`);
  }
  try {
    void node.publicKey.asymmetricKeyType;
  } catch (err) {
    throw new CertificateParseError(`its public key cannot be read (${(err as Error).message})`);
  }
  const { AsnConvert, BasicConstraints, Certificate: CertificateSchema, ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAlternativeName } = asn1();
  let cert: Certificate;
  try {
    // A copy: the schema parser walks the whole ArrayBuffer under a Buffer, which for a certificate read from a flight
    // is the flight.
    cert = AsnConvert.parse(new Uint8Array(der), CertificateSchema);
  } catch (err) {
    throw new CertificateParseError(`its ASN.1 structure cannot be read (${(err as Error).message})`);
  }
  const tbs = cert.tbsCertificate;
  const subject = nameValues(tbs.subject);
  const issuer = nameValues(tbs.issuer);
  const parsed: ParsedCertificate = {
    index,
    der,
    x509: node,
    subject: oneLine(subject),
    issuer: oneLine(issuer),
    subjectKey: nameKey(subject),
    issuerKey: nameKey(issuer),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    v1: (tbs.version ?? 0) === 0,
    commonNames: subject.filter((v) => v.type === CN_OID).map((v) => ({ value: v.value, stringType: v.stringType })),
    unknownCritical: [],
    invalidExtensions: [],
    trailingBytes: sent.length - der.length,
  };
  const seen = new Set<string>();
  for (const ext of tbs.extensions ?? []) {
    const id = ext.extnID;
    if (seen.has(id)) parsed.invalidExtensions.push(`${id} (twice)`);
    seen.add(id);
    if (ext.critical && !SUPPORTED_CRITICAL_EXTENSIONS.has(id)) parsed.unknownCritical.push(id);
    const value = ext.extnValue.buffer;
    try {
      switch (id) {
        case OID.basicConstraints: {
          const bc = AsnConvert.parse(value, BasicConstraints);
          parsed.basicConstraints = { ca: bc.cA, ...(bc.pathLenConstraint !== undefined ? { pathLen: bc.pathLenConstraint } : {}) };
          break;
        }
        case OID.keyUsage:
          parsed.keyUsage = AsnConvert.parse(value, KeyUsage).toNumber();
          break;
        case OID.extKeyUsage:
          parsed.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
          break;
        case OID.subjectAltName:
          parsed.san = [...AsnConvert.parse(value, SubjectAlternativeName)].map(sanEntry);
          break;
        case OID.nameConstraints: {
          const nc = AsnConvert.parse(value, NameConstraints);
          parsed.nameConstraints = {
            permitted: [...(nc.permittedSubtrees ?? [])].map((s) => sanEntry(s.base)),
            excluded: [...(nc.excludedSubtrees ?? [])].map((s) => sanEntry(s.base)),
          };
          break;
        }
        case ID_NETSCAPE_CERT_TYPE: {
          // BIT STRING: tag, length, unused bits, then the flags byte.
          const bits = Buffer.from(value);
          parsed.nsCertType = bits.length >= 4 ? bits[3] : 0;
          break;
        }
      }
    } catch {
      parsed.invalidExtensions.push(id);
    }
  }
  return parsed;
}

export const hasKeyUsage = (c: ParsedCertificate, flag: KeyUsageFlags) => c.keyUsage !== undefined && (c.keyUsage & flag) !== 0;

/** The issuer's name and key signed `child`. */
export function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (child.issuerKey !== issuer.subjectKey) return false;
  try {
    return child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

const selfSignedCache = new WeakMap<X509Certificate, boolean>();
export function isSelfSigned(c: ParsedCertificate): boolean {
  let v = selfSignedCache.get(c.x509);
  if (v === undefined) selfSignedCache.set(c.x509, (v = signedBy(c, c)));
  return v;
}

export const isSelfIssued = (c: ParsedCertificate) => c.subjectKey === c.issuerKey;

/**
 * OpenSSL's check_ca (crypto/x509/v3_purp.c): 0 not a CA; 1 basicConstraints CA; 3 a v1 self-signed root;
 * 4 keyUsage with keyCertSign but no basicConstraints; 5 a Netscape CA type.
 */
export function checkCa(c: ParsedCertificate): 0 | 1 | 3 | 4 | 5 {
  if (c.keyUsage !== undefined && !hasKeyUsage(c, KeyUsageFlags.keyCertSign)) return 0;
  if (c.basicConstraints) return c.basicConstraints.ca ? 1 : 0;
  if (c.v1 && isSelfSigned(c)) return 3;
  if (c.keyUsage !== undefined) return 4;
  if (c.nsCertType !== undefined && (c.nsCertType & NS_ANY_CA) !== 0) return 5;
  return 0;
}

export const nsAllowsServer = (c: ParsedCertificate) => c.nsCertType === undefined || (c.nsCertType & NS_SSL_SERVER) !== 0;
export const nsAllowsSslCa = (c: ParsedCertificate) => c.nsCertType === undefined || (c.nsCertType & NS_SSL_CA) !== 0;

/** The CN for messages, or the whole name, or `(empty subject)`. */
export function displayName(c: ParsedCertificate): string {
  return c.commonNames.at(-1)?.value || c.subject || '(empty subject)';
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** DNS names a person reads: the SAN dNSNames, or the CN when the certificate has no DNS, IP or URI SAN. */
export function dnsNamesOf(c: ParsedCertificate): string[] {
  const san = (c.san ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
  const identifying = (c.san ?? []).some((n) => n.type === 'dns' || n.type === 'ip' || n.type === 'uri');
  if (identifying) return san;
  const cn = c.commonNames.at(-1)?.value;
  return cn ? [cn] : [];
}

/** The summary of a certificate without its position: a function of the bytes, so made once per certificate object. */
const infoCache = new WeakMap<X509Certificate, Omit<CertificateInfo, 'index'>>();

export function certificateInfo(c: ParsedCertificate): CertificateInfo {
  let info = infoCache.get(c.x509);
  if (!info) infoCache.set(c.x509, (info = describe(c)));
  return { index: c.index, ...info };
}

function describe(c: ParsedCertificate): Omit<CertificateInfo, 'index'> {
  const key = c.x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.x509.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    dnsNames: dnsNamesOf(c),
    ipAddresses: (c.san ?? []).filter((n) => n.type === 'ip').map((n) => n.value),
    selfIssued: isSelfIssued(c),
    isCA: c.basicConstraints?.ca === true,
    keyType: key.asymmetricKeyType,
    keyBits: details.modulusLength ?? (details.namedCurve ? CURVE_BITS[details.namedCurve] : undefined),
    curve: details.namedCurve,
    fingerprint256: c.x509.fingerprint256,
  };
}
