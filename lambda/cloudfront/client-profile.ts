/**
 * CloudFront's origin-facing TLS client, as data. The prober builds its ClientHello from a profile and the
 * diagnosis judges the server's choice against it; nothing else in the code knows what CloudFront offers.
 *
 * Sources:
 * - SUITES_PAGE: AWS, "Supported protocols and ciphers between CloudFront and the origin"
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-ciphers-cloudfront-to-origin.html
 * - TLS13_ANNOUNCEMENT: AWS What's New 2025-11-20, "CloudFront now supports TLS 1.3 for origin connections"
 *   (enabled for all origins, no configuration change); suites as in s2n-tls's "CloudFront-Upstream-2025" policy.
 * - API: `CustomOriginConfig.OriginSslProtocols` takes SSLv3, TLSv1, TLSv1.1, TLSv1.2 (AWS API reference,
 *   "OriginSslProtocols").
 */
import type { OriginSslProtocol, TlsVersionName } from '../model';

export const SOURCES = {
  S2N_UPSTREAM_2025:
    'https://github.com/aws/s2n-tls/blob/main/tls/policy/s2n_security_policies.c (security_policy_cloudfront_upstream_2025_08_08, s2n_signature_preferences_20250820)',
  SUITES_PAGE:
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-ciphers-cloudfront-to-origin.html',
  TLS13_ANNOUNCEMENT: 'https://aws.amazon.com/about-aws/whats-new/2025/11/amazon-cloudfront-tls-1-3-origin-connections/',
  ORIGIN_SSL_PROTOCOLS: 'https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginSslProtocols.html',
  HTTP_502_PAGE: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html',
  KC_CONNECT_ORIGIN: 'https://repost.aws/knowledge-center/cloudfront-connectivity-custom-origin',
  ORIGIN_SETTINGS_PAGE:
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html',
} as const;

export interface CipherSuite {
  code: number;
  /** OpenSSL name (what `openssl s_client -cipher` takes). */
  openssl: string;
  iana: string;
  /** Legacy: 3DES or RC4, which a healthy origin should not need. */
  legacy?: boolean;
}

/** The 16 suites up to TLS 1.2, in CloudFront's order (SUITES_PAGE). */
export const CLOUDFRONT_SUITES: readonly CipherSuite[] = [
  { code: 0xc02c, openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' },
  { code: 0xc024, openssl: 'ECDHE-ECDSA-AES256-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384' },
  { code: 0xc00a, openssl: 'ECDHE-ECDSA-AES256-SHA', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA' },
  { code: 0xc02b, openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' },
  { code: 0xc023, openssl: 'ECDHE-ECDSA-AES128-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256' },
  { code: 0xc009, openssl: 'ECDHE-ECDSA-AES128-SHA', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA' },
  { code: 0xc030, openssl: 'ECDHE-RSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' },
  { code: 0xc028, openssl: 'ECDHE-RSA-AES256-SHA384', iana: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384' },
  { code: 0xc014, openssl: 'ECDHE-RSA-AES256-SHA', iana: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA' },
  { code: 0xc02f, openssl: 'ECDHE-RSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
  { code: 0xc027, openssl: 'ECDHE-RSA-AES128-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256' },
  { code: 0xc013, openssl: 'ECDHE-RSA-AES128-SHA', iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' },
  { code: 0x0035, openssl: 'AES256-SHA', iana: 'TLS_RSA_WITH_AES_256_CBC_SHA' },
  { code: 0x002f, openssl: 'AES128-SHA', iana: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
  { code: 0x000a, openssl: 'DES-CBC3-SHA', iana: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', legacy: true },
  { code: 0x0004, openssl: 'RC4-MD5', iana: 'TLS_RSA_WITH_RC4_128_MD5', legacy: true },
];

/** TLS 1.3 suites (TLS13_ANNOUNCEMENT; s2n-tls CloudFront-Upstream-2025). */
export const CLOUDFRONT_TLS13_SUITES: readonly CipherSuite[] = [
  { code: 0x1301, openssl: 'TLS_AES_128_GCM_SHA256', iana: 'TLS_AES_128_GCM_SHA256' },
  { code: 0x1302, openssl: 'TLS_AES_256_GCM_SHA384', iana: 'TLS_AES_256_GCM_SHA384' },
  { code: 0x1303, openssl: 'TLS_CHACHA20_POLY1305_SHA256', iana: 'TLS_CHACHA20_POLY1305_SHA256' },
];

export interface NamedGroup {
  code: number;
  name: string;
  /** The name `openssl s_client -groups` takes. */
  openssl: string;
}

/** Key exchange groups (SUITES_PAGE). */
export const CLOUDFRONT_GROUPS: readonly NamedGroup[] = [
  { code: 0x001d, name: 'x25519', openssl: 'X25519' },
  { code: 0x0017, name: 'secp256r1', openssl: 'P-256' },
  { code: 0x0018, name: 'secp384r1', openssl: 'P-384' },
];

export interface SignatureScheme {
  code: number;
  name: string;
}

/** Signature schemes (SUITES_PAGE). No RSA-PSS in the page's list: the legacy client. */
export const CLOUDFRONT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  { code: 0x0401, name: 'rsa_pkcs1_sha256' },
  { code: 0x0501, name: 'rsa_pkcs1_sha384' },
  { code: 0x0601, name: 'rsa_pkcs1_sha512' },
  { code: 0x0301, name: 'rsa_pkcs1_sha224' },
  { code: 0x0403, name: 'ecdsa_secp256r1_sha256' },
  { code: 0x0503, name: 'ecdsa_secp384r1_sha384' },
  { code: 0x0603, name: 'ecdsa_secp521r1_sha512' },
  { code: 0x0303, name: 'ecdsa_sha224' },
  { code: 0x0201, name: 'rsa_pkcs1_sha1' },
  { code: 0x0203, name: 'ecdsa_sha1' },
];

/**
 * Signature schemes of s2n-tls's CloudFront-Upstream-2025 policy (S2N_UPSTREAM_2025: "signature preferences updated
 * to 2020-10-21, expanding support for RSA PSS"), in its order. TLS 1.3 lets RSA keys sign only with RSA-PSS, so
 * without these every TLS 1.3 origin with an RSA certificate would refuse the hello.
 */
export const CLOUDFRONT_2025_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  { code: 0x0403, name: 'ecdsa_secp256r1_sha256' },
  { code: 0x0503, name: 'ecdsa_secp384r1_sha384' },
  { code: 0x0603, name: 'ecdsa_secp521r1_sha512' },
  { code: 0x0303, name: 'ecdsa_sha224' },
  { code: 0x0809, name: 'rsa_pss_pss_sha256' },
  { code: 0x080a, name: 'rsa_pss_pss_sha384' },
  { code: 0x080b, name: 'rsa_pss_pss_sha512' },
  { code: 0x0804, name: 'rsa_pss_rsae_sha256' },
  { code: 0x0805, name: 'rsa_pss_rsae_sha384' },
  { code: 0x0806, name: 'rsa_pss_rsae_sha512' },
  { code: 0x0401, name: 'rsa_pkcs1_sha256' },
  { code: 0x0501, name: 'rsa_pkcs1_sha384' },
  { code: 0x0601, name: 'rsa_pkcs1_sha512' },
  { code: 0x0301, name: 'rsa_pkcs1_sha224' },
  { code: 0x0201, name: 'rsa_pkcs1_sha1' },
  { code: 0x0203, name: 'ecdsa_sha1' },
];

export interface ClientProfile {
  name: string;
  description: string;
  /** Where each value comes from. */
  sources: string[];
  suites: readonly CipherSuite[];
  /** Empty when the profile does not speak TLS 1.3. */
  tls13Suites: readonly CipherSuite[];
  groups: readonly NamedGroup[];
  signatureSchemes: readonly SignatureScheme[];
  /**
   * TLS 1.3 is offered whatever `OriginSslProtocols` says (cloudfront-2025), or never (cloudfront-legacy).
   */
  tls13: 'always' | 'never';
}

export const PROFILES: Readonly<Record<string, ClientProfile>> = {
  'cloudfront-2025': {
    name: 'cloudfront-2025',
    description:
      'CloudFront since 2025-11-20: the origin SSL protocols of the distribution (SSLv3 to TLSv1.2) plus TLS 1.3 for every origin.',
    sources: [SOURCES.SUITES_PAGE, SOURCES.TLS13_ANNOUNCEMENT, SOURCES.ORIGIN_SSL_PROTOCOLS, SOURCES.S2N_UPSTREAM_2025],
    suites: CLOUDFRONT_SUITES,
    tls13Suites: CLOUDFRONT_TLS13_SUITES,
    groups: CLOUDFRONT_GROUPS,
    signatureSchemes: CLOUDFRONT_2025_SIGNATURE_SCHEMES,
    tls13: 'always',
  },
  'cloudfront-legacy': {
    name: 'cloudfront-legacy',
    description: 'CloudFront before November 2025: only the origin SSL protocols of the distribution, no TLS 1.3.',
    sources: [SOURCES.SUITES_PAGE, SOURCES.ORIGIN_SSL_PROTOCOLS],
    suites: CLOUDFRONT_SUITES,
    tls13Suites: [],
    groups: CLOUDFRONT_GROUPS,
    signatureSchemes: CLOUDFRONT_SIGNATURE_SCHEMES,
    tls13: 'never',
  },
};

export const DEFAULT_PROFILE = 'cloudfront-2025';

export function getProfile(name: string): ClientProfile {
  const profile = PROFILES[name];
  if (!profile) {
    throw new Error(`unknown TLS client profile "${name}": use one of ${Object.keys(PROFILES).join(', ')}`);
  }
  return profile;
}

/** The versions CloudFront offers an origin under a profile, given the distribution's OriginSslProtocols. */
export function offeredVersions(profile: ClientProfile, allowed: readonly OriginSslProtocol[]): TlsVersionName[] {
  const order: TlsVersionName[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];
  // The whole allowed range goes into one hello. (An old AWS page said a distribution set to SSLv3 sends only
  // SSLv3 hellos; the console now picks a minimum and the API a list, so the list is what is offered.)
  const versions: TlsVersionName[] = order.filter((v) => allowed.includes(v as OriginSslProtocol));
  if (profile.tls13 === 'always') versions.push('TLSv1.3');
  return versions;
}

/** 3DES and RC4: suites CloudFront still offers but a healthy origin should not need. */
export const LEGACY_SUITE_CODES: readonly number[] = CLOUDFRONT_SUITES.filter((s) => s.legacy).map((s) => s.code);
