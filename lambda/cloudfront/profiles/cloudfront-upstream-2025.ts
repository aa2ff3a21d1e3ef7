/**
 * s2n-tls's `CloudFront-Upstream-2025` family (added 2025-08-21; CloudFront uses TLS 1.3 to origins since
 * 2025-11-20): the original family plus TLS 1.3, and signature schemes with RSA-PSS.
 */
import { GROUP, SIG, SUITE } from './catalogue';
import { fromLines, range, type ClientProfile } from './family';
import { AWS_SOURCES, S2N_REPO_URL, s2nSource } from './sources';

const CIPHERS = 'tls/s2n_cipher_preferences.c';
const POLICIES = 'tls/s2n_security_policies.c';

const groups = fromLines('tls/s2n_ecc_preferences.c', [51, 53, 55], [GROUP.secp256r1, GROUP.x25519, GROUP.secp384r1]);

export const CLOUDFRONT_2025: ClientProfile = {
  name: 'cloudfront-2025',
  description:
    "CloudFront since 2025-11-20 (s2n-tls CloudFront-Upstream-2025 policies): from the lowest of the origin's SSL protocols up to TLS 1.3.",
  sources: [
    `${S2N_REPO_URL}/${POLICIES}#L367-L410`,
    s2nSource(`${POLICIES}:367-410 (security_policy_cloudfront_upstream_2025_08_08*)`),
    AWS_SOURCES.TLS13_ANNOUNCEMENT,
    AWS_SOURCES.ORIGIN_SSL_PROTOCOLS,
  ],
  policies: {
    SSLv3: { policy: 'CloudFront-Upstream-2025', source: s2nSource(`${POLICIES}:372-378, :1621`) },
    TLSv1: { policy: 'CloudFront-Upstream-TLS-1-0-2025', source: s2nSource(`${POLICIES}:380-386, :1622`) },
    'TLSv1.1': { policy: 'CloudFront-Upstream-TLS-1-1-2025', source: s2nSource(`${POLICIES}:388-394, :1623`) },
    'TLSv1.2': { policy: 'CloudFront-Upstream-TLS-1-2-2025', source: s2nSource(`${POLICIES}:396-402, :1624`) },
  },
  maxVersion: 'TLSv1.3',
  // cipher_suites_cloudfront_upstream_2025_08_08 (:1543-1564); its first entry is the TLS 1.3 macro (:37-40).
  tls13Suites: fromLines(CIPHERS, [38, 39, 40], [SUITE.TLS13_AES_128_GCM_SHA256, SUITE.TLS13_AES_256_GCM_SHA384, SUITE.TLS13_CHACHA20_POLY1305_SHA256]),
  suites: fromLines(CIPHERS, range(1545, 1563), [
    SUITE.ECDHE_ECDSA_AES128_GCM_SHA256,
    SUITE.ECDHE_RSA_AES128_GCM_SHA256,
    SUITE.ECDHE_ECDSA_AES256_GCM_SHA384,
    SUITE.ECDHE_RSA_AES256_GCM_SHA384,
    SUITE.ECDHE_ECDSA_AES128_SHA256,
    SUITE.ECDHE_RSA_AES128_SHA256,
    SUITE.ECDHE_ECDSA_AES256_SHA384,
    SUITE.ECDHE_RSA_AES256_SHA384,
    SUITE.ECDHE_ECDSA_AES128_SHA,
    SUITE.ECDHE_RSA_AES128_SHA,
    SUITE.ECDHE_ECDSA_AES256_SHA,
    SUITE.ECDHE_RSA_AES256_SHA,
    SUITE.RSA_AES128_GCM_SHA256,
    SUITE.RSA_AES256_GCM_SHA384,
    SUITE.RSA_AES128_SHA256,
    SUITE.RSA_AES128_SHA,
    SUITE.RSA_AES256_SHA,
    SUITE.RSA_3DES_EDE_CBC_SHA,
    SUITE.RSA_RC4_128_MD5,
  ]),
  groups,
  keyShare: groups[0],
  // s2n_sig_scheme_pref_list_20250820 (tls/s2n_signature_scheme.c:661-685)
  signatureSchemes: fromLines('tls/s2n_signature_scheme.c', [...range(663, 666), ...range(669, 674), ...range(677, 680), 683, 684], [
    SIG.ecdsa_secp256r1_sha256,
    SIG.ecdsa_secp384r1_sha384,
    SIG.ecdsa_secp521r1_sha512,
    SIG.ecdsa_sha224,
    SIG.rsa_pss_pss_sha256,
    SIG.rsa_pss_pss_sha384,
    SIG.rsa_pss_pss_sha512,
    SIG.rsa_pss_rsae_sha256,
    SIG.rsa_pss_rsae_sha384,
    SIG.rsa_pss_rsae_sha512,
    SIG.rsa_pkcs1_sha256,
    SIG.rsa_pkcs1_sha384,
    SIG.rsa_pkcs1_sha512,
    SIG.rsa_pkcs1_sha224,
    SIG.rsa_pkcs1_sha1,
    SIG.ecdsa_sha1,
  ]),
};
