/**
 * Does the first certificate cover the name CloudFront sends? s2n-tls's rules (tls/s2n_x509_validator.c:229-419):
 *
 *  - SAN entries of type DNS, URI or IP are the names; any one of them present means the CN is never used (:399-410).
 *    Other SAN types (e-mail, directoryName, otherName) do not count (:278).
 *  - Each is compared as a string: an IP entry as its text form (:254-275), a URI entry whole (:235-246).
 *  - With none of them, the last CN is used (:312-325) if it is one of the X520 string types (:340-345), at most 254
 *    bytes (:351-355) and not an IP address (:369-374).
 *  - The comparison is s2n's default (tls/s2n_connection.c:222-252): case-insensitive and exact, or `*.` followed by
 *    the part of the SNI from its first dot. No other wildcard form matches anything but itself, and the SNI is
 *    compared as sent: `name.` (trailing dot) does not match `name`.
 */
import { isIP } from 'node:net';
import type { ParsedCertificate, SanEntry } from './certificate';

const X520_TYPES: ReadonlySet<string> = new Set(['utf8', 'printable', 'teletex', 'bmp', 'universal']);
const MAX_CN_BYTES = 254;

/** ASCII-only lower case, as strncasecmp in the C locale. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

/** s2n_default_verify_host: `pattern` from the certificate, `host` the SNI as sent. */
export function hostMatches(pattern: string, host: string): boolean {
  if (host === '' || pattern === '') return false;
  if (pattern.length === host.length && asciiLower(pattern) === asciiLower(host)) return true;
  if (pattern.length > 2 && pattern.startsWith('*.')) {
    const dot = host.indexOf('.');
    if (dot < 0) return false;
    return asciiLower(host.slice(dot)) === asciiLower(pattern.slice(1));
  }
  return false;
}

/** Kept for callers of the old module: the same rule. */
export const dnsNameMatches = hostMatches;

export interface NameVerdict {
  matches: boolean;
  /** What was compared: the identifying SAN entries, or the CN, or nothing. */
  usedNames: string[];
  /** `san`, `cn`, or `none` (no name at all). */
  basis: 'san' | 'cn' | 'none';
  /** Why the CN was not usable, when it was the basis and was refused. */
  cnRefused?: string;
}

const identifying = (n: SanEntry) => n.type === 'dns' || n.type === 'ip' || n.type === 'uri';

function ipText(value: string): string {
  // The library prints IPv4 dotted and IPv6 compressed (as inet_ntop does); anything else cannot match an SNI.
  return value;
}

export function checkHostName(leaf: ParsedCertificate, host: string): NameVerdict {
  const san = (leaf.san ?? []).filter(identifying);
  if (san.length > 0) {
    const names = san.map((n) => (n.type === 'ip' ? ipText(n.value) : n.value));
    return { matches: names.some((n) => hostMatches(n, host)), usedNames: names, basis: 'san' };
  }
  const cn = leaf.commonNames.at(-1);
  if (!cn) return { matches: false, usedNames: [], basis: 'none' };
  const refuse = (why: string): NameVerdict => ({ matches: false, usedNames: [cn.value], basis: 'cn', cnRefused: why });
  if (!X520_TYPES.has(cn.stringType)) return refuse(`its CN is an ${cn.stringType.toUpperCase()}String, not a DirectoryString type`);
  // BMP and Universal strings are compared as their raw bytes, which for any ASCII name start with a zero byte.
  if (cn.stringType === 'bmp' || cn.stringType === 'universal') return refuse(`its CN is a ${cn.stringType.toUpperCase()}String, compared as raw bytes`);
  if (Buffer.byteLength(cn.value, cn.stringType === 'teletex' ? 'latin1' : 'utf8') > MAX_CN_BYTES) return refuse(`its CN is longer than ${MAX_CN_BYTES} bytes`);
  if (isIP(cn.value)) return refuse('its CN is an IP address, which s2n never matches against a CN');
  return { matches: hostMatches(cn.value, host), usedNames: [cn.value], basis: 'cn' };
}
