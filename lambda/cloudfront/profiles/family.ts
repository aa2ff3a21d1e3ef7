/**
 * What a client profile is: one CloudFront-Upstream policy family of s2n-tls, as data. Every list value carries the
 * file:line of s2n-tls it comes from (sources.ts), so the profile can be checked line by line against s2n.
 */
import type { OriginSslProtocol, TlsVersionName } from '../../model';
import type { CipherSuite, NamedGroup, SignatureScheme, Sourced } from './catalogue';
import { s2nSource } from './sources';

export interface PolicyChoice {
  /** The s2n security policy name, as `s2nc -c` and `policy` take it. */
  policy: string;
  /** Its definition in s2n-tls. */
  source: string;
}

export interface ClientProfile {
  name: string;
  description: string;
  /** Where the profile as a whole comes from. */
  sources: string[];
  /** The s2n policy CloudFront uses for an origin, by the lowest version its OriginSslProtocols lists. */
  policies: Readonly<Record<OriginSslProtocol, PolicyChoice>>;
  /** The highest version the family offers (TLS 1.3 for the 2025 family, TLS 1.2 for the original one). */
  maxVersion: TlsVersionName;
  /** Suites up to TLS 1.2, in s2n's order. */
  suites: readonly Sourced<CipherSuite>[];
  /** Empty when the profile does not speak TLS 1.3. */
  tls13Suites: readonly Sourced<CipherSuite>[];
  /** supported_groups, in s2n's order. */
  groups: readonly Sourced<NamedGroup>[];
  /** The group the TLS 1.3 key share is sent for (the first of `groups`); the others cost a HelloRetryRequest. */
  keyShare: Sourced<NamedGroup>;
  signatureSchemes: readonly Sourced<SignatureScheme>[];
}

/** `items` read from consecutive lines of `file`, the first at `firstLine` (blank and comment lines skipped by `gaps`). */
export function fromLines<T extends object>(file: string, lines: readonly number[], items: readonly T[]): Sourced<T>[] {
  if (lines.length !== items.length) throw new Error(`${file}: ${items.length} values but ${lines.length} lines`);
  return items.map((item, i) => ({ ...item, source: s2nSource(`${file}:${lines[i]}`) }));
}

/** Lines a..b inclusive. */
export const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const VERSION_ORDER: readonly TlsVersionName[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
