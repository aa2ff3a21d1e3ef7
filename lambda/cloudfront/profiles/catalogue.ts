/**
 * The TLS parameters the CloudFront-Upstream policies use, each once, with its code point and names. What a profile
 * offers, in which order and from which line of s2n-tls, is in the family files beside this one.
 */

export interface CipherSuite {
  code: number;
  /** OpenSSL name (what `openssl s_client -cipher` takes). */
  openssl: string;
  iana: string;
  /** 3DES or RC4: offered, but a healthy origin should not need them. */
  legacy?: boolean;
  /**
   * False for the suites s2n's CloudFront-Upstream policies offer but AWS's page "Supported protocols and ciphers
   * between CloudFront and the origin" does not list (static-RSA AES-GCM and AES-128-CBC-SHA256).
   */
  documented: boolean;
}

const suite = (code: number, openssl: string, iana: string, extra: Partial<CipherSuite> = {}): CipherSuite => ({
  code,
  openssl,
  iana,
  documented: true,
  ...extra,
});

export const SUITE = {
  ECDHE_ECDSA_AES128_GCM_SHA256: suite(0xc02b, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'),
  ECDHE_RSA_AES128_GCM_SHA256: suite(0xc02f, 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'),
  ECDHE_ECDSA_AES256_GCM_SHA384: suite(0xc02c, 'ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'),
  ECDHE_RSA_AES256_GCM_SHA384: suite(0xc030, 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'),
  ECDHE_ECDSA_AES128_SHA256: suite(0xc023, 'ECDHE-ECDSA-AES128-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'),
  ECDHE_RSA_AES128_SHA256: suite(0xc027, 'ECDHE-RSA-AES128-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'),
  ECDHE_ECDSA_AES256_SHA384: suite(0xc024, 'ECDHE-ECDSA-AES256-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'),
  ECDHE_RSA_AES256_SHA384: suite(0xc028, 'ECDHE-RSA-AES256-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'),
  ECDHE_ECDSA_AES128_SHA: suite(0xc009, 'ECDHE-ECDSA-AES128-SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'),
  ECDHE_RSA_AES128_SHA: suite(0xc013, 'ECDHE-RSA-AES128-SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'),
  ECDHE_ECDSA_AES256_SHA: suite(0xc00a, 'ECDHE-ECDSA-AES256-SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'),
  ECDHE_RSA_AES256_SHA: suite(0xc014, 'ECDHE-RSA-AES256-SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'),
  RSA_AES128_GCM_SHA256: suite(0x009c, 'AES128-GCM-SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', { documented: false }),
  RSA_AES256_GCM_SHA384: suite(0x009d, 'AES256-GCM-SHA384', 'TLS_RSA_WITH_AES_256_GCM_SHA384', { documented: false }),
  RSA_AES128_SHA256: suite(0x003c, 'AES128-SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA256', { documented: false }),
  RSA_AES128_SHA: suite(0x002f, 'AES128-SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA'),
  RSA_AES256_SHA: suite(0x0035, 'AES256-SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA'),
  RSA_3DES_EDE_CBC_SHA: suite(0x000a, 'DES-CBC3-SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', { legacy: true }),
  RSA_RC4_128_MD5: suite(0x0004, 'RC4-MD5', 'TLS_RSA_WITH_RC4_128_MD5', { legacy: true }),
  TLS13_AES_128_GCM_SHA256: suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'),
  TLS13_AES_256_GCM_SHA384: suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'),
  TLS13_CHACHA20_POLY1305_SHA256: suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'),
} as const;

export interface NamedGroup {
  code: number;
  name: string;
  /** The name `openssl s_client -groups` takes. */
  openssl: string;
}

export const GROUP = {
  secp256r1: { code: 0x0017, name: 'secp256r1', openssl: 'P-256' },
  x25519: { code: 0x001d, name: 'x25519', openssl: 'X25519' },
  secp384r1: { code: 0x0018, name: 'secp384r1', openssl: 'P-384' },
} as const satisfies Record<string, NamedGroup>;

export interface SignatureScheme {
  code: number;
  name: string;
}

export const SIG = {
  rsa_pkcs1_sha256: { code: 0x0401, name: 'rsa_pkcs1_sha256' },
  rsa_pkcs1_sha384: { code: 0x0501, name: 'rsa_pkcs1_sha384' },
  rsa_pkcs1_sha512: { code: 0x0601, name: 'rsa_pkcs1_sha512' },
  rsa_pkcs1_sha224: { code: 0x0301, name: 'rsa_pkcs1_sha224' },
  ecdsa_secp256r1_sha256: { code: 0x0403, name: 'ecdsa_secp256r1_sha256' },
  ecdsa_secp384r1_sha384: { code: 0x0503, name: 'ecdsa_secp384r1_sha384' },
  ecdsa_secp521r1_sha512: { code: 0x0603, name: 'ecdsa_secp521r1_sha512' },
  ecdsa_sha224: { code: 0x0303, name: 'ecdsa_sha224' },
  rsa_pss_pss_sha256: { code: 0x0809, name: 'rsa_pss_pss_sha256' },
  rsa_pss_pss_sha384: { code: 0x080a, name: 'rsa_pss_pss_sha384' },
  rsa_pss_pss_sha512: { code: 0x080b, name: 'rsa_pss_pss_sha512' },
  rsa_pss_rsae_sha256: { code: 0x0804, name: 'rsa_pss_rsae_sha256' },
  rsa_pss_rsae_sha384: { code: 0x0805, name: 'rsa_pss_rsae_sha384' },
  rsa_pss_rsae_sha512: { code: 0x0806, name: 'rsa_pss_rsae_sha512' },
  rsa_pkcs1_sha1: { code: 0x0201, name: 'rsa_pkcs1_sha1' },
  ecdsa_sha1: { code: 0x0203, name: 'ecdsa_sha1' },
} as const satisfies Record<string, SignatureScheme>;

/** A value of a profile list and the line of s2n-tls it is read from. */
export type Sourced<T> = T & { source: string };
