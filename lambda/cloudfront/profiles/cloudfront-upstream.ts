/**
 * s2n-tls's original `CloudFront-Upstream` family: CloudFront before 2025-11-20. At most TLS 1.2 (no TLS 1.3
 * suites), and signature preferences 20140601: no RSA-PSS.
 */
import { GROUP, SIG, SUITE } from './catalogue';
import { fromLines, range, type ClientProfile } from './family';
import { AWS_SOURCES, S2N_REPO_URL, s2nSource } from './sources';

const POLICIES = 'tls/s2n_security_policies.c';

const groups = fromLines('tls/s2n_ecc_preferences.c', [51, 53, 55], [GROUP.secp256r1, GROUP.x25519, GROUP.secp384r1]);

export const CLOUDFRONT_LEGACY: ClientProfile = {
  name: 'cloudfront-legacy',
  description:
    "CloudFront before 2025-11-20 (s2n-tls CloudFront-Upstream policies): from the lowest of the origin's SSL protocols up to TLS 1.2, no RSA-PSS.",
  sources: [`${S2N_REPO_URL}/${POLICIES}#L334-L365`, s2nSource(`${POLICIES}:334-365 (security_policy_cloudfront_upstream*)`), AWS_SOURCES.SUITES_PAGE],
  policies: {
    SSLv3: { policy: 'CloudFront-Upstream', source: s2nSource(`${POLICIES}:335-341, :1617`) },
    TLSv1: { policy: 'CloudFront-Upstream-TLS-1-0', source: s2nSource(`${POLICIES}:343-349, :1618`) },
    'TLSv1.1': { policy: 'CloudFront-Upstream-TLS-1-1', source: s2nSource(`${POLICIES}:351-357, :1619`) },
    'TLSv1.2': { policy: 'CloudFront-Upstream-TLS-1-2', source: s2nSource(`${POLICIES}:359-365, :1620`) },
  },
  maxVersion: 'TLSv1.2',
  tls13Suites: [],
  // cipher_suites_cloudfront_upstream (:1073-1093); the -TLS-1-x policies' lists (:1458-1540) are the same 19.
  suites: fromLines('tls/s2n_cipher_preferences.c', range(1074, 1092), [
    SUITE.ECDHE_ECDSA_AES256_GCM_SHA384,
    SUITE.ECDHE_RSA_AES256_GCM_SHA384,
    SUITE.ECDHE_ECDSA_AES128_GCM_SHA256,
    SUITE.ECDHE_RSA_AES128_GCM_SHA256,
    SUITE.ECDHE_ECDSA_AES256_SHA384,
    SUITE.ECDHE_RSA_AES256_SHA384,
    SUITE.ECDHE_ECDSA_AES256_SHA,
    SUITE.ECDHE_RSA_AES256_SHA,
    SUITE.ECDHE_ECDSA_AES128_SHA256,
    SUITE.ECDHE_RSA_AES128_SHA256,
    SUITE.ECDHE_ECDSA_AES128_SHA,
    SUITE.ECDHE_RSA_AES128_SHA,
    SUITE.RSA_AES256_GCM_SHA384,
    SUITE.RSA_AES128_GCM_SHA256,
    SUITE.RSA_AES256_SHA,
    SUITE.RSA_AES128_SHA256,
    SUITE.RSA_AES128_SHA,
    SUITE.RSA_3DES_EDE_CBC_SHA,
    SUITE.RSA_RC4_128_MD5,
  ]),
  groups,
  keyShare: groups[0],
  // s2n_sig_scheme_pref_list_20140601 (tls/s2n_signature_scheme.c:346-362)
  signatureSchemes: fromLines('tls/s2n_signature_scheme.c', [...range(348, 351), ...range(354, 357), 360, 361], [
    SIG.rsa_pkcs1_sha256,
    SIG.rsa_pkcs1_sha384,
    SIG.rsa_pkcs1_sha512,
    SIG.rsa_pkcs1_sha224,
    SIG.ecdsa_secp256r1_sha256,
    SIG.ecdsa_secp384r1_sha384,
    SIG.ecdsa_secp521r1_sha512,
    SIG.ecdsa_sha224,
    SIG.rsa_pkcs1_sha1,
    SIG.ecdsa_sha1,
  ]),
};
