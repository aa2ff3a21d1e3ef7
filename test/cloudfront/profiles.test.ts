import {
  gapVersions,
  getProfile,
  offeredVersions,
  policyFor,
  PROFILES,
  UNDOCUMENTED_SUITE_CODES,
} from '../../lambda/cloudfront/client-profile';
import { cloudfrontOffer } from '../../lambda/probe/offers';

const p2025 = getProfile('cloudfront-2025');
const legacy = getProfile('cloudfront-legacy');
const PSS = /^rsa_pss_/;

describe('client profiles are s2n-tls CloudFront-Upstream policies', () => {
  it('2025 family: 19 suites up to TLS 1.2, 3 TLS 1.3 suites, PSS; legacy: the same 19, no TLS 1.3, no PSS', () => {
    expect(p2025.suites).toHaveLength(19);
    expect(legacy.suites).toHaveLength(19);
    expect(new Set(p2025.suites.map((s) => s.code))).toEqual(new Set(legacy.suites.map((s) => s.code)));
    expect(p2025.tls13Suites.map((s) => s.iana)).toEqual(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    expect(legacy.tls13Suites).toEqual([]);
    expect(p2025.signatureSchemes.filter((s) => PSS.test(s.name))).toHaveLength(6);
    expect(legacy.signatureSchemes.filter((s) => PSS.test(s.name))).toHaveLength(0);
    expect(legacy.signatureSchemes).toHaveLength(10);
    expect(p2025.signatureSchemes).toHaveLength(16);
  });

  it('the three static-RSA suites that AWS does not document are there and marked', () => {
    const names = p2025.suites.filter((s) => !s.documented).map((s) => s.iana).sort();
    expect(names).toEqual(['TLS_RSA_WITH_AES_128_CBC_SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384']);
    expect([...UNDOCUMENTED_SUITE_CODES].sort((a, b) => a - b)).toEqual([0x003c, 0x009c, 0x009d]);
  });

  it('groups in s2n order; the key share is secp256r1, and the hello offers it first', () => {
    for (const p of [p2025, legacy]) {
      expect(p.groups.map((g) => g.name)).toEqual(['secp256r1', 'x25519', 'secp384r1']);
      expect(p.keyShare.name).toBe('secp256r1');
      expect(cloudfrontOffer(p, ['TLSv1.2']).groups[0]).toBe(p.keyShare.code);
    }
  });

  it('every value cites the s2n-tls file and line it comes from', () => {
    for (const p of Object.values(PROFILES)) {
      for (const v of [...p.suites, ...p.tls13Suites, ...p.groups, ...p.signatureSchemes]) {
        expect(v.source).toMatch(/^s2n-tls@8cbf81ad tls\/s2n_[a-z_]+\.c:\d+$/);
      }
      for (const choice of Object.values(p.policies)) expect(choice.source).toMatch(/^s2n-tls@8cbf81ad tls\/s2n_security_policies\.c:\d+/);
    }
  });

  it('OriginSslProtocols: the lowest version picks the policy, which offers everything from there up (gaps filled)', () => {
    expect(policyFor(p2025, ['TLSv1.2'])?.policy).toBe('CloudFront-Upstream-TLS-1-2-2025');
    expect(policyFor(p2025, ['TLSv1.2', 'TLSv1.1'])?.policy).toBe('CloudFront-Upstream-TLS-1-1-2025');
    expect(policyFor(legacy, ['SSLv3', 'TLSv1.2'])?.policy).toBe('CloudFront-Upstream');
    expect(offeredVersions(p2025, ['TLSv1.2'])).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(offeredVersions(legacy, ['TLSv1.2'])).toEqual(['TLSv1.2']);
    expect(offeredVersions(p2025, ['SSLv3', 'TLSv1.2'])).toEqual(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(gapVersions(['SSLv3', 'TLSv1.2'])).toEqual(['TLSv1', 'TLSv1.1']);
    expect(gapVersions(['TLSv1.1', 'TLSv1.2'])).toEqual([]);
    expect(offeredVersions(p2025, [])).toEqual([]);
    expect(policyFor(p2025, [])).toBeUndefined();
  });
});
