/**
 * The trust anchors a chain is judged against: Node's bundled Mozilla roots (what CloudFront trusts), plus
 * NODE_EXTRA_CA_CERTS and --ca-file bundles. Parsed once into X509Certificate and indexed by subject, so that judging a
 * chain costs a map lookup and a signature check per step, not a parse of the bundle.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

export interface TrustStore {
  /** Which roots, from which runtime and files, e.g. `node v20.20.2 tls.rootCertificates, 144 roots + 2 from --ca-file a.pem`. */
  readonly describe: string;
  readonly size: number;
  /** Anchors whose subject is `subject` (X509Certificate.subject form). */
  anchorsNamed(subject: string): readonly X509Certificate[];
  /** The anchor `cert` is (byte-equal, or the same subject and key), if it is one. */
  anchorFor(cert: X509Certificate): X509Certificate | undefined;
}

export interface TrustStoreOptions {
  caFiles?: string[];
  /** Path of an extra PEM bundle; default `process.env.NODE_EXTRA_CA_CERTS`. */
  extraCaEnv?: string | undefined;
  /** Default true: Node's bundled Mozilla roots (`tls.rootCertificates`). */
  includeSystemRoots?: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

interface ParsedBundle {
  certs: X509Certificate[];
  /** One line per block that is not a certificate. */
  errors: string[];
}

function parsePemBundle(text: string): ParsedBundle {
  const certs: X509Certificate[] = [];
  const errors: string[] = [];
  (text.match(PEM_BLOCK) ?? []).forEach((pem, i) => {
    try {
      certs.push(new X509Certificate(pem));
    } catch (err) {
      errors.push(`certificate ${i + 1} is not a valid X.509 certificate (${(err as Error).message})`);
    }
  });
  return { certs, errors };
}

function buildStore(certs: readonly X509Certificate[], describe: (size: number) => string): TrustStore {
  const bySubject = new Map<string, X509Certificate[]>();
  const seen = new Set<string>();
  for (const cert of certs) {
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    const list = bySubject.get(cert.subject);
    if (list) list.push(cert);
    else bySubject.set(cert.subject, [cert]);
  }
  const anchorsNamed = (subject: string) => bySubject.get(subject) ?? [];
  return {
    describe: describe(seen.size),
    size: seen.size,
    anchorsNamed,
    anchorFor: (cert) =>
      anchorsNamed(cert.subject).find((a) => a.fingerprint256 === cert.fingerprint256 || a.publicKey.equals(cert.publicKey)),
  };
}

let mozillaRoots: X509Certificate[] | undefined;
/** Node's bundled roots, parsed once per process (the list differs between Node versions). */
function nodeRoots(): X509Certificate[] {
  mozillaRoots ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return mozillaRoots;
}

function readCaFile(file: string): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--ca-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const { certs, errors } = parsePemBundle(text);
  if (errors.length > 0) throw new Error(`--ca-file ${file}: ${errors[0]}; fix or remove it`);
  if (certs.length === 0) throw new Error(`--ca-file ${file}: no PEM certificate found (expected -----BEGIN CERTIFICATE----- blocks)`);
  return certs;
}

function readExtraCa(file: string): { certs: X509Certificate[]; note: string } {
  try {
    const { certs, errors } = parsePemBundle(readFileSync(file, 'utf8'));
    const skipped = errors.length > 0 ? ` (${errors.length} unparsable skipped)` : '';
    return { certs, note: `${certs.length} from NODE_EXTRA_CA_CERTS ${file}${skipped}` };
  } catch (err) {
    return { certs: [], note: `NODE_EXTRA_CA_CERTS ${file} ignored (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
}

/**
 * Builds the store a scan judges chains against. Build it once per process and share it.
 * Throws one actionable line when a --ca-file is missing, unreadable or holds no certificate.
 */
export function loadTrustStore(opts: TrustStoreOptions = {}): TrustStore {
  const extraCa = 'extraCaEnv' in opts ? opts.extraCaEnv : process.env.NODE_EXTRA_CA_CERTS;
  const certs: X509Certificate[] = [];
  const parts: string[] = [];
  if (opts.includeSystemRoots ?? true) {
    certs.push(...nodeRoots());
    parts.push(`node ${process.version} tls.rootCertificates, ${nodeRoots().length} roots`);
  }
  for (const file of opts.caFiles ?? []) {
    const fromFile = readCaFile(file);
    certs.push(...fromFile);
    parts.push(`${fromFile.length} from --ca-file ${file}`);
  }
  if (extraCa) {
    const extra = readExtraCa(extraCa);
    certs.push(...extra.certs);
    parts.push(extra.note);
  }
  return buildStore(certs, () => (parts.length > 0 ? parts.join(' + ') : 'empty trust store'));
}

/** A store of exactly these PEM certificates (bundles allowed), for tests and fixed trust lists. */
export function trustStoreFromPems(pems: string[], label: string): TrustStore {
  const certs = pems.flatMap((pem) => {
    const parsed = parsePemBundle(pem);
    if (parsed.errors.length > 0) throw new Error(`${label}: ${parsed.errors[0]}`);
    return parsed.certs;
  });
  return buildStore(certs, (size) => `${label}: ${size} ${size === 1 ? 'root' : 'roots'}`);
}
