/**
 * The certification path and the RFC 5280 rules OpenSSL's X509_verify_cert applies to it for s2n-tls
 * (tls/s2n_x509_validator.c:859-923: trusted first, X509_V_FLAG_PARTIAL_CHAIN, depth 7, no purpose, no policy).
 *
 * Path building (OpenSSL crypto/x509/x509_vfy.c build_chain): the first sent certificate is the leaf; every other
 * sent certificate is an unordered pool (:649 passes them all as "untrusted"). At each step a trust anchor that
 * issued the top of the path wins over a sent certificate (trusted first); with PARTIAL_CHAIN any certificate of the
 * trust store is an anchor, roots or not. A sent certificate that is itself in the store ends the path there.
 *
 * Rules, in OpenSSL's order (check_extensions, then internal_verify, then check_name_constraints):
 *  1. no certificate of the path, the anchor included, has an unknown critical or a malformed extension;
 *  2. every issuer is a CA: basicConstraints CA:TRUE for an intermediate, check_ca != 0 for the anchor (a v1 root, or
 *     keyUsage keyCertSign without basicConstraints, is accepted there), keyCertSign in keyUsage when present;
 *  3. pathLenConstraint: no more non-self-issued intermediates below a CA than it allows;
 *  4. every certificate of the path, the anchor included, is within its validity dates;
 *  5. name constraints of every CA hold for the names of the certificates below it (DNS and IP; the leaf's CN
 *     when it has no DNS SAN, as OpenSSL's NAME_CONSTRAINTS_check_CN).
 */
import { BlockList, isIP } from 'node:net';
import {
  checkCa,
  isSelfIssued,
  isSelfSigned,
  signedBy,
  type ParsedCertificate,
  type SanEntry,
} from './certificate';

export interface AnchorSource {
  /** Anchors that issued `c` (same name, signature verifies). */
  issuersOf(c: ParsedCertificate): ParsedCertificate[];
  /** The anchor `c` is (the same certificate, or the same name and key), if it is one. */
  anchorFor(c: ParsedCertificate): ParsedCertificate | undefined;
}

export interface CertPath {
  /** Leaf first, then each issuer, ending with the anchor when there is one. */
  certs: ParsedCertificate[];
  /** The trust anchor (the last of `certs`) when the path reaches one. */
  anchor?: ParsedCertificate;
  /** Why the path stops without an anchor. */
  end?: 'self-signed' | 'issuer-missing';
}

const validAt = (c: ParsedCertificate, now: Date) => c.notBefore <= now && now <= c.notAfter;

/** OpenSSL's find_issuer: among candidates, the first valid now, else the last. */
function pick(candidates: ParsedCertificate[], now: Date): ParsedCertificate[] {
  const valid = candidates.filter((c) => validAt(c, now));
  const rest = candidates.filter((c) => !validAt(c, now));
  return [...valid, ...rest.reverse()];
}

export function buildPath(
  leaf: ParsedCertificate,
  pool: readonly ParsedCertificate[],
  anchors: AnchorSource,
  now: Date,
  signed: (child: ParsedCertificate, issuer: ParsedCertificate) => boolean = signedBy,
): CertPath {
  const used = new Set<ParsedCertificate>([leaf]);
  const extend = (certs: ParsedCertificate[]): CertPath => {
    const top = certs[certs.length - 1];
    const itself = anchors.anchorFor(top);
    // Only the leaf can get here (for any higher certificate the step below found the store's copy first): a leaf
    // that is itself in the trust store is trusted (PARTIAL_CHAIN).
    if (itself) return { certs, anchor: top };
    const trusted = pick(anchors.issuersOf(top), now)[0];
    if (trusted) return { certs: [...certs, trusted], anchor: trusted };
    if (isSelfSigned(top)) return { certs, end: 'self-signed' };
    let fallback: CertPath | undefined;
    for (const issuer of pick(pool.filter((p) => !used.has(p) && signed(top, p)), now)) {
      used.add(issuer);
      const found = extend([...certs, issuer]);
      if (found.anchor) return found;
      fallback ??= found;
      used.delete(issuer);
    }
    return fallback ?? { certs, end: 'issuer-missing' };
  };
  return extend([leaf]);
}

export interface PathViolation {
  rule: 'extension' | 'issuer-not-ca' | 'path-length' | 'name-constraints';
  cert: ParsedCertificate;
  /** Position in the path (0 = leaf). */
  depth: number;
  detail: string;
  evidence: Record<string, unknown>;
}

/** Rule 1: unknown critical or malformed extensions (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, _INVALID_EXTENSION). */
export function extensionViolations(path: CertPath): PathViolation[] {
  return path.certs.flatMap((cert, depth) => {
    const out: PathViolation[] = [];
    if (cert.unknownCritical.length > 0) {
      out.push({
        rule: 'extension',
        cert,
        depth,
        detail: `marks extension ${cert.unknownCritical.join(', ')} critical, which CloudFront's TLS library does not know`,
        evidence: { unknownCriticalExtensions: cert.unknownCritical, reason: 'unknown-critical' },
      });
    }
    if (cert.invalidExtensions.length > 0) {
      out.push({
        rule: 'extension',
        cert,
        depth,
        detail: `has extension ${cert.invalidExtensions.join(', ')} that cannot be read (malformed or repeated)`,
        evidence: { invalidExtensions: cert.invalidExtensions, reason: 'malformed' },
      });
    }
    return out;
  });
}

/** Rule 2 (check_chain: "X509_V_FLAG_X509_STRICT is implicit for intermediate CAs"). */
export function issuerViolations(path: CertPath): PathViolation[] {
  const out: PathViolation[] = [];
  path.certs.forEach((cert, depth) => {
    if (depth === 0) return;
    const ca = checkCa(cert);
    const isAnchor = cert === path.anchor;
    if (ca === 0 || (!isAnchor && ca !== 1)) {
      const why =
        cert.keyUsage !== undefined && (cert.keyUsage & 32) === 0
          ? 'its keyUsage lacks keyCertSign'
          : cert.basicConstraints?.ca === false
            ? 'its basicConstraints say CA:FALSE'
            : 'it has no basicConstraints CA:TRUE';
      out.push({
        rule: 'issuer-not-ca',
        cert,
        depth,
        detail: `issued ${depth === 1 ? 'the server certificate' : 'the certificate below it'} but is not a CA certificate: ${why}`,
        evidence: {
          basicConstraints: cert.basicConstraints ?? null,
          keyUsageKeyCertSign: cert.keyUsage === undefined ? null : (cert.keyUsage & 32) !== 0,
          checkCa: ca,
        },
      });
    }
  });
  return out;
}

/** Rule 3 (check_chain: plen > pathlen for i > 1; self-issued intermediates do not count). */
export function pathLengthViolations(path: CertPath): PathViolation[] {
  const out: PathViolation[] = [];
  let below = 0;
  path.certs.forEach((cert, depth) => {
    const limit = cert.basicConstraints?.pathLen;
    if (depth > 1 && limit !== undefined && below > limit) {
      out.push({
        rule: 'path-length',
        cert,
        depth,
        detail: `allows ${limit} intermediate CA${limit === 1 ? '' : 's'} below it (pathLenConstraint), and the path has ${below}`,
        evidence: { pathLenConstraint: limit, intermediatesBelow: below },
      });
    }
    if (depth > 0 && !isSelfIssued(cert)) below++;
  });
  return out;
}

// --- name constraints (OpenSSL crypto/x509/v3_ncons.c, DNS and IP forms) ---------------------------------------

/** nc_dns: zero or more labels may be added on the left of the base. */
function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (b === '') return true;
  if (n.length < b.length) return false;
  if (n.length > b.length && !b.startsWith('.') && n[n.length - b.length - 1] !== '.') return false;
  return n.slice(n.length - b.length) === b;
}

function ipWithin(ip: string, subnet: string): boolean {
  const [addr, bits] = subnet.split('/');
  const family = isIP(addr);
  if (!family || isIP(ip) !== family || bits === undefined) return false;
  const list = new BlockList();
  try {
    list.addSubnet(addr, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
    return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}

function within(name: SanEntry, base: SanEntry): boolean {
  if (name.type === 'dns' && base.type === 'dns') return dnsWithin(name.value, base.value);
  if (name.type === 'ip' && base.type === 'ip') return ipWithin(name.value, base.value);
  return false;
}

function constrainedNames(cert: ParsedCertificate, isLeaf: boolean): SanEntry[] {
  const san = (cert.san ?? []).filter((n) => n.type === 'dns' || n.type === 'ip');
  if (isLeaf && !san.some((n) => n.type === 'dns')) {
    const cn = cert.commonNames.at(-1)?.value;
    // NAME_CONSTRAINTS_check_CN: a CN that looks like a host name is checked as a DNS name.
    if (cn && /^[A-Za-z0-9*]([A-Za-z0-9-]*\.)+[A-Za-z0-9-]+$/.test(cn)) san.push({ type: 'dns', value: cn });
  }
  return san;
}

/** Rule 5. */
export function nameConstraintViolations(path: CertPath): PathViolation[] {
  const out: PathViolation[] = [];
  path.certs.forEach((ca, depth) => {
    const nc = ca.nameConstraints;
    if (!nc || depth === 0) return;
    for (let j = 0; j < depth; j++) {
      const below = path.certs[j];
      if (j > 0 && isSelfIssued(below)) continue;
      for (const name of constrainedNames(below, j === 0)) {
        const excluded = nc.excluded.find((b) => within(name, b));
        const permittedOfType = nc.permitted.filter((b) => b.type === name.type);
        const permitted = permittedOfType.length === 0 || permittedOfType.some((b) => within(name, b));
        if (excluded || !permitted) {
          out.push({
            rule: 'name-constraints',
            cert: ca,
            depth,
            detail: excluded
              ? `excludes ${excluded.value} (name constraints), and ${name.value} is under it`
              : `permits only ${permittedOfType.map((b) => b.value).join(', ')} (name constraints), and ${name.value} is not among them`,
            evidence: {
              name: name.value,
              constrainedCertificate: below.subject,
              permitted: nc.permitted.map((b) => `${b.type}:${b.value}`),
              excluded: nc.excluded.map((b) => `${b.type}:${b.value}`),
            },
          });
          return;
        }
      }
    }
  });
  return out;
}
