/**
 * CloudFront's origin-facing TLS client, as data. The prober builds its ClientHello from a profile and the
 * diagnosis judges the server's choice against it; nothing else in the code knows what CloudFront offers.
 *
 * The profiles are s2n-tls's CloudFront-Upstream policy families (profiles/), each value with its s2n file:line.
 * `OriginSslProtocols` picks the policy of the family: the lowest version listed is the policy's minimum, and the
 * policy offers every version from there up to the family's maximum. A set with gaps (`SSLv3,TLSv1.2`) therefore
 * offers the versions in the gap too (SSLv3, TLS 1.0, 1.1, 1.2, and 1.3 in the 2025 family): s2n policies are
 * ranges, and no CloudFront-Upstream policy leaves a version out (`s2n-check.sh` picks the policy the same way).
 */
import type { OriginSslProtocol, TlsVersionName } from '../model';
import { SUITE, type CipherSuite } from './profiles/catalogue';
import { CLOUDFRONT_LEGACY } from './profiles/cloudfront-upstream';
import { CLOUDFRONT_2025 } from './profiles/cloudfront-upstream-2025';
import { VERSION_ORDER, type ClientProfile, type PolicyChoice } from './profiles/family';
import { AWS_SOURCES } from './profiles/sources';

export type { CipherSuite, NamedGroup, SignatureScheme } from './profiles/catalogue';
export type { ClientProfile, PolicyChoice } from './profiles/family';

export const SOURCES = AWS_SOURCES;

export const PROFILES: Readonly<Record<string, ClientProfile>> = {
  [CLOUDFRONT_2025.name]: CLOUDFRONT_2025,
  [CLOUDFRONT_LEGACY.name]: CLOUDFRONT_LEGACY,
};

export const DEFAULT_PROFILE = CLOUDFRONT_2025.name;

/** The default profile's suites up to TLS 1.2 (19, s2n's order). */
export const CLOUDFRONT_SUITES: readonly CipherSuite[] = CLOUDFRONT_2025.suites;
/** TLS 1.3 suites of the 2025 family. */
export const CLOUDFRONT_TLS13_SUITES: readonly CipherSuite[] = CLOUDFRONT_2025.tls13Suites;
export const CLOUDFRONT_GROUPS = CLOUDFRONT_2025.groups;
/** The original family's signature schemes (no RSA-PSS). */
export const CLOUDFRONT_SIGNATURE_SCHEMES = CLOUDFRONT_LEGACY.signatureSchemes;
export const CLOUDFRONT_2025_SIGNATURE_SCHEMES = CLOUDFRONT_2025.signatureSchemes;

export function getProfile(name: string): ClientProfile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (!profile) {
    throw new Error(`unknown TLS client profile "${name}": use one of ${Object.keys(PROFILES).join(', ')}`);
  }
  return profile;
}

/** The lowest version `OriginSslProtocols` lists: it picks the policy. Undefined for an empty list. */
export function lowestProtocol(allowed: readonly OriginSslProtocol[]): OriginSslProtocol | undefined {
  return (VERSION_ORDER as readonly string[]).find((v) => allowed.includes(v as OriginSslProtocol)) as OriginSslProtocol | undefined;
}

/** The s2n policy CloudFront uses for this origin under `profile`. */
export function policyFor(profile: ClientProfile, allowed: readonly OriginSslProtocol[]): PolicyChoice | undefined {
  const lowest = lowestProtocol(allowed);
  return lowest ? profile.policies[lowest] : undefined;
}

/**
 * The versions CloudFront offers an origin under a profile: from the lowest of OriginSslProtocols up to the
 * family's maximum, gaps included (see the module comment).
 */
export function offeredVersions(profile: ClientProfile, allowed: readonly OriginSslProtocol[]): TlsVersionName[] {
  const lowest = lowestProtocol(allowed);
  if (!lowest) return [];
  const from = VERSION_ORDER.indexOf(lowest);
  const to = VERSION_ORDER.indexOf(profile.maxVersion);
  return VERSION_ORDER.slice(from, to + 1);
}

/** The versions a set with gaps adds to what it lists (empty for a contiguous set). */
export function gapVersions(allowed: readonly OriginSslProtocol[]): OriginSslProtocol[] {
  const lowest = lowestProtocol(allowed);
  if (!lowest) return [];
  const highest = [...VERSION_ORDER].reverse().find((v) => allowed.includes(v as OriginSslProtocol));
  return VERSION_ORDER.slice(VERSION_ORDER.indexOf(lowest), VERSION_ORDER.indexOf(highest!) + 1).filter(
    (v) => !allowed.includes(v as OriginSslProtocol),
  ) as OriginSslProtocol[];
}

const ALL_SUITES: readonly CipherSuite[] = Object.values(SUITE);

/** 3DES and RC4: suites CloudFront still offers but a healthy origin should not need. */
export const LEGACY_SUITE_CODES: readonly number[] = ALL_SUITES.filter((s) => s.legacy).map((s) => s.code);
/** Suites s2n's CloudFront-Upstream policies offer that AWS's documentation page does not list. */
export const UNDOCUMENTED_SUITE_CODES: readonly number[] = ALL_SUITES.filter((s) => !s.documented).map((s) => s.code);
