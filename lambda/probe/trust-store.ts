/**
 * The trust anchors a chain is judged against: Node's bundled Mozilla roots (`tls.rootCertificates`, what CloudFront
 * trusts), plus the --ca-file bundles the user names, and nothing else. NODE_EXTRA_CA_CERTS does not count: many
 * corporate machines and CI images set it, and a private CA it adds would make an origin look fine that CloudFront
 * rejects. Parsed once into X509Certificate and indexed by subject (at the first question asked of the store, not at
 * start-up), so that judging a chain costs a map lookup and a signature check per step, not a parse of the bundle.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { parseCertificate, type ParsedCertificate } from './chain/certificate';

export interface TrustStore {
  /** Which roots, from which runtime and files, e.g. `node v20.20.2 tls.rootCertificates, 144 roots + 2 from --ca-file a.pem`. */
  readonly describe: string;
  readonly size: number;
  /** Anchors whose subject is `subject` (X509Certificate.subject form). */
  anchorsNamed(subject: string): readonly X509Certificate[];
  /** The anchor `cert` is (byte-equal, or the same subject and key), if it is one. */
  anchorFor(cert: X509Certificate): X509Certificate | undefined;
  /** An anchor with its extensions read (parsed on first use, then kept). */
  parsed(anchor: X509Certificate): ParsedCertificate;
  /** `--ca-file <file>` for a root that only a --ca-file added; undefined for Node's bundled roots. */
  addedBy(anchor: X509Certificate): string | undefined;
  /** The --ca-file bundles and how many roots each added that Node's bundle does not hold. */
  readonly caFileRoots: readonly { file: string; roots: number }[];
}

export interface TrustStoreOptions {
  caFiles?: string[];
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

interface Added {
  cert: X509Certificate;
  /** `--ca-file <file>`, or undefined for a bundled root. */
  by?: string;
}

interface Index {
  bySubject: Map<string, X509Certificate[]>;
  addedBy: Map<X509Certificate, string>;
  size: number;
}

function indexCerts(certs: readonly Added[]): Index {
  const bySubject = new Map<string, X509Certificate[]>();
  const seen = new Set<string>();
  const addedBy = new Map<X509Certificate, string>();
  for (const { cert, by } of certs) {
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    if (by) addedBy.set(cert, by);
    const subject = cert.subject ?? '';
    const list = bySubject.get(subject);
    if (list) list.push(cert);
    else bySubject.set(subject, [cert]);
  }
  return { bySubject, addedBy, size: seen.size };
}

/**
 * The store over `certs()`, called (and the anchors indexed) at the first question asked of it, not when it is
 * built: parsing Node's 140-odd roots costs about 30 ms, which a scan with no TLS origin (an empty inventory, an
 * HTTP-only fleet) never needs. The roots and every answer are the same either way.
 */
function buildStore(
  certs: () => readonly Added[],
  describe: (size: () => number) => string,
  caFileRoots: () => { file: string; roots: number }[] = () => [],
): TrustStore {
  let index: Index | undefined;
  const ix = () => (index ??= indexCerts(certs()));
  const anchorsNamed = (subject: string) => ix().bySubject.get(subject ?? '') ?? [];
  const parsed = new WeakMap<X509Certificate, ParsedCertificate>();
  let described: string | undefined;
  let fromFiles: { file: string; roots: number }[] | undefined;
  return {
    get describe() {
      return (described ??= describe(() => ix().size));
    },
    get size() {
      return ix().size;
    },
    anchorsNamed,
    anchorFor: (cert) =>
      anchorsNamed(cert.subject).find((a) => a.fingerprint256 === cert.fingerprint256 || a.publicKey.equals(cert.publicKey)),
    parsed: (anchor) => {
      let p = parsed.get(anchor);
      if (!p) parsed.set(anchor, (p = parseCertificate(anchor.raw, -1, anchor)));
      return p;
    },
    addedBy: (anchor) => ix().addedBy.get(anchor),
    get caFileRoots() {
      return (fromFiles ??= caFileRoots());
    },
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

/**
 * Builds the store a scan judges chains against. Build it once per process and share it.
 * Throws one actionable line when a --ca-file is missing, unreadable or holds no certificate.
 */
export function loadTrustStore(opts: TrustStoreOptions = {}): TrustStore {
  const system = opts.includeSystemRoots ?? true;
  const parts: string[] = [];
  if (system) parts.push(`node ${process.version} tls.rootCertificates, ${tls.rootCertificates.length} roots`);
  // The --ca-file bundles are read and parsed now: a missing or bad file is an error before the scan.
  const files = (opts.caFiles ?? []).map((file) => ({ file, certs: readCaFile(file) }));
  for (const { file, certs } of files) parts.push(`${certs.length} from --ca-file ${file}`);
  const bundled = () => (system ? nodeRoots() : []);
  return buildStore(
    () => [...bundled().map((cert) => ({ cert })), ...files.flatMap(({ file, certs }) => certs.map((cert) => ({ cert, by: `--ca-file ${file}` })))],
    () => (parts.length > 0 ? parts.join(' + ') : 'empty trust store'),
    () => {
      if (files.length === 0) return [];
      const known = new Set(bundled().map((c) => c.fingerprint256));
      return files.map(({ file, certs }) => ({ file, roots: certs.filter((c) => !known.has(c.fingerprint256)).length }));
    },
  );
}

/** A store of exactly these PEM certificates (bundles allowed), for tests and fixed trust lists. */
export function trustStoreFromPems(pems: string[], label: string): TrustStore {
  const certs = pems.flatMap((pem) => {
    const parsed = parsePemBundle(pem);
    if (parsed.errors.length > 0) throw new Error(`${label}: ${parsed.errors[0]}`);
    return parsed.certs;
  });
  return buildStore(
    () => certs.map((cert) => ({ cert })),
    (size) => `${label}: ${size()} ${size() === 1 ? 'root' : 'roots'}`,
  );
}
