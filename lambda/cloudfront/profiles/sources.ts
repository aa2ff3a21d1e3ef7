/**
 * Where the client profiles come from. CloudFront's origin-facing TLS client is AWS's s2n-tls with its
 * `CloudFront-Upstream*` security policies; every value of a profile cites the file and line of s2n-tls it is read
 * from, at the commit below (the copy in ../shared/tools/s2n, also on GitHub).
 */
export const S2N_COMMIT = '8cbf81ad74968a1d03efbd9352a89abd292232d4';

/** `tls/s2n_cipher_preferences.c:1543` -> a link to that line of s2n-tls at S2N_COMMIT. */
export function s2nSource(fileAndLines: string): string {
  return `s2n-tls@${S2N_COMMIT.slice(0, 8)} ${fileAndLines}`;
}

export const S2N_REPO_URL = `https://github.com/aws/s2n-tls/tree/${S2N_COMMIT}`;

export const AWS_SOURCES = {
  SUITES_PAGE:
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-ciphers-cloudfront-to-origin.html',
  TLS13_ANNOUNCEMENT: 'https://aws.amazon.com/about-aws/whats-new/2025/11/amazon-cloudfront-tls-1-3-origin-connections/',
  ORIGIN_SSL_PROTOCOLS: 'https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginSslProtocols.html',
  HTTP_502_PAGE: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html',
  KC_CONNECT_ORIGIN: 'https://repost.aws/knowledge-center/cloudfront-connectivity-custom-origin',
  ORIGIN_SETTINGS_PAGE: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html',
} as const;
