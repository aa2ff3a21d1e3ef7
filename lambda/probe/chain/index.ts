/**
 * Judges the certificates a server sent the way CloudFront's TLS library, s2n-tls, does (tls/s2n_x509_validator.c):
 * a list of small named checks, in s2n's order, each citing where its rule comes from. Every problem is reported at
 * once, each with the finding code of its own cause. Pure: the caller supplies the DER in sent order, the size of the
 * Certificate message, the clock and the trust store.
 *
 *   s2n order: read the chain (size limits, parse) -> host name -> X509_verify_cert (path, RFC 5280 rules, dates)
 *              -> intent. Then what AWS's documentation adds (sent order) and the expiry warning.
 */
import type { ChainAnalysis, ChainProblem } from '../../model';
import type { TrustStore } from '../trust-store';
import {
  CertificateParseError,
  certificateInfo,
  checkCa,
  displayName,
  isSelfSigned,
  type ParsedCertificate,
} from './certificate';
import { ChainCache } from './cache';
import { intentViolations } from './intent';
import { checkHostName } from './names';
import {
  buildPath,
  extensionViolations,
  issuerViolations,
  nameConstraintViolations,
  pathLengthViolations,
  type AnchorSource,
  type CertPath,
  type PathViolation,
} from './path';

export { dnsNameMatches, hostMatches } from './names';

export interface AnalyzeChainOptions {
  /** The SNI name to check the leaf against; absent: no name check. */
  serverName?: string;
  now: Date;
  trust: TrustStore;
  /** CERT_EXPIRING_SOON when the leaf or an intermediate expires within this many days. */
  expiryWarningDays: number;
  /** Body size of the Certificate handshake message, when known. */
  certificateMessageBytes?: number;
  /** Parses and signature checks already made (a scan's own, ./cache.ts); a process-wide one by default. */
  cache?: ChainCache;
}

export { ChainCache };
export { preloadCertificateParser } from './certificate';
const processCache = new ChainCache();

/** s2n reads at most 7 certificates (tls/s2n_x509_validator.c:58 DEFAULT_MAX_CHAIN_DEPTH, :588, :623-625). */
export const MAX_CERTIFICATES = 7;
/** s2n refuses a handshake message whose body is over 64 KiB (tls/s2n_tls_parameters.h:230, tls/s2n_handshake_io.c:1310). */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;

interface Context {
  sent: ParsedCertificate[];
  /** The certificate s2n takes as the leaf: the first sent (:642), or the real one when it is not first. */
  leaf: ParsedCertificate;
  path: CertPath;
  opts: AnalyzeChainOptions;
}

interface Check {
  name: string;
  /** Where the rule comes from. */
  source: string;
  run(ctx: Context): ChainProblem[];
}

const what = (c: ParsedCertificate, ctx: Context) =>
  c === ctx.leaf ? `the server certificate (${displayName(c)})` : c.index < 0 ? `trust anchor ${displayName(c)}` : displayName(c);

const certEvidence = (c: ParsedCertificate) => ({
  subject: c.subject,
  ...(c.index >= 0 ? {} : { trustAnchor: true }),
  fingerprint256: c.x509.fingerprint256,
});

function fromPath(code: string, v: PathViolation | { cert: ParsedCertificate; detail: string; evidence: Record<string, unknown> }, ctx: Context): ChainProblem {
  return {
    code,
    ...(v.cert.index >= 0 ? { certIndex: v.cert.index } : {}),
    detail: `${what(v.cert, ctx)} ${v.detail}`,
    evidence: { ...certEvidence(v.cert), ...v.evidence },
  };
}

function listNames(names: string[]): string {
  if (names.length === 0) return 'no name';
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}

/** The checks, in s2n's order. */
export const CHECKS: readonly Check[] = [
  {
    name: 'at most 7 certificates',
    source: 's2n-tls tls/s2n_x509_validator.c:58, :588, :623-625 (S2N_ERR_CERT_MAX_CHAIN_DEPTH_EXCEEDED)',
    run: ({ sent }) =>
      sent.length > MAX_CERTIFICATES
        ? [{
            code: 'CERT_CHAIN_TOO_LONG',
            detail: `the server sends ${sent.length} certificates; CloudFront's TLS library reads at most ${MAX_CERTIFICATES} and fails the handshake on the ${MAX_CERTIFICATES + 1}th, whatever the path needs; send only the server certificate and its intermediates`,
            evidence: { certificates: sent.length, limit: MAX_CERTIFICATES },
          }]
        : [],
  },
  {
    name: 'Certificate message at most 64 KiB',
    source: 's2n-tls tls/s2n_tls_parameters.h:230, tls/s2n_handshake_io.c:1310 (S2N_MAXIMUM_HANDSHAKE_MESSAGE_LENGTH)',
    run: ({ opts }) =>
      opts.certificateMessageBytes !== undefined && opts.certificateMessageBytes > MAX_HANDSHAKE_MESSAGE_BYTES
        ? [{
            code: 'CERT_MESSAGE_TOO_LARGE',
            detail: `the server's Certificate message is ${opts.certificateMessageBytes} bytes; CloudFront's TLS library refuses any handshake message over ${MAX_HANDSHAKE_MESSAGE_BYTES} bytes; send fewer or smaller certificates (fewer subject alternative names)`,
            evidence: { certificateMessageBytes: opts.certificateMessageBytes, limit: MAX_HANDSHAKE_MESSAGE_BYTES },
          }]
        : [],
  },
  {
    name: 'the first certificate is the leaf',
    source: 's2n-tls tls/s2n_x509_validator.c:642 (sk_X509_value(cert_chain_from_wire, 0) is the leaf)',
    run: ({ sent, leaf }) =>
      leaf !== sent[0]
        ? [{
            code: 'CERT_LEAF_NOT_FIRST',
            certIndex: leaf.index,
            detail: `the server certificate (${displayName(leaf)}) is sent at position ${leaf.index}, after ${displayName(sent[0])}, a CA certificate; CloudFront takes the first certificate as the server's; send the server certificate first`,
            evidence: { firstSent: sent[0].subject, leafIndex: leaf.index, actualOrder: sent.map((s) => s.subject) },
          }]
        : [],
  },
  {
    name: 'the leaf covers the SNI name',
    source: 's2n-tls tls/s2n_x509_validator.c:229-419 (s2n_verify_host_information), tls/s2n_connection.c:222-252',
    run: ({ leaf, opts }) => {
      const host = opts.serverName;
      if (!host) return [];
      const verdict = checkHostName(leaf, host);
      if (verdict.matches) return [];
      const basis =
        verdict.basis === 'san'
          ? `it covers ${listNames(verdict.usedNames)}`
          : verdict.basis === 'cn'
            ? verdict.cnRefused
              ? `it has no DNS, IP or URI subject alternative name, and ${verdict.cnRefused}`
              : `it has no DNS, IP or URI subject alternative name and its CN is ${verdict.usedNames[0]}`
            : 'it has no subject alternative name and no CN';
      const dot = host.endsWith('.') ? ` (CloudFront sends ${host} with its trailing dot, and certificate names are compared as sent)` : '';
      return [{
        code: 'CERT_NAME_MISMATCH',
        certIndex: leaf.index,
        detail: `the certificate of ${displayName(leaf)} does not cover ${host}: ${basis}${dot}; add ${host} to its subject alternative names`,
        evidence: {
          serverName: host,
          comparedWith: verdict.basis,
          names: verdict.usedNames.slice(0, 50),
          ...(verdict.usedNames.length > 50 ? { namesTotal: verdict.usedNames.length } : {}),
          ...(verdict.cnRefused ? { cnRefused: verdict.cnRefused } : {}),
          subject: leaf.subject,
          fingerprint256: leaf.x509.fingerprint256,
        },
      }];
    },
  },
  {
    name: 'the path reaches a trusted root',
    source: 's2n-tls tls/s2n_x509_validator.c:649, :859-923 (X509_verify_cert, trusted first, PARTIAL_CHAIN; no AIA fetching)',
    run: (ctx) => trustProblems(ctx),
  },
  {
    name: 'no unknown critical or malformed extension',
    source: 'RFC 5280 4.2; OpenSSL check_chain (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, X509_V_ERR_INVALID_EXTENSION)',
    run: (ctx) =>
      extensionViolations(ctx.path).map((v) => ({
        ...fromPath('CERT_EXTENSION_REJECTED', v, ctx),
      })),
  },
  {
    name: 'issuers are CAs',
    source: 'RFC 5280 4.2.1.9, 4.2.1.3; OpenSSL check_chain / check_ca (X509_V_ERR_INVALID_CA)',
    run: (ctx) => issuerViolations(ctx.path).map((v) => fromPath('CERT_ISSUER_NOT_CA', v, ctx)),
  },
  {
    name: 'pathLenConstraint',
    source: 'RFC 5280 4.2.1.9; OpenSSL check_chain (X509_V_ERR_PATH_LENGTH_EXCEEDED)',
    run: (ctx) => pathLengthViolations(ctx.path).map((v) => fromPath('CERT_PATH_LENGTH_EXCEEDED', v, ctx)),
  },
  {
    name: 'validity dates, the anchor included',
    source: 'RFC 5280 6.1.3(a)(2); OpenSSL internal_verify / check_cert_time; s2n tls/s2n_x509_validator.c:881-893',
    run: (ctx) => ctx.path.certs.flatMap((c) => dateProblems(c, ctx)),
  },
  {
    name: 'name constraints',
    source: 'RFC 5280 4.2.1.10; OpenSSL check_name_constraints (X509_V_ERR_PERMITTED_VIOLATION, _EXCLUDED_VIOLATION)',
    run: (ctx) => nameConstraintViolations(ctx.path).map((v) => fromPath('CERT_NAME_CONSTRAINTS', v, ctx)),
  },
  {
    name: 'intent: serverAuth',
    source: 's2n-tls tls/s2n_x509_validator.c:767-814 (X509_check_purpose SSL_SERVER, anchor excluded)',
    run: (ctx) =>
      intentViolations(ctx.path).map((v) =>
        fromPath(v.depth === 0 ? 'CERT_WRONG_PURPOSE' : 'CERT_ISSUER_WRONG_PURPOSE', { ...v, evidence: { ...v.evidence, extension: v.extension } }, ctx),
      ),
  },
  {
    name: 'sent in issuing order (AWS documentation)',
    source: 'AWS, HTTP 502 status code (Bad Gateway): "certificate chain in the wrong order"; s2n builds the path from any order',
    run: (ctx) => orderProblems(ctx),
  },
  {
    name: 'expiry warning',
    source: 'this monitor: CERT_EXPIRING_SOON before CloudFront starts failing',
    run: (ctx) => expiryWarnings(ctx),
  },
];

// ---------------------------------------------------------------------------------------------------------------

function trustProblems(ctx: Context): ChainProblem[] {
  const { path, leaf, opts } = ctx;
  if (path.anchor) return [];
  const top = path.certs[path.certs.length - 1];
  const trustStore = opts.trust.describe;
  if (path.end === 'self-signed') {
    if (top === leaf) {
      return [{
        code: 'CERT_SELF_SIGNED',
        certIndex: leaf.index,
        detail: `the server certificate (${displayName(leaf)}) is self-signed and not in the trust store, so CloudFront rejects it; install one from a publicly trusted CA`,
        evidence: { ...certEvidence(leaf), trustStore },
      }];
    }
    return [{
      code: 'CERT_UNTRUSTED_ROOT',
      certIndex: top.index,
      detail: `the chain ends at ${displayName(top)}, a root that is not in the trust store (${trustStore}); use a certificate from a publicly trusted CA`,
      evidence: { ...certEvidence(top), issuer: top.issuer, trustStore },
    }];
  }
  // The issuer of `top` is neither sent nor trusted. An intermediate's issuer is a root; a publicly trusted one would
  // be in the store, so an unknown root name means a private CA, for which "append the intermediate" would be wrong.
  const issuerName = top.issuer || '(empty name)';
  const sameNameAnchor = opts.trust.anchorsNamed(top.x509.issuer ?? '').length > 0;
  if (top !== leaf && checkCa(top) !== 0) {
    return [{
      code: 'CERT_UNTRUSTED_ROOT',
      certIndex: top.index,
      detail: sameNameAnchor
        ? `${displayName(top)} is signed by a key that is not the key of the trusted ${issuerName}; use the intermediate your CA issues today`
        : `the chain goes up to ${issuerName}, which is not sent and is not a root CloudFront trusts (a private or unknown CA); use a certificate from a publicly trusted CA`,
      evidence: { ...certEvidence(top), missingIssuer: issuerName, trustStore },
    }];
  }
  return [{
    code: 'CERT_CHAIN_INCOMPLETE',
    certIndex: top.index,
    detail: `the certificate of ${issuerName}, which issued ${what(top, ctx)}, is not sent and is not a trusted root; send the intermediate certificate(s) after the server certificate (if ${issuerName} is your own CA, CloudFront will never trust it: use a public CA)`,
    evidence: { ...certEvidence(top), missingIssuer: issuerName, trustStore },
  }];
}

function dateProblems(c: ParsedCertificate, ctx: Context): ChainProblem[] {
  const now = ctx.opts.now;
  const msLeft = c.notAfter.getTime() - now.getTime();
  if (!(now < c.notBefore) && msLeft >= 0) return [];
  const evidence = { ...certEvidence(c), notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), daysLeft: Math.floor(msLeft / DAY_MS) };
  const at = c.index >= 0 ? { certIndex: c.index } : {};
  if (now < c.notBefore) {
    return [{ code: 'CERT_NOT_YET_VALID', ...at, detail: `${what(c, ctx)} is not valid before ${evidence.notBefore}; install one valid now or fix the issuing clock`, evidence }];
  }
  if (msLeft < 0) {
    const fix = c.index < 0 ? 'the trust anchor itself has expired: use a chain to a current root' : 'renew it and reload the server';
    return [{ code: 'CERT_EXPIRED', ...at, detail: `${what(c, ctx)} expired on ${evidence.notAfter}; ${fix}`, evidence }];
  }
  return [];
}

function expiryWarnings(ctx: Context): ChainProblem[] {
  const { path, opts } = ctx;
  return path.certs.flatMap((c): ChainProblem[] => {
    // A root's own expiry is the CA's business; the leaf and intermediates are the origin owner's.
    if (c === path.anchor || c.index < 0 || (c !== ctx.leaf && isSelfSigned(c))) return [];
    const msLeft = c.notAfter.getTime() - opts.now.getTime();
    if (msLeft < 0 || opts.now < c.notBefore || msLeft > opts.expiryWarningDays * DAY_MS) return [];
    const daysLeft = Math.floor(msLeft / DAY_MS);
    return [{
      code: 'CERT_EXPIRING_SOON',
      certIndex: c.index,
      detail: `${what(c, ctx)} expires on ${c.notAfter.toISOString()} (${daysLeft} days left); renew it`,
      evidence: { ...certEvidence(c), notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), daysLeft },
    }];
  });
}

function orderProblems(ctx: Context): ChainProblem[] {
  // The path as sent: a trust anchor the server sent too counts at its sent position.
  const sentPath = ctx.path.certs
    .map((c) => (c.index >= 0 ? c : ctx.sent.find((s) => s.x509.fingerprint256 === c.x509.fingerprint256)))
    .filter((c): c is ParsedCertificate => c !== undefined);
  if (ctx.leaf !== ctx.sent[0]) return []; // CERT_LEAF_NOT_FIRST says it
  const wrong = sentPath.findIndex((c, i) => i > 0 && c.index < sentPath[i - 1].index);
  if (wrong < 0) return [];
  const misplaced = sentPath[wrong];
  return [{
    code: 'CERT_CHAIN_ORDER',
    certIndex: misplaced.index,
    detail: `${displayName(misplaced)}, the issuer of ${displayName(sentPath[wrong - 1])}, is sent before it (position ${misplaced.index}); AWS documents a chain in the wrong order as a cause of 502, although s2n-tls, CloudFront's TLS library, builds the path from any order; order the file leaf first, then each issuer in turn`,
    evidence: {
      actualOrder: ctx.sent.map((s) => s.subject),
      expectedOrder: sentPath.map((s) => s.subject),
      pathIndexes: sentPath.map((s) => s.index),
      s2nBuildsFromAnyOrder: true,
    },
  }];
}

// ---------------------------------------------------------------------------------------------------------------

function anchorSource(trust: TrustStore, cache: ChainCache): AnchorSource {
  return {
    issuersOf: (c) => trust.anchorsNamed(c.x509.issuer ?? '').map((a) => trust.parsed(a)).filter((a) => cache.signedBy(c, a)),
    anchorFor: (c) => {
      const a = trust.anchorFor(c.x509);
      return a ? trust.parsed(a) : undefined;
    },
  };
}

/**
 * s2n takes the first certificate as the leaf. When that is a CA certificate that issued another sent certificate,
 * the server has put its own certificate later: the real leaf is the bottom of that chain.
 */
function realLeaf(sent: ParsedCertificate[], cache: ChainCache): ParsedCertificate {
  const first = sent[0];
  if (first.basicConstraints?.ca !== true) return first;
  let leaf = first;
  for (let guard = 0; guard < sent.length; guard++) {
    const child = sent.find((s) => s !== leaf && s !== first && cache.signedBy(s, leaf) && !isSelfSigned(s));
    if (!child) break;
    leaf = child;
  }
  return leaf;
}

export function analyzeChain(der: Buffer[], opts: AnalyzeChainOptions): ChainAnalysis {
  const serverName = opts.serverName || undefined;
  const cache = opts.cache ?? processCache;
  const sent: ParsedCertificate[] = [];
  const errors: string[] = [];
  der.forEach((bytes, index) => {
    try {
      const c = cache.parse(bytes, index);
      if (index === 0 && c.trailingBytes > 3) {
        throw new CertificateParseError(`${c.trailingBytes} bytes follow the certificate's DER (s2n allows at most 3 after the first)`);
      }
      sent.push(c);
    } catch (err) {
      const why = err instanceof CertificateParseError ? err.message : `unexpected error (${(err as Error).message})`;
      errors.push(`certificate ${index} (${bytes.length} bytes) cannot be parsed: ${why}`);
    }
  });
  const base: ChainAnalysis = {
    certificates: sent.map(certificateInfo),
    serverName,
    problems: [],
    trustStore: opts.trust.describe,
  };
  // s2n fails the handshake on any certificate it cannot parse (tls/s2n_x509_validator.c:596-600): that is the
  // verdict, and it says nothing about the other certificates.
  if (errors.length > 0) return { ...base, certificateError: errors.join('; ') };
  if (sent.length === 0) return { ...base, certificateError: 'the server sent no certificate' };

  const leaf = realLeaf(sent, cache);
  const pool = sent.filter((s) => s !== leaf);
  const path = buildPath(leaf, pool, anchorSource(opts.trust, cache), opts.now, (child, issuer) => cache.signedBy(child, issuer));
  const ctx: Context = { sent, leaf, path, opts: { ...opts, serverName } };
  const problems = CHECKS.flatMap((check) => check.run(ctx));
  const unused = sent.filter((s) => !path.certs.includes(s) && !(path.anchor && s.x509.fingerprint256 === path.anchor.x509.fingerprint256));
  const anchorX509 = path.anchor?.x509;
  const addedBy = anchorX509 ? opts.trust.addedBy(anchorX509) : undefined;
  return {
    ...base,
    problems,
    ...(path.anchor ? { trustAnchor: path.anchor.subject || '(empty subject)' } : {}),
    ...(addedBy ? { trustAnchorAddedBy: addedBy } : {}),
    ...(unused.length > 0 ? { unusedCertificates: unused.map((s) => s.index) } : {}),
  };
}
