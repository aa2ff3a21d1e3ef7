/**
 * The catalogue: every finding code, defined once, with its severity, why it yields a 502 (and the AWS page that
 * says so), how to fix it and how to reproduce it. The codes are a contract: the JSON report, the alerts and the
 * README use these names.
 */
import { CLOUDFRONT_GROUPS, CLOUDFRONT_SUITES, SOURCES } from '../cloudfront/client-profile';
import type { Severity, TlsVersionName } from '../model';

export type FindingCode =
  | 'DNS_UNRESOLVABLE'
  | 'PORT_REFUSED'
  | 'PORT_TIMEOUT'
  | 'PORT_UNREACHABLE'
  | 'TLS_NO_COMMON_PROTOCOL'
  | 'TLS_NO_COMMON_CIPHER'
  | 'TLS_HANDSHAKE_FAILED'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_SELF_SIGNED'
  | 'CERT_UNTRUSTED_ROOT'
  | 'CERT_CHAIN_INCOMPLETE'
  | 'CERT_CHAIN_ORDER'
  | 'CERT_NAME_MISMATCH'
  | 'CERT_CHAIN_TOO_LONG'
  | 'CERT_MESSAGE_TOO_LARGE'
  | 'CERT_LEAF_NOT_FIRST'
  | 'CERT_EXTENSION_REJECTED'
  | 'CERT_ISSUER_NOT_CA'
  | 'CERT_PATH_LENGTH_EXCEEDED'
  | 'CERT_NAME_CONSTRAINTS'
  | 'CERT_WRONG_PURPOSE'
  | 'CERT_ISSUER_WRONG_PURPOSE'
  | 'CERT_EXPIRING_SOON'
  | 'TLS_LEGACY_ONLY'
  | 'TLS_UNDOCUMENTED_SUITE_ONLY'
  | 'TLS13_ONLY'
  | 'ORIGIN_PROTOCOL_UNSUPPORTED'
  | 'HOST_FORWARDING_UNKNOWN'
  | 'NAME_NOT_SENT'
  | 'ORIGIN_NOT_ROUTED'
  // Through CloudFront (the edge check) and the verdict of both vantage points (diagnosis/vantage.ts).
  | 'EDGE_502'
  | 'EDGE_504'
  | 'EDGE_ORIGIN_5XX'
  | 'EDGE_FUNCTION_ERROR'
  | 'EDGE_ORIGIN_SLOW'
  | 'ORIGIN_CLOUDFRONT_ONLY'
  | 'EDGE_REFUSED'
  | 'EDGE_FUNCTION_ANSWER'
  | 'EDGE_CHECK_FAILED'
  | 'ORIGIN_CHOSEN_AT_RUNTIME'
  // Origin mTLS and VPC origins (diagnosis/origin-resources.ts).
  | 'ORIGIN_MTLS_UNCONFIRMED'
  | 'MTLS_CERT_EXPIRED'
  | 'MTLS_CERT_EXPIRING_SOON'
  | 'MTLS_CERT_NOT_ISSUED'
  | 'MTLS_CERT_NOT_RENEWABLE'
  | 'MTLS_CERT_UNREADABLE'
  | 'VPC_ORIGIN'
  | 'VPC_ORIGIN_UNREADABLE';

/** What a reproduce command is built from. */
export interface ReproduceContext {
  domainName: string;
  address?: string;
  port?: number;
  sniName?: string;
  /** The version to pin, where the finding is about one version. */
  version?: TlsVersionName;
  /** Edge findings: the request through CloudFront (`https://host/path`) and the distribution domain it went to. */
  edgeUrl?: string;
  edgeVia?: string;
  /** ACM certificate ARN or VPC origin id, for findings about those resources. */
  resourceId?: string;
  /** The extra root the scan trusted (`--ca-file`, the demo's root CA), for the certificate commands' -CAfile. */
  caFile?: string;
  /** The DNS server the scan asked (`--dns-server`, the demo's), as `ADDRESS[:PORT]` / `[v6]:PORT`; else public DNS. */
  dnsServer?: string;
  /** Where the edge check was sent instead (`--connect-to`, the demo's edge): `HOST:PORT:TO-HOST:TO-PORT`, as curl takes it. */
  edgeConnectTo?: string[];
}

export interface FindingDefinition {
  code: FindingCode;
  severity: Severity;
  title: string;
  /** Why CloudFront answers 502 (or will), in a sentence, and the AWS page it comes from. */
  why: string;
  source: string;
  fix: string;
  /** Reachability findings (DNS, port, handshake) are only alerted after `confirmRuns` consecutive runs. */
  reachability: boolean;
  reproduce(ctx: ReproduceContext): string;
}

/** CloudFront's suites up to TLS 1.2 as an OpenSSL cipher string (OpenSSL 3 drops DES-CBC3-SHA and RC4-MD5). */
export const OPENSSL_CLOUDFRONT_CIPHERS = CLOUDFRONT_SUITES.map((s) => s.openssl).join(':');
const OPENSSL_GROUPS = CLOUDFRONT_GROUPS.map((g) => g.openssl).join(':');

const OPENSSL_VERSION_FLAG: Record<TlsVersionName, string> = {
  SSLv3: '-ssl3',
  TLSv1: '-tls1',
  'TLSv1.1': '-tls1_1',
  'TLSv1.2': '-tls1_2',
  'TLSv1.3': '-tls1_3',
};

function connectArgs(ctx: ReproduceContext): string {
  const host = ctx.address ?? ctx.domainName;
  const hostPort = host.includes(':') ? `[${host}]:${ctx.port ?? 443}` : `${host}:${ctx.port ?? 443}`;
  const sni = ctx.sniName ?? ctx.domainName;
  return `-connect ${hostPort} -servername ${sni}`;
}

/** The knowledge-center method: one s_client per protocol with CloudFront's cipher list and the name it sends. */
export function opensslHandshakeCommand(ctx: ReproduceContext): string {
  const version = ctx.version ?? 'TLSv1.2';
  const flag = OPENSSL_VERSION_FLAG[version];
  if (version === 'TLSv1.3') {
    return `openssl s_client ${connectArgs(ctx)} ${flag} -groups ${OPENSSL_GROUPS} -brief </dev/null`;
  }
  const seclevel = version === 'TLSv1.2' ? '' : ':@SECLEVEL=0';
  return `openssl s_client ${connectArgs(ctx)} ${flag} -cipher '${OPENSSL_CLOUDFRONT_CIPHERS}${seclevel}' -groups ${OPENSSL_GROUPS} -brief </dev/null`;
}

/** A word for the shell: as is when it is plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Shows the chain as sent and the verification verdict against the system trust store (and the scan's extra root). */
export function opensslChainCommand(ctx: ReproduceContext): string {
  const sni = ctx.sniName ?? ctx.domainName;
  const ca = ctx.caFile ? ` -CAfile ${shellWord(ctx.caFile)}` : '';
  return `openssl s_client ${connectArgs(ctx)} -showcerts -verify_return_error -verify_hostname ${sni}${ca} </dev/null`;
}

/**
 * The order the certificates are sent in: each one's subject (s:) and issuer (i:). OpenSSL reorders the chain
 * before verifying it, so its verdict says "ok"; the order shows when certificate n+1 is not the issuer of n.
 */
export function opensslChainOrderCommand(ctx: ReproduceContext): string {
  return `openssl s_client ${connectArgs(ctx)} -showcerts </dev/null 2>/dev/null | grep -E '^ *[0-9]+ s:|^ +i:'`;
}

/** CloudFront resolves origins in public DNS: the command asks a public resolver unless the scan asked another. */
const PUBLIC_RESOLVER = '1.1.1.1';
/**
 * The name's A and AAAA answers with their status: `host` says "not found: 3(NXDOMAIN)" or "has no A record" where
 * `dig +short` prints nothing at all.
 */
const dnsCommand = (ctx: ReproduceContext) => {
  const s = ctx.dnsServer ?? PUBLIC_RESOLVER;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? (s.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(s) : null);
  const [server, port] = m ? [m[1], m[2]] : [s, undefined];
  const p = port && port !== '53' ? ` -p ${port}` : '';
  return `host${p} -t A ${ctx.domainName} ${server}; host${p} -t AAAA ${ctx.domainName} ${server}`;
};
const tcpCommand = (ctx: ReproduceContext) => {
  const host = ctx.address ?? ctx.domainName;
  return `nc -vz -w 10 ${host} ${ctx.port ?? 443}`;
};

/** The edge request again, as curl sends it (through the distribution's domain when the Host is an alias). */
const curlEdgeCommand = (ctx: ReproduceContext) => {
  const url = ctx.edgeUrl ?? `https://${ctx.domainName}/`;
  const host = new URL(url).host;
  const distribution = ctx.edgeVia ?? host;
  // Sent elsewhere by --connect-to (a local edge): curl goes there too, trusting the root the scan was given.
  const mapped = ctx.edgeConnectTo?.find((e) => e.toLowerCase().startsWith(`${distribution.toLowerCase()}:443:`));
  const via = mapped
    ? ` --connect-to ${host}:443:${mapped.slice(distribution.length + 5)}${ctx.caFile ? ` --cacert ${shellWord(ctx.caFile)}` : ''}`
    : distribution !== host
      ? ` --connect-to ${host}:443:${distribution}:443`
      : '';
  return `curl -sS -o /dev/null -D -${via} '${url}' | grep -iE '^(HTTP|x-cache|x-amz-cf-pop|x-amz-cf-id|server)'`;
};
const acmCommand = (ctx: ReproduceContext) =>
  `aws acm describe-certificate --region us-east-1 --certificate-arn ${ctx.resourceId ?? '<arn>'} --query 'Certificate.[Status,NotAfter,RenewalEligibility,RenewalSummary.RenewalStatus]'`;
const vpcOriginCommand = (ctx: ReproduceContext) => `aws cloudfront get-vpc-origin --id ${ctx.resourceId ?? '<id>'} --query 'VpcOrigin.VpcOriginEndpointConfig'`;

const EDGE_SOURCES = {
  RESPONSE_ERRORS: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/troubleshooting-response-errors.html',
  HTTP_504: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-504-gateway-timeout.html',
  RESTRICT_ORIGINS: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html',
  ORIGIN_MODIFICATION: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/helper-functions-origin-modification.html',
  MTLS: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-mtls-authentication.html',
  VPC_ORIGINS: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html',
  ACM_RENEWAL: 'https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html',
} as const;

/** s2n-tls, CloudFront's TLS library, at the commit the profiles cite. */
const S2N_BLOB = 'https://github.com/aws/s2n-tls/blob/8cbf81ad74968a1d03efbd9352a89abd292232d4';
/** `S2N('tls/x.c', '58, 588')` -> the file at the pinned commit, with the lines. */
const S2N = (file: string, lines: string) => `${S2N_BLOB}/${file} (lines ${lines})`;
const S2N_VALIDATOR = (lines: string) => S2N('tls/s2n_x509_validator.c', lines);

const DEFS: FindingDefinition[] = [
  {
    code: 'DNS_UNRESOLVABLE',
    severity: 'critical',
    title: 'origin name does not resolve',
    why: 'CloudFront resolves the origin domain through public DNS; when it has no address CloudFront answers 502 (NonS3OriginDnsError).',
    source: SOURCES.HTTP_502_PAGE,
    fix: "Create the A/AAAA (or CNAME) record for the origin domain in public DNS, or point the origin at a name that resolves; for an origin reachable only over IPv6, set the origin's IP address type to IPv6 or dual-stack.",
    reachability: true,
    reproduce: dnsCommand,
  },
  {
    code: 'PORT_REFUSED',
    severity: 'critical',
    title: 'connection refused',
    why: 'The origin does not listen on a port CloudFront connects to (HTTP 80 / HTTPS 443 unless set otherwise), so CloudFront cannot connect and answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: "Start the server on this port, or set the origin's HTTP/HTTPS port to the one the server listens on.",
    reachability: true,
    reproduce: tcpCommand,
  },
  {
    code: 'PORT_TIMEOUT',
    severity: 'critical',
    title: 'no TCP answer',
    why: "No TCP answer within the origin's connection timeout: a firewall or security group drops CloudFront's traffic, or the server is down. CloudFront answers 502 or 504 after its connection attempts.",
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Allow inbound traffic from CloudFront (the AWS-managed prefix list com.amazonaws.global.cloudfront.origin-facing) on this port, and check that the server is up.',
    reachability: true,
    reproduce: tcpCommand,
  },
  {
    code: 'PORT_UNREACHABLE',
    severity: 'critical',
    title: 'address unreachable',
    why: 'The network reports the address as unreachable (no route), so CloudFront cannot connect and answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Check the DNS record points at a public, routed address of the origin.',
    reachability: true,
    reproduce: tcpCommand,
  },
  {
    code: 'TLS_NO_COMMON_PROTOCOL',
    severity: 'critical',
    title: 'no TLS version in common',
    why: "The origin accepts none of the TLS versions CloudFront offers it (the distribution's origin SSL protocols), or answers with one the distribution does not allow; CloudFront answers 502.",
    source: SOURCES.SUITES_PAGE,
    fix: "Enable TLSv1.2 on the origin, or add the version the origin speaks to the origin's 'Origin SSL protocols'.",
    reachability: true,
    reproduce: opensslHandshakeCommand,
  },
  {
    code: 'TLS_NO_COMMON_CIPHER',
    severity: 'critical',
    title: 'no cipher suite or group in common',
    why: 'The TLS version is fine but the origin shares none of the cipher suites (or key exchange groups) CloudFront offers; CloudFront answers 502.',
    source: SOURCES.SUITES_PAGE,
    fix: 'Enable an ECDHE-RSA/ECDSA-AES-GCM suite and the X25519 or P-256 group on the origin (no DHE, no ChaCha20 below TLS 1.3).',
    reachability: true,
    reproduce: opensslHandshakeCommand,
  },
  {
    code: 'TLS_HANDSHAKE_FAILED',
    severity: 'critical',
    title: 'TLS handshake failed',
    why: 'CloudFront could not complete a TLS handshake with the origin (it answered with something other than TLS, reset or closed the connection, stayed silent, demanded a client certificate or rejected the server name); CloudFront answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Serve TLS on this port for this server name: check the listener, the virtual host for the SNI name and any client-certificate requirement.',
    reachability: true,
    reproduce: opensslHandshakeCommand,
  },
  {
    code: 'CERT_EXPIRED',
    severity: 'critical',
    title: 'certificate expired',
    why: "A certificate of the path is past its notAfter date, the trust anchor included (OpenSSL checks every certificate's dates for s2n-tls); CloudFront rejects it and answers 502.",
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Renew the certificate (the leaf or the intermediate that expired) and reload the server; if the trust anchor itself has expired, serve a chain that leads to a current root (usually: the intermediate your CA issues today).',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_NOT_YET_VALID',
    severity: 'critical',
    title: 'certificate not yet valid',
    why: 'A certificate of the chain is before its notBefore date; CloudFront rejects it and answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: "Install a certificate that is valid now, or fix the issuing host's clock.",
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_SELF_SIGNED',
    severity: 'critical',
    title: 'self-signed certificate',
    why: 'CloudFront trusts only certificates issued by a CA in the Mozilla list; a self-signed origin certificate is rejected and CloudFront answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Install a certificate from a publicly trusted CA (for example ACM behind a load balancer, or Let\'s Encrypt).',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_UNTRUSTED_ROOT',
    severity: 'critical',
    title: 'chain ends at an untrusted root',
    why: 'The path leads to a root that is not in the Mozilla CA list CloudFront trusts (a private or corporate CA, sent or not), or to an issuer signed by another key than the trusted one; CloudFront answers 502 and verification cannot be turned off.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Install a certificate issued by a publicly trusted CA (appending your own root or intermediate does not help: CloudFront does not trust it).',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_CHAIN_INCOMPLETE',
    severity: 'critical',
    title: 'intermediate certificate missing',
    why: 'The origin does not send the intermediate certificate(s) between its certificate and a trusted root; CloudFront (s2n-tls) does not fetch missing intermediates (no AIA), drops the connection and answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Serve the full chain: the server certificate followed by its intermediates (e.g. nginx ssl_certificate with fullchain.pem). If the missing issuer is your own CA, use a certificate from a publicly trusted CA instead.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_CHAIN_ORDER',
    severity: 'critical',
    title: 'chain sent in the wrong order',
    why: "AWS's 502 page lists a certificate chain in the wrong order as a cause. s2n-tls, CloudFront's TLS library, takes only the first certificate as the leaf and builds the path from the others in any order, so CloudFront may well connect; the finding stays critical because AWS documents it as a 502 and does not promise s2n's tolerance.",
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Order the certificate file: the server certificate first, then the intermediate that issued it, then the next one up.',
    reachability: false,
    reproduce: opensslChainOrderCommand,
  },
  {
    code: 'CERT_NAME_MISMATCH',
    severity: 'critical',
    title: 'certificate does not cover the name CloudFront sends',
    why: 'The origin certificate must include the name CloudFront sends: the origin domain, or the viewer\'s Host when a cache behavior forwards it. Otherwise CloudFront answers 502.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Add the name to the certificate\'s subject alternative names, or stop forwarding the viewer Host header to this origin (use an origin request policy without Host, e.g. AllViewerExceptHostHeader).',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_CHAIN_TOO_LONG',
    severity: 'critical',
    title: 'more than 7 certificates sent',
    why: "CloudFront's TLS library (s2n-tls) reads at most 7 certificates from the server and fails the handshake when there are more, even if the path needs only three; CloudFront answers 502.",
    source: S2N_VALIDATOR('58, 588, 623-625'),
    fix: 'Send only the server certificate and the intermediates up to (not including) the root; remove extra, cross-signed or unrelated certificates from the chain file.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_MESSAGE_TOO_LARGE',
    severity: 'critical',
    title: 'certificate message over 64 KiB',
    why: "s2n-tls refuses any handshake message whose body is over 65,536 bytes, such as a Certificate message with thousands of subject alternative names; CloudFront answers 502.",
    source: `${S2N('tls/s2n_handshake_io.c', '1310')}; ${S2N('tls/s2n_tls_parameters.h', '230')}`,
    fix: 'Split the names over several certificates (SNI picks one per name), or drop unneeded certificates from the chain, so that the chain stays under 64 KiB.',
    reachability: false,
    reproduce: (ctx) => `${opensslChainCommand(ctx).replace(' </dev/null', '')} </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE'`,
  },
  {
    code: 'CERT_LEAF_NOT_FIRST',
    severity: 'critical',
    title: 'server certificate not sent first',
    why: "s2n-tls takes the first certificate sent as the server's own: it checks the name and the key against it. When a CA certificate comes first, the handshake fails and CloudFront answers 502.",
    source: S2N_VALIDATOR('642'),
    fix: 'Put the server certificate first in the certificate file, then its intermediates.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_EXTENSION_REJECTED',
    severity: 'critical',
    title: 'unknown critical or malformed extension',
    why: 'A certificate of the path (the trust anchor included) carries an extension marked critical that the TLS library does not know, or one it cannot read; RFC 5280 requires rejecting the certificate, and CloudFront answers 502.',
    source: `${S2N_VALIDATOR('859-923')} (X509_verify_cert); RFC 5280 section 4.2`,
    fix: 'Reissue the certificate without that extension, or with it marked non-critical; for a malformed one, ask the CA for a corrected certificate.',
    reachability: false,
    reproduce: (ctx) => `${opensslChainCommand(ctx).replace(' </dev/null', '')} </dev/null 2>/dev/null | openssl x509 -noout -text | grep -A1 critical`,
  },
  {
    code: 'CERT_ISSUER_NOT_CA',
    severity: 'critical',
    title: 'issuer is not a CA certificate',
    why: 'A certificate that issued another one in the path is not a CA certificate (no basicConstraints CA:TRUE, or a keyUsage without keyCertSign); RFC 5280 path validation fails and CloudFront answers 502.',
    source: `${S2N_VALIDATOR('859-923')}; RFC 5280 sections 4.2.1.9 and 4.2.1.3`,
    fix: "Serve the CA's real intermediate certificate after the server certificate (a server certificate or an end-entity certificate in its place is a common mistake); a private CA must be reissued with basicConstraints CA:TRUE and keyCertSign.",
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_PATH_LENGTH_EXCEEDED',
    severity: 'critical',
    title: 'path longer than a CA allows',
    why: "A CA's pathLenConstraint allows fewer intermediate CAs below it than the path has; RFC 5280 path validation fails and CloudFront answers 502.",
    source: `${S2N_VALIDATOR('859-923')}; RFC 5280 section 4.2.1.9`,
    fix: 'Use a certificate issued directly by an intermediate the constraint allows (one level lower in the hierarchy), or have the CA reissue the intermediate without that constraint.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_NAME_CONSTRAINTS',
    severity: 'critical',
    title: 'name outside a CA\'s name constraints',
    why: "A CA of the path restricts the names it may certify (name constraints), and a name of a certificate below it is excluded or not permitted; RFC 5280 path validation fails and CloudFront answers 502.",
    source: `${S2N_VALIDATOR('859-923')}; RFC 5280 section 4.2.1.10`,
    fix: 'Issue the certificate from a CA whose name constraints permit the name, or remove the name from the certificate.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_WRONG_PURPOSE',
    severity: 'critical',
    title: 'server certificate not for TLS servers',
    why: "s2n-tls checks the certificate's intent: an extendedKeyUsage without serverAuth (a client or e-mail certificate), or a keyUsage that allows no TLS key exchange (none of digitalSignature, keyEncipherment, keyAgreement), fails the handshake; CloudFront answers 502.",
    source: S2N_VALIDATOR('767-814'),
    fix: 'Reissue the server certificate with extendedKeyUsage serverAuth and keyUsage digitalSignature (plus keyEncipherment for RSA), as every public CA does for TLS server certificates.',
    reachability: false,
    reproduce: (ctx) => `${opensslChainCommand(ctx).replace(' </dev/null', '')} </dev/null 2>/dev/null | openssl x509 -noout -ext extendedKeyUsage,keyUsage`,
  },
  {
    code: 'CERT_ISSUER_WRONG_PURPOSE',
    severity: 'critical',
    title: 'intermediate not for TLS servers',
    why: "s2n-tls checks the intent of every certificate of the path except the trust anchor: an intermediate whose extendedKeyUsage excludes serverAuth (e.g. an S/MIME or client-auth CA) fails the handshake; CloudFront answers 502.",
    source: S2N_VALIDATOR('767-814'),
    fix: "Get the server certificate from the CA's TLS (serverAuth) intermediate and serve that intermediate; the one served now is for another purpose.",
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'CERT_EXPIRING_SOON',
    severity: 'warning',
    title: 'certificate expires soon',
    why: 'When the certificate expires CloudFront will reject it and answer 502 for every request to this origin.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Renew the certificate before it expires, and automate the renewal.',
    reachability: false,
    reproduce: (ctx) => `${opensslChainCommand(ctx).replace(' </dev/null', '')} </dev/null 2>/dev/null | openssl x509 -noout -subject -enddate`,
  },
  {
    code: 'TLS_LEGACY_ONLY',
    severity: 'warning',
    title: 'only legacy TLS works',
    why: 'CloudFront can reach the origin only through SSLv3/TLSv1/TLSv1.1 or only with 3DES/RC4; these are being retired, and the day the distribution or CloudFront stops offering them, CloudFront answers 502.',
    source: SOURCES.SUITES_PAGE,
    fix: 'Enable TLSv1.2 (or 1.3) with an ECDHE-AES-GCM suite on the origin.',
    reachability: false,
    reproduce: opensslHandshakeCommand,
  },
  {
    code: 'TLS_UNDOCUMENTED_SUITE_ONLY',
    severity: 'warning',
    title: 'only a suite AWS does not document works',
    why: "CloudFront reaches the origin only through a cipher suite that its TLS library, s2n-tls, offers (CloudFront-Upstream policies) but AWS's page of origin ciphers does not list (static-RSA AES-GCM or AES-128-CBC-SHA256). It works today; AWS does not promise it, and the day CloudFront stops offering it, CloudFront answers 502.",
    source: `${SOURCES.SUITES_PAGE}; ${S2N('tls/s2n_cipher_preferences.c', '1557-1559')}`,
    fix: 'Enable an ECDHE suite the page lists on the origin (ECDHE-RSA-AES128-GCM-SHA256 or ECDHE-ECDSA-AES128-GCM-SHA256), or TLS 1.3.',
    reachability: false,
    reproduce: (ctx) => {
      const base = opensslHandshakeCommand(ctx);
      const documented = CLOUDFRONT_SUITES.filter((s) => s.documented).map((s) => s.openssl).join(':');
      return base.replace(/-cipher '[^']*'/, `-cipher '${documented}:@SECLEVEL=0'`);
    },
  },
  {
    code: 'TLS13_ONLY',
    severity: 'info',
    title: 'origin speaks only TLS 1.3',
    why: 'CloudFront has used TLS 1.3 to origins since 2025-11-20, so this works now; under the legacy profile (before then, or if AWS rolls it back) CloudFront offers at most TLS 1.2 and answers 502.',
    source: SOURCES.TLS13_ANNOUNCEMENT,
    fix: 'Also enable TLSv1.2 on the origin to keep a fallback.',
    reachability: false,
    reproduce: (ctx) => opensslHandshakeCommand({ ...ctx, version: 'TLSv1.2' }),
  },
  {
    code: 'ORIGIN_PROTOCOL_UNSUPPORTED',
    severity: 'critical',
    title: 'S3 website endpoint set to HTTPS',
    why: 'Amazon S3 website endpoints do not support HTTPS; CloudFront must connect to them with HTTP only, otherwise it answers 502.',
    source: SOURCES.ORIGIN_SETTINGS_PAGE,
    fix: "Set the origin protocol policy to 'HTTP only' for the S3 website endpoint (or use the S3 REST endpoint with origin access control).",
    reachability: false,
    reproduce: (ctx) => `curl -sv https://${ctx.domainName}/ -o /dev/null`,
  },
  {
    code: 'HOST_FORWARDING_UNKNOWN',
    severity: 'info',
    title: 'cannot tell whether the viewer Host is forwarded',
    why: 'A behavior uses a custom cache or origin request policy that could not be read, so the scan does not know whether CloudFront sends the viewer Host as SNI. It probed both the origin name and the aliases.',
    source: SOURCES.ORIGIN_SETTINGS_PAGE,
    fix: 'Allow cloudfront:GetCachePolicy and cloudfront:GetOriginRequestPolicy, or pass --policies with the output of list-cache-policies and list-origin-request-policies.',
    reachability: false,
    reproduce: () => 'aws cloudfront list-origin-request-policies --type custom; aws cloudfront list-cache-policies --type custom',
  },
  {
    code: 'NAME_NOT_SENT',
    severity: 'info',
    title: 'a name no behavior sends would fail',
    why: 'Every behavior that reaches this origin forwards the viewer Host, so CloudFront sends the viewer names as SNI and never the origin domain: today no request fails. A behavior that stopped forwarding Host (or a new one that does not) would send this name, and CloudFront would answer 502 for it.',
    source: SOURCES.ORIGIN_SETTINGS_PAGE,
    fix: 'Nothing is broken now. Before a behavior sends this name, add it to the certificate (or serve a certificate for it on this virtual host).',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'ORIGIN_NOT_ROUTED',
    severity: 'info',
    title: 'an origin no behavior reaches would fail',
    why: 'No cache behavior targets this origin or an origin group that holds it, and no function association can choose it at run time, so no viewer request reaches it. A behavior that started using it would get CloudFront 502s.',
    source: SOURCES.ORIGIN_SETTINGS_PAGE,
    fix: 'Nothing is broken now. Fix the origin before a behavior targets it, or remove the unused origin from the distribution.',
    reachability: false,
    reproduce: opensslChainCommand,
  },
  {
    code: 'EDGE_502',
    severity: 'critical',
    title: 'CloudFront answers 502 through the edge',
    why: 'A request through CloudFront got CloudFront\'s own 502: it could not connect to the origin or complete the TLS handshake. Viewers on this path get the same.',
    source: SOURCES.HTTP_502_PAGE,
    fix: 'Give AWS Support the POP and request id; check what the direct probe could not see: an origin chosen at run time by a function, the client certificate an mTLS origin expects, a VPC origin\'s security group.',
    reachability: true,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_504',
    severity: 'critical',
    title: 'CloudFront times out reaching the origin (504)',
    why: 'A request through CloudFront got CloudFront\'s own 504: the origin did not accept the connection or did not answer within the origin\'s timeouts (a firewall blocking CloudFront\'s ranges, a slow application).',
    source: EDGE_SOURCES.HTTP_504,
    fix: 'Allow CloudFront in (the prefix list com.amazonaws.global.cloudfront.origin-facing), make the origin answer within its OriginReadTimeout, or raise the timeout.',
    reachability: true,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_ORIGIN_5XX',
    severity: 'critical',
    title: 'the origin answers 5xx through CloudFront',
    why: 'CloudFront reached the origin and the origin itself answered with a server error (its own Server header, not CloudFront\'s), which CloudFront passes on to viewers.',
    source: EDGE_SOURCES.RESPONSE_ERRORS,
    fix: 'Look at the origin (or its load balancer: no healthy targets gives 503, a failing target 502) for the request id and time given.',
    reachability: true,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_FUNCTION_ERROR',
    severity: 'critical',
    title: 'a CloudFront Function or Lambda@Edge fails',
    why: 'The code at the edge failed (execution or validation error, a limit or throttling): CloudFront answers 502 or 503 without reaching the origin.',
    source: EDGE_SOURCES.RESPONSE_ERRORS,
    fix: 'Read the function\'s logs (CloudFront Functions: the function metrics; Lambda@Edge: CloudWatch Logs in the region of the POP) for the request id given.',
    reachability: true,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_ORIGIN_SLOW',
    severity: 'warning',
    title: 'the origin answers close to its timeout',
    why: "The origin's answer through CloudFront took more than 80% of the origin's OriginReadTimeout (or ResponseCompletionTimeout): a little slower and CloudFront answers 504.",
    source: SOURCES.ORIGIN_SETTINGS_PAGE,
    fix: "Make the origin answer faster, or raise the origin's response timeout (OriginReadTimeout, ResponseCompletionTimeout).",
    reachability: true,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'ORIGIN_CLOUDFRONT_ONLY',
    severity: 'info',
    title: 'reachable only from CloudFront',
    why: 'The monitor cannot connect to the origin from its own address (an allowlist of CloudFront\'s prefix list, AWS WAF, a firewall, or a client certificate only CloudFront has), but the request through CloudFront reached it: as AWS recommends.',
    source: EDGE_SOURCES.RESTRICT_ORIGINS,
    fix: 'Nothing to do. The direct checks listed (handshake, certificate chain) could not be made; the edge check watches the connection.',
    reachability: false,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_REFUSED',
    severity: 'info',
    title: 'the edge check was refused at the edge',
    why: 'CloudFront refused the edge check itself (AWS WAF, a geographic restriction, signed URLs or cookies), so it did not reach the origin; the verdict on this path rests on the direct probe.',
    source: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-403-permission-denied.html',
    fix: 'To check through CloudFront, let requests with the monitor\'s User-Agent (cloudfront-origin-monitor) and paths starting with the label reach the origin, or leave it to the direct probe.',
    reachability: false,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_FUNCTION_ANSWER',
    severity: 'info',
    title: 'a function answered at the edge',
    why: 'A CloudFront Function or Lambda@Edge answered the edge check itself, so the origin was not reached on this path; its verdict rests on the direct probe.',
    source: EDGE_SOURCES.RESPONSE_ERRORS,
    fix: 'Nothing to do, unless that function should have let the request through.',
    reachability: false,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'EDGE_CHECK_FAILED',
    severity: 'info',
    title: 'the edge check could not be made',
    why: 'The monitor could not get an answer from CloudFront (its own network, DNS or time limit), or the answer did not come from CloudFront; this says nothing about the origin.',
    source: EDGE_SOURCES.RESPONSE_ERRORS,
    fix: 'Check that the monitor can reach the distribution\'s domain over HTTPS (outbound 443); the direct probe\'s verdict stands meanwhile.',
    reachability: false,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'ORIGIN_CHOSEN_AT_RUNTIME',
    severity: 'info',
    title: 'the origin may be chosen at run time',
    why: 'A viewer-request CloudFront Function (cf.updateRequestOrigin, cf.selectRequestOriginById) or an origin-request Lambda@Edge can send these requests to another origin than the one configured; what the distribution says is not the whole story.',
    source: EDGE_SOURCES.ORIGIN_MODIFICATION,
    fix: 'Nothing to do: the verdict for these paths rests on the edge check (keep it on).',
    reachability: false,
    reproduce: curlEdgeCommand,
  },
  {
    code: 'ORIGIN_MTLS_UNCONFIRMED',
    severity: 'info',
    title: 'mTLS origin: the connection is not confirmed',
    why: 'The origin requires a client certificate, as its origin mTLS configuration says; only CloudFront holds the private key, so the monitor cannot complete the handshake and needs the edge check to confirm the connection.',
    source: EDGE_SOURCES.MTLS,
    fix: 'Turn the edge check on (or let it reach the origin) to confirm the connection.',
    reachability: false,
    reproduce: opensslHandshakeCommand,
  },
  {
    code: 'MTLS_CERT_EXPIRED',
    severity: 'critical',
    title: 'the client certificate CloudFront presents has expired',
    why: 'CloudFront presents its origin mTLS client certificate without checking it; an origin that verifies client certificates rejects an expired one, and CloudFront answers 502.',
    source: EDGE_SOURCES.MTLS,
    fix: 'Renew or re-import the certificate in ACM (us-east-1) and point OriginMtlsConfig at it.',
    reachability: false,
    reproduce: acmCommand,
  },
  {
    code: 'MTLS_CERT_EXPIRING_SOON',
    severity: 'warning',
    title: 'the client certificate CloudFront presents expires soon',
    why: 'When the origin mTLS client certificate expires, an origin that verifies it rejects CloudFront, which answers 502.',
    source: EDGE_SOURCES.MTLS,
    fix: 'Renew the certificate (an imported certificate is not renewed by ACM: re-import it).',
    reachability: false,
    reproduce: acmCommand,
  },
  {
    code: 'MTLS_CERT_NOT_ISSUED',
    severity: 'critical',
    title: 'the client certificate CloudFront presents is not usable',
    why: "The origin mTLS client certificate's ACM status is not ISSUED (revoked, expired, failed, pending, inactive): an origin that verifies it rejects CloudFront, which answers 502.",
    source: EDGE_SOURCES.MTLS,
    fix: 'Issue or import a valid certificate in ACM (us-east-1) and point OriginMtlsConfig at it.',
    reachability: false,
    reproduce: acmCommand,
  },
  {
    code: 'MTLS_CERT_NOT_RENEWABLE',
    severity: 'info',
    title: 'the client certificate will not renew itself',
    why: 'ACM says the origin mTLS client certificate is not eligible for managed renewal (an imported certificate, say): someone must renew it before it expires.',
    source: EDGE_SOURCES.ACM_RENEWAL,
    fix: 'Plan the renewal; the monitor warns as the expiry approaches.',
    reachability: false,
    reproduce: acmCommand,
  },
  {
    code: 'MTLS_CERT_UNREADABLE',
    severity: 'info',
    title: 'the client certificate could not be read',
    why: 'The monitor could not read the origin mTLS client certificate from ACM (permission, not found, or an offline inventory), so its expiry and status are not checked.',
    source: EDGE_SOURCES.MTLS,
    fix: 'Allow acm:DescribeCertificate on the certificate (the deployed monitor has it), or scan the live account.',
    reachability: false,
    reproduce: acmCommand,
  },
  {
    code: 'VPC_ORIGIN',
    severity: 'info',
    title: 'VPC origin',
    why: 'A VPC origin is private: CloudFront reaches it inside AWS and the monitor cannot probe it from here. Its settings come from GetVpcOrigin; its verdict from the edge check (or the VPC probe function).',
    source: EDGE_SOURCES.VPC_ORIGINS,
    fix: 'Nothing to do; keep the edge check on, or deploy the VPC probe (-c vpcProbe=...) to check its TLS directly.',
    reachability: false,
    reproduce: vpcOriginCommand,
  },
  {
    code: 'VPC_ORIGIN_UNREADABLE',
    severity: 'info',
    title: 'the VPC origin could not be read',
    why: 'The monitor could not read the VPC origin (permission, another account, or an offline inventory), so its ports and TLS settings are unknown.',
    source: EDGE_SOURCES.VPC_ORIGINS,
    fix: 'Allow cloudfront:GetVpcOrigin (the deployed monitor has it); a VPC origin shared from another account is read in that account.',
    reachability: false,
    reproduce: vpcOriginCommand,
  },
];

export const FINDINGS: Readonly<Record<FindingCode, FindingDefinition>> = Object.fromEntries(
  DEFS.map((d) => [d.code, d]),
) as Record<FindingCode, FindingDefinition>;

/** The definition of a code, or undefined for one this version does not know (state saved by another version). */
export function lookupFinding(code: string): FindingDefinition | undefined {
  return (FINDINGS as Record<string, FindingDefinition>)[code];
}

export function findingDefinition(code: string): FindingDefinition {
  const def = lookupFinding(code);
  if (!def) throw new Error(`unknown finding code ${code}`);
  return def;
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
