/**
 * What a scan learns about certificates once and re-uses: the parse of a certificate (by its DER bytes) and whether
 * one certificate's key signed another (by the pair). Real fleets share their intermediates and roots (a few CAs
 * issue most certificates), and often a leaf too (one wildcard certificate on many load balancers); parsing costs
 * about 0.1 ms and a signature check 0.1-0.2 ms, several times per origin.
 *
 * Never a verdict: both answers are functions of the bytes alone, whatever the clock or the trust store. Everything
 * that depends on the time (validity, expiry warnings) or on the name asked for is judged per chain, per scan.
 *
 * Bounded memory: CA certificates, and any certificate seen twice, are kept for the scan (up to SHARED_LIMIT); every
 * other certificate (a leaf seen once, in a fleet of 10,000 origins with 10,000 leaves) only among the last
 * RECENT_LIMIT, so that a scan does not hold every origin's leaf.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { CertificateParseError, parseCertificate, type ParsedCertificate } from './certificate';

const SHARED_LIMIT = 4096;
const RECENT_LIMIT = 256;
const LINK_LIMIT = 16_384;

interface Entry {
  parsed: ParsedCertificate | CertificateParseError;
  /** The bytes as sent; made a buffer of their own (not a slice pinning a flight or a pool slab) by canonical. */
  bytes: Buffer;
}

/** A copy in an ArrayBuffer of its own size: Buffer.from would take a slice of the shared 8 KiB pool. */
function ownCopy(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

export class ChainCache {
  /** By the DER bytes (as a latin1 string: Map hashes and compares it in full, no digest to compute). */
  private readonly shared = new Map<string, Entry>();
  private readonly recent = new Map<string, Entry>();
  /** `child>issuer` by certificate id: did issuer's key sign child? */
  private readonly links = new Map<string, boolean>();
  private readonly ids = new WeakMap<X509Certificate, number>();
  /** X509Certificate.publicKey makes a new KeyObject on every read. */
  private readonly keys = new WeakMap<X509Certificate, KeyObject>();
  private nextId = 1;
  /** Counters, for the bench and the tests. */
  readonly stats = { parsed: 0, parseHits: 0, verified: 0, linkHits: 0 };

  /** The certificate parsed, at position `index` of its chain; throws CertificateParseError as parseCertificate. */
  parse(der: Buffer, index: number): ParsedCertificate {
    const key = der.toString('latin1');
    let entry = this.shared.get(key);
    if (entry === undefined) {
      entry = this.recent.get(key);
      if (entry !== undefined) {
        // Seen twice: kept for the scan.
        this.recent.delete(key);
        this.keep(this.shared, key, entry, SHARED_LIMIT);
      }
    }
    if (entry === undefined) {
      this.stats.parsed++;
      // No copy here: judging a chain allocates nothing the size of a certificate (the fuzzing's limit); the bytes
      // get a buffer of their own when a handshake result keeps them (canonical).
      const bytes = der;
      let parsed: Entry['parsed'];
      try {
        parsed = parseCertificate(bytes, -2);
      } catch (err) {
        if (!(err instanceof CertificateParseError)) throw err;
        parsed = err;
      }
      entry = { parsed, bytes };
      const lasting = !(parsed instanceof CertificateParseError) && (parsed.basicConstraints?.ca === true || parsed.subjectKey === parsed.issuerKey);
      if (lasting) this.keep(this.shared, key, entry, SHARED_LIMIT);
      else this.keep(this.recent, key, entry, RECENT_LIMIT);
    } else {
      this.stats.parseHits++;
    }
    if (entry.parsed instanceof CertificateParseError) throw entry.parsed;
    return { ...entry.parsed, index };
  }

  /**
   * The same bytes in one buffer per certificate for the scan: the cache's own for a certificate it holds (every
   * origin's copy of a shared intermediate is then one buffer), else a copy of its own size. A handshake result kept
   * for the scan then pins neither its flight nor a pool slab.
   */
  canonical(der: Buffer): Buffer {
    const key = der.toString('latin1');
    const entry = this.shared.get(key) ?? this.recent.get(key);
    if (!entry) return ownCopy(der);
    if (entry.bytes.buffer.byteLength !== entry.bytes.length || entry.bytes.byteOffset !== 0) entry.bytes = ownCopy(entry.bytes);
    return entry.bytes;
  }

  /** The issuer's name and key signed `child` (OpenSSL's X509_verify, once per pair of certificates). */
  signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
    if (child.issuerKey !== issuer.subjectKey) return false;
    const key = `${this.idOf(child.x509)}>${this.idOf(issuer.x509)}`;
    let signed = this.links.get(key);
    if (signed === undefined) {
      this.stats.verified++;
      signed = this.verify(child, issuer);
      this.keep(this.links, key, signed, LINK_LIMIT);
    } else {
      this.stats.linkHits++;
    }
    return signed;
  }

  private verify(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
    try {
      let key = this.keys.get(issuer.x509);
      if (!key) this.keys.set(issuer.x509, (key = issuer.x509.publicKey));
      return child.x509.verify(key);
    } catch {
      return false;
    }
  }

  private idOf(x509: X509Certificate): number {
    let id = this.ids.get(x509);
    if (id === undefined) this.ids.set(x509, (id = this.nextId++));
    return id;
  }

  private keep<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
    if (map.size >= limit) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}
