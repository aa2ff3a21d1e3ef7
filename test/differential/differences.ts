/**
 * Every deliberate difference between the product's verdict and s2n-tls's (s2n-check.sh), in one place, with its
 * reason. The differential suite fails when a variant disagrees and is not listed here, and when a listed one agrees.
 */
export interface Difference {
  /** Variant name (variants.ts). */
  variant: string;
  product: 'critical' | 'connects';
  s2n: 'OK' | 'FAIL';
  reason: string;
}

export const DIFFERENCES: readonly Difference[] = [
  {
    variant: 'order: root before intermediate',
    product: 'critical',
    s2n: 'OK',
    reason:
      "AWS's 502 page lists a certificate chain in the wrong order as a cause of 502. s2n-tls builds the path from an unordered pool (tls/s2n_x509_validator.c:649), so it connects; the product keeps CERT_CHAIN_ORDER critical because AWS documents it, and says in the finding that s2n tolerates it.",
  },
];
