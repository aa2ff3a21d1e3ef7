/**
 * Judges a certificate chain as the server sent it, the way CloudFront does: leaf first, each certificate followed by
 * its issuer, up to a root of the trust store, every certificate valid now, the leaf covering the SNI name. Every
 * problem is reported at once. Pure: the caller supplies the DER in sent order, the clock and the trust store.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertificateInfo, ChainAnalysis, ChainProblem } from '../model';
import type { TrustStore } from './trust-store';

export interface AnalyzeChainOptions {
  /** The SNI name to check the leaf against; absent: no name check. */
  serverName?: string;
  now: Date;
  trust: TrustStore;
  /** CERT_EXPIRING_SOON when the leaf or an intermediate expires within this many days. */
  expiryWarningDays: number;
}

const DAY_MS = 86_400_000;
const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

interface Sent {
  index: number;
  cert: X509Certificate;
  info: CertificateInfo;
}

// ---------------------------------------------------------------------------------------------------------------
// certificate facts
// ---------------------------------------------------------------------------------------------------------------

/** node's multi-line DN (`C=US\nO=Example\nCN=x`) on one line, in the same order (as `openssl x509 -subject`). */
const oneLine = (dn: string) => dn.split('\n').join(', ');

function commonNames(dn: string): string[] {
  return dn
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3).replace(/\\(.)/g, '$1'));
}

/** The CN for messages, or the whole name when there is none. */
function displayName(cert: X509Certificate): string {
  return commonNames(cert.subject).at(-1) ?? oneLine(cert.subject);
}

/** Splits node's `subjectAltName` (`DNS:a, DNS:"b\u002cc", IP Address:1.2.3.4`): values with `,` are JSON strings. */
function subjectAltNames(san: string | undefined): { type: string; value: string }[] {
  if (!san) return [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < san.length; i++) {
    const ch = san[i];
    if (quoted && ch === '\\') {
      current += ch + san[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ',' && san[i + 1] === ' ') {
      entries.push(current);
      current = '';
      i++;
      continue;
    }
    current += ch;
  }
  entries.push(current);
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const raw = entry.slice(colon + 1);
    return { type: entry.slice(0, colon), value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw };
  });
}

/** RFC 6125: the SAN dNSNames, or the CN when the certificate has no SAN dNSName. */
function dnsNamesOf(cert: X509Certificate): string[] {
  const dns = subjectAltNames(cert.subjectAltName)
    .filter((n) => n.type === 'DNS')
    .map((n) => n.value);
  return dns.length > 0 ? dns : commonNames(cert.subject);
}

const notBefore = (cert: X509Certificate) => new Date(cert.validFrom);
const notAfter = (cert: X509Certificate) => new Date(cert.validTo);

function certificateInfo(index: number, cert: X509Certificate): CertificateInfo {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return {
    index,
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serialNumber: cert.serialNumber,
    notBefore: notBefore(cert).toISOString(),
    notAfter: notAfter(cert).toISOString(),
    dnsNames: dnsNamesOf(cert),
    ipAddresses: subjectAltNames(cert.subjectAltName)
      .filter((n) => n.type === 'IP Address')
      .map((n) => n.value),
    selfIssued: cert.subject === cert.issuer,
    isCA: cert.ca,
    keyType: key.asymmetricKeyType,
    keyBits: details.modulusLength ?? (details.namedCurve ? CURVE_BITS[details.namedCurve] : undefined),
    curve: details.namedCurve,
    fingerprint256: cert.fingerprint256,
  };
}

function parseSent(der: Buffer[]): { sent: Sent[]; errors: string[] } {
  const sent: Sent[] = [];
  const errors: string[] = [];
  der.forEach((bytes, index) => {
    try {
      const cert = new X509Certificate(bytes);
      sent.push({ index, cert, info: certificateInfo(index, cert) });
    } catch (err) {
      errors.push(`certificate ${index} (${bytes.length} bytes) is not X.509: ${(err as Error).message}`);
    }
  });
  return { sent, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// names
// ---------------------------------------------------------------------------------------------------------------

const normalizeHost = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** RFC 6125 DNS-ID match: case-insensitive, trailing dot ignored, `*` only as the whole left-most label. */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1); // `.example.com`
  // At least two labels under the wildcard (no `*.com`), and no further `*`.
  if (suffix.includes('*') || suffix.split('.').length < 3) return false;
  const firstDot = h.indexOf('.');
  return firstDot > 0 && h.slice(firstDot) === suffix;
}

function nameMismatch(leaf: Sent, serverName: string): ChainProblem | undefined {
  const matches = isIP(serverName)
    ? leaf.cert.checkIP(serverName) !== undefined
    : leaf.info.dnsNames.some((pattern) => dnsNameMatches(pattern, serverName));
  if (matches) return undefined;
  const covered = [...leaf.info.dnsNames, ...leaf.info.ipAddresses];
  return {
    code: 'CERT_NAME_MISMATCH',
    certIndex: leaf.index,
    detail: `the certificate of ${displayName(leaf.cert)} does not cover ${serverName} (it covers ${covered.join(', ') || 'no name'}); add ${serverName} to its subject alternative names`,
    evidence: {
      serverName,
      dnsNames: leaf.info.dnsNames,
      ipAddresses: leaf.info.ipAddresses,
      subject: leaf.info.subject,
      fingerprint256: leaf.info.fingerprint256,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// path
// ---------------------------------------------------------------------------------------------------------------

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  if (child.issuer !== issuer.subject) return false;
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const isSelfSigned = (cert: X509Certificate) => signedBy(cert, cert);

/** The server's certificate: a sent certificate that issued none of the others, preferring non-CAs, then the first. */
function findLeaf(sent: Sent[]): Sent {
  const bottoms = sent.filter((s) => !sent.some((o) => o !== s && signedBy(o.cert, s.cert)));
  const candidates = bottoms.length > 0 ? bottoms : sent;
  return candidates.find((s) => !s.cert.ca) ?? candidates[0];
}

interface ChainPath {
  /** Sent certificates from the leaf up, in issuing order (a sent copy of the anchor included). */
  path: Sent[];
  anchor?: X509Certificate;
}

/**
 * Leaf -> issuer -> ... over the sent certificates and the trust anchors. Trusted first: a step stops at an anchor
 * that signed the certificate, as OpenSSL does, so an expired cross-signature after it does not matter. Among several
 * sent issuers (cross-signed), the one leading to an anchor wins; otherwise the one sent next.
 */
function buildPath(leaf: Sent, sent: Sent[], trust: TrustStore): ChainPath {
  const visited = new Set<Sent>();
  const extend = (path: Sent[]): ChainPath => {
    const top = path[path.length - 1];
    visited.add(top);
    const itself = trust.anchorFor(top.cert);
    if (itself) return { path, anchor: itself };
    const anchor = trust.anchorsNamed(top.cert.issuer).find((a) => signedBy(top.cert, a));
    if (anchor) {
      const sentAnchor = sent.find((s) => !path.includes(s) && s.cert.fingerprint256 === anchor.fingerprint256);
      return { path: sentAnchor ? [...path, sentAnchor] : path, anchor };
    }
    if (isSelfSigned(top.cert)) return { path };
    const issuers = sent
      .filter((s) => !visited.has(s) && signedBy(top.cert, s.cert))
      .sort((a, b) => Number(b.index === top.index + 1) - Number(a.index === top.index + 1));
    let fallback: ChainPath | undefined;
    for (const issuer of issuers) {
      const found = extend([...path, issuer]);
      if (found.anchor) return found;
      fallback ??= found;
    }
    return fallback ?? { path };
  };
  return extend([leaf]);
}

function trustProblem(leaf: Sent, chain: ChainPath, trust: TrustStore): ChainProblem | undefined {
  if (chain.anchor) return undefined;
  const last = chain.path[chain.path.length - 1];
  const evidence = { subject: last.info.subject, issuer: last.info.issuer, fingerprint256: last.info.fingerprint256, trustStore: trust.describe };
  if (isSelfSigned(last.cert)) {
    return {
      code: 'CERT_UNTRUSTED_ROOT',
      certIndex: last.index,
      detail: `the chain ends at ${displayName(last.cert)}, a root that is not in the trust store (${trust.describe}); use a certificate from a publicly trusted CA`,
      evidence,
    };
  }
  const issuer = commonNames(last.cert.issuer).at(-1) ?? last.info.issuer;
  const what = last === leaf ? 'the server certificate' : `intermediate ${displayName(last.cert)}`;
  return {
    code: 'CERT_CHAIN_INCOMPLETE',
    certIndex: last.index,
    detail: `the certificate of ${issuer}, which issued ${what}, is neither sent nor a trusted root; append the intermediate to the served chain (if ${issuer} is a private CA, use a public one)`,
    evidence: { ...evidence, missingIssuer: last.info.issuer },
  };
}

function orderProblem(leaf: Sent, chain: ChainPath, sent: Sent[], unused: Sent[]): ChainProblem | undefined {
  const wrong = chain.path.findIndex((s, position) => s.index !== position);
  if (wrong < 0) return undefined;
  const misplaced = chain.path[wrong];
  const detail =
    misplaced === leaf
      ? `the server certificate (${displayName(leaf.cert)}) is sent at position ${leaf.index}, not first; send it first, then each issuer in turn`
      : `${displayName(misplaced.cert)}, the issuer of ${displayName(chain.path[wrong - 1].cert)}, is sent at position ${misplaced.index} instead of ${wrong}; order the file leaf first, then each issuer in turn`;
  return {
    code: 'CERT_CHAIN_ORDER',
    certIndex: misplaced.index,
    detail,
    evidence: {
      actualOrder: sent.map((s) => s.info.subject),
      expectedOrder: [...chain.path, ...unused].map((s) => s.info.subject),
      pathIndexes: chain.path.map((s) => s.index),
      ...(unused.length > 0 ? { unusedCertificates: unused.map((s) => s.index) } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// validity
// ---------------------------------------------------------------------------------------------------------------

function validityProblems(s: Sent, leaf: Sent, now: Date, warningDays: number): ChainProblem[] {
  const from = notBefore(s.cert);
  const to = notAfter(s.cert);
  const msLeft = to.getTime() - now.getTime();
  const evidence = {
    subject: s.info.subject,
    notBefore: s.info.notBefore,
    notAfter: s.info.notAfter,
    daysLeft: Math.floor(msLeft / DAY_MS),
    fingerprint256: s.info.fingerprint256,
  };
  const what = s === leaf ? `the server certificate (${displayName(s.cert)})` : displayName(s.cert);
  if (now < from) {
    return [{ code: 'CERT_NOT_YET_VALID', certIndex: s.index, detail: `${what} is not valid before ${s.info.notBefore}; install one valid now or fix the issuing clock`, evidence }];
  }
  if (msLeft < 0) {
    return [{ code: 'CERT_EXPIRED', certIndex: s.index, detail: `${what} expired on ${s.info.notAfter}; renew it and reload the server`, evidence }];
  }
  // A root's own expiry is the CA's business; the leaf and intermediates are the origin owner's.
  const isRoot = s !== leaf && isSelfSigned(s.cert);
  if (!isRoot && msLeft <= warningDays * DAY_MS) {
    return [{ code: 'CERT_EXPIRING_SOON', certIndex: s.index, detail: `${what} expires on ${s.info.notAfter} (${evidence.daysLeft} days left); renew it`, evidence }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------

export function analyzeChain(der: Buffer[], opts: AnalyzeChainOptions): ChainAnalysis {
  const { sent, errors } = parseSent(der);
  const serverName = opts.serverName || undefined;
  const base: ChainAnalysis = {
    certificates: sent.map((s) => s.info),
    serverName,
    problems: [],
    trustStore: opts.trust.describe,
    ...(errors.length > 0 ? { certificateError: errors.join('; ') } : {}),
  };
  if (sent.length === 0) return { ...base, certificateError: base.certificateError ?? 'the server sent no certificate' };

  const leaf = findLeaf(sent);
  const chain = buildPath(leaf, sent, opts.trust);
  const unused = sent.filter((s) => !chain.path.includes(s));
  const selfSignedLeaf = isSelfSigned(leaf.cert);

  const problems: (ChainProblem | undefined)[] = [
    selfSignedLeaf
      ? {
          code: 'CERT_SELF_SIGNED',
          certIndex: leaf.index,
          detail: `the server certificate (${displayName(leaf.cert)}) is self-signed, which CloudFront never accepts; install one from a publicly trusted CA`,
          evidence: { subject: leaf.info.subject, fingerprint256: leaf.info.fingerprint256 },
        }
      : trustProblem(leaf, chain, opts.trust),
    orderProblem(leaf, chain, sent, unused),
    serverName ? nameMismatch(leaf, serverName) : undefined,
    ...chain.path.flatMap((s) => validityProblems(s, leaf, opts.now, opts.expiryWarningDays)),
  ];
  return {
    ...base,
    problems: problems.filter((p): p is ChainProblem => p !== undefined),
    ...(chain.anchor && !selfSignedLeaf ? { trustAnchor: oneLine(chain.anchor.subject) } : {}),
    ...(unused.length > 0 ? { unusedCertificates: unused.map((s) => s.index) } : {}),
  };
}
