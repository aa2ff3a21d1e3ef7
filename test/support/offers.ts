/** The ClientHello offer the TLS client tests send. */
import { CLOUDFRONT_GROUPS, CLOUDFRONT_SIGNATURE_SCHEMES, CLOUDFRONT_SUITES, CLOUDFRONT_TLS13_SUITES } from '../../lambda/cloudfront/client-profile';
import type { HelloOffer } from '../../lambda/model';

/**
 * CloudFront's documented suites, TLS 1.3 suites and groups, with the given versions, and on purpose the documented
 * (legacy) signature schemes, which have no RSA-PSS: the tests show what that list does to an RSA certificate under
 * TLS 1.3. Not `cloudfrontOffer` (lambda/probe/offers.ts): a profile decides its versions and, under the legacy
 * profile, leaves out the TLS 1.3 suites; these tests choose the versions themselves.
 */
export function documentedOffer(versions: HelloOffer['versions'], serverName: string, extra: Partial<HelloOffer> = {}): HelloOffer {
  return {
    versions,
    suites: CLOUDFRONT_SUITES.map((s) => s.code),
    tls13Suites: CLOUDFRONT_TLS13_SUITES.map((s) => s.code),
    groups: CLOUDFRONT_GROUPS.map((g) => g.code),
    signatureSchemes: CLOUDFRONT_SIGNATURE_SCHEMES.map((s) => s.code),
    serverName,
    ...extra,
  };
}
