/**
 * The types that cross stage boundaries. Data flows one way:
 *
 *   inventory -> OriginTarget[] -> probes -> OriginFacts -> diagnosis -> Finding[] -> ScanReport
 *
 * Nothing here holds a secret: custom origin header values never enter these types.
 */

export type Severity = 'critical' | 'warning' | 'info';
/** `unchecked`: the monitor could not check the origin (its resolver failed, or its probe failed): the monitor's fault, not the origin's. */
export type OriginStatus = 'ok' | 'warning' | 'critical' | 'skipped' | 'unchecked';

/** TLS versions by the names CloudFront's API uses (`OriginSslProtocols`), plus TLSv1.3. */
export type TlsVersionName = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
/** What `OriginSslProtocols` may contain. */
export type OriginSslProtocol = Exclude<TlsVersionName, 'TLSv1.3'>;

export type OriginProtocolPolicy = 'http-only' | 'https-only' | 'match-viewer';
/** `CustomOriginConfig.IpAddressType`: which addresses of the origin name CloudFront connects to (default ipv4). */
export type IpAddressType = 'ipv4' | 'ipv6' | 'dualstack';

// ---------------------------------------------------------------------------------------------------------------
// inventory -> targets
// ---------------------------------------------------------------------------------------------------------------

/** A name CloudFront sends to the origin as SNI (and Host), with the cache behaviors that lead to it. */
export interface SniName {
  name: string;
  /** `origin-domain`: the origin's DomainName; `viewer-host`: an alias or the distribution's own domain forwarded as Host. */
  source: 'origin-domain' | 'viewer-host';
  /** For a wildcard alias (`*.example.com`) probed as a concrete name under it: the alias. */
  wildcardAlias?: string;
  /** Path patterns of the behaviors that send this name (`*` is the default behavior). */
  behaviors: string[];
  /**
   * False when no behavior sends this name (every behavior reaching the origin forwards the viewer Host, so the
   * origin domain is never the SNI): it is probed, but judged only as what would break if a behavior sent it.
   */
  sent?: false;
}

/** One TCP connection CloudFront makes to the origin. */
export interface TargetPort {
  port: number;
  tls: boolean;
  /** Path patterns of the behaviors that use this port (e.g. HTTP only for `allow-all` behaviors under match-viewer). */
  behaviors?: string[];
}

export interface OriginGroupRole {
  groupId: string;
  role: 'primary' | 'secondary';
  /** The other member's origin id. */
  partnerOriginId?: string;
}

/** A condition the inventory itself can see (no network needed), turned into a finding by the diagnosis. */
export interface InventoryIssue {
  code: string; // a FindingCode
  message: string;
  evidence?: Record<string, unknown>;
}

export interface OriginTarget {
  /** Stable identity of the origin within a scan: `${distributionId}/${originId}`, or the domain for a single origin. */
  key: string;
  distributionId?: string;
  distributionDomainName?: string;
  distributionEnabled?: boolean;
  aliases?: string[];
  originId?: string;
  /** The name CloudFront resolves and connects to. */
  domainName: string;
  originPath?: string;
  protocolPolicy: OriginProtocolPolicy;
  httpPort: number;
  httpsPort: number;
  /** The connections CloudFront really makes, derived from the protocol policy and the behaviors. */
  ports: TargetPort[];
  /** Every name CloudFront may send as SNI to this origin. Always contains the origin domain when HTTPS is used. */
  sniNames: SniName[];
  /** `OriginSslProtocols`: the versions up to TLS 1.2 the distribution allows. */
  allowedVersions: OriginSslProtocol[];
  /** Per attempt, from the origin's ConnectionTimeout (default 10 s). */
  connectionTimeoutMs: number;
  /** From ConnectionAttempts (default 3). */
  connectionAttempts: number;
  /** Which address families CloudFront uses for this origin; undefined means CloudFront's default, ipv4. */
  ipAddressType?: IpAddressType;
  originGroups?: OriginGroupRole[];
  /** Names of custom headers sent to the origin. Never their values. */
  customHeaderNames?: string[];
  /** Set when the origin is not probed on purpose (S3 REST origin, disabled and --skip-disabled, a tenant with no domain). */
  skip?: { reason: string };
  /**
   * Set when the origin could not be checked because something the inventory needed failed or was not supplied (a
   * distribution that could not be read, tenants not looked up, GetVpcOrigin failed): reported `unchecked` with
   * the reason (exit 1, the origins-not-checked alarm), never `skipped`. The reason says what to grant or supply.
   */
  unchecked?: { reason: string };
  inventoryIssues?: InventoryIssue[];
  /** Addresses to use instead of DNS (from `--resolve`), as curl's --resolve does. */
  resolveOverride?: string[];
  /** The request paths that reach this origin, beyond the plain ones (see RequestPaths). */
  paths?: RequestPaths;
  /** The requests through CloudFront that reach this origin: one per cache behavior leading to it (edge check). */
  edgeRoutes?: EdgeRoute[];
  /** OriginReadTimeout (default 30 s) and ResponseCompletionTimeout (unset: none), for the slow-origin warning. */
  originReadTimeoutMs?: number;
  responseCompletionTimeoutMs?: number;
  /** Origin mTLS: CloudFront presents this ACM client certificate (`CustomOriginConfig.OriginMtlsConfig`). */
  mtls?: OriginMtls;
  /** A VPC origin (`VpcOriginConfig`): its settings live on the VPC origin resource (GetVpcOrigin). */
  vpcOrigin?: VpcOriginRef;
}

/** How viewer requests reach an origin, where that is not simply "a behavior targets it". All optional. */
export interface RequestPaths {
  /** No behavior targets the origin or a group holding it; `runtimeOnly` when a function may still choose it. */
  unrouted?: { runtimeOnly: boolean };
  /** The behaviors (path patterns) that use Origin Shield for this origin, and its region. */
  originShield?: { region: string; behaviors: string[] };
  /** The distribution is a continuous-deployment staging distribution: only staged traffic reaches it. */
  staging?: StagingLink;
  /** A target of a multi-tenant template, for one distribution tenant with its own values and domains. */
  tenant?: TenantRef;
}

export interface StagingLink {
  primaryId?: string;
  primaryDomainName?: string;
  policyId?: string;
  /** The continuous deployment policy is enabled (disabled: no viewer traffic reaches the staging distribution). */
  policyEnabled?: boolean;
  /** The share of the primary's traffic: a weight (0 to 0.15), or requests carrying a header (its value is never shown). */
  traffic?: { type: 'weight'; weight: number } | { type: 'header'; header: string };
  /** Set when the primary or the policy could not be named, saying why. */
  unresolved?: string;
}

export interface TenantRef {
  id: string;
  name: string;
  domains: string[];
  /** The tenant's values of the parameters its template's origin names and paths use (origin names, not secrets). */
  parameters?: Record<string, string>;
}

/** A viewer-request CloudFront Function or an origin-request Lambda@Edge: it may send the request elsewhere. */
export interface RuntimeOriginHook {
  kind: 'cloudfront-function' | 'lambda-edge';
  arn: string;
  eventType: string;
}

/** One request the edge check sends through CloudFront for one cache behavior. */
export interface EdgeRoute {
  /** The behavior's path pattern (`*` for the default behavior). */
  pathPattern: string;
  /** The patterns CloudFront tries before this one: the request path must match none of them. */
  precedingPatterns: string[];
  /** A method the behavior allows (GET: every behavior allows GET and HEAD). */
  method: 'GET' | 'HEAD';
  /** The Host (and TLS SNI) of the viewer request: the distribution's domain, or an alias when the behavior forwards Host. */
  host: string;
  /** Set when the behavior targets an origin group: the answer may come from either member. */
  viaGroup?: string;
  /** Code at the edge that may choose another origin at run time. */
  runtimeOrigin?: RuntimeOriginHook[];
  /** The behavior requires signed URLs or cookies (trusted key groups or signers): the edge refuses an unsigned request. */
  signedRequests?: boolean;
}

/** What `acm:DescribeCertificate` says about an origin mTLS client certificate. */
export interface ClientCertificateFacts {
  arn: string;
  status?: string;
  notAfter?: string;
  notBefore?: string;
  renewalEligibility?: string;
  renewalStatus?: string;
  type?: string;
  domainName?: string;
  inUseBy?: number;
}

export interface OriginMtls {
  clientCertificateArn: string;
  /** Filled by the inventory (acm:DescribeCertificate); absent for an offline inventory. */
  certificate?: ClientCertificateFacts;
  /** Why the certificate could not be read (access denied, not found, offline inventory). */
  readError?: string;
}

/** `VpcOrigin.VpcOriginEndpointConfig`, as GetVpcOrigin returns it. */
export interface VpcOriginEndpoint {
  name?: string;
  /** The ARN of the load balancer or EC2 instance. */
  arn: string;
  httpPort: number;
  httpsPort: number;
  protocolPolicy: OriginProtocolPolicy;
  sslProtocols: OriginSslProtocol[];
  status?: string;
}

export interface VpcOriginRef {
  id: string;
  ownerAccountId?: string;
  /** Filled by the inventory (cloudfront:GetVpcOrigin). */
  endpoint?: VpcOriginEndpoint;
  readError?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// probes -> facts
// ---------------------------------------------------------------------------------------------------------------

export interface DnsFacts {
  name: string;
  /**
   * ok: at least one address; nxdomain: the name does not exist; no-address: the name exists but has no A/AAAA;
   * error: the resolver failed (SERVFAIL, timeout, refused); literal: the name is an IP address;
   * override: addresses came from --resolve; hosts-file: from the hosts file (CLI only: CloudFront uses public DNS).
   */
  status: 'ok' | 'nxdomain' | 'no-address' | 'error' | 'literal' | 'override' | 'hosts-file';
  addresses: { address: string; family: 4 | 6 }[];
  /** Resolver error code (ENOTFOUND, ESERVFAIL, ETIMEOUT, ...) when status is not ok. */
  error?: string;
  /** Tries made before giving up, when the resolver failed (status error); 0: not asked, the resolver was down. */
  attempts?: number;
  /** The hosts file the addresses came from (status hosts-file). */
  hostsFile?: string;
  durationMs: number;
}

export type TcpStatus = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';
export interface TcpFacts {
  address: string;
  port: number;
  status: TcpStatus;
  error?: string;
  durationMs: number;
}

/** What a ClientHello offers. Codes are IANA code points. */
export interface HelloOffer {
  /** Versions offered, by name. The record/legacy version and supported_versions are derived from these. */
  versions: TlsVersionName[];
  /** Cipher suites up to TLS 1.2, in preference order. */
  suites: number[];
  /** TLS 1.3 suites (used only when TLSv1.3 is offered). */
  tls13Suites: number[];
  /** supported_groups, in order; key shares are sent for the first group(s) the codec can compute. */
  groups: number[];
  signatureSchemes: number[];
  /** The server_name extension. Omitted for IP literals, as TLS forbids IP addresses in SNI. */
  serverName?: string;
}

export interface ServerHelloInfo {
  /** The negotiated version (from supported_versions for TLS 1.3). */
  version: TlsVersionName | string;
  versionCode: number;
  suite: number;
  suiteName: string;
  /** The key exchange group: key_share (TLS 1.3) or ServerKeyExchange's named curve (ECDHE, TLS <= 1.2). */
  group?: number;
  groupName?: string;
  /** True when the server sent a HelloRetryRequest first and the second hello succeeded. */
  helloRetried?: boolean;
  /** The Certificate message's certificates (DER) in the order the server sent them; decrypted for TLS 1.3. */
  certificates?: Buffer[];
  /** Set where a report leaves `certificates` out (an origin with no finding; `--full-chain` keeps them): how many were sent. */
  certificatesSent?: number;
  /** The server asked for a client certificate (CertificateRequest). */
  certificateRequested?: boolean;
  /** Extensions in the ServerHello (codes). */
  extensions?: number[];
  /** Body size of the Certificate handshake message, in bytes. */
  certificateMessageBytes?: number;
  /** Why the certificates could not be read, when they could not (decryption failure, truncated flight...). */
  certificateError?: string;
  /**
   * Where the server's choice is not one the offer allows: the handshake would be aborted by the client.
   * `version-not-offered` (e.g. TLS 1.0 answered to a hello offering 1.2-1.3), `suite-not-offered`, `group-not-offered`.
   */
  offerViolations?: ('version-not-offered' | 'suite-not-offered' | 'group-not-offered')[];
}

export type HelloOutcome =
  | { kind: 'server-hello'; hello: ServerHelloInfo }
  /** A HelloRetryRequest the client could not (or, on the second try, again could not) satisfy. */
  | { kind: 'hello-retry-request'; group?: number; suite?: number; detail: string }
  | { kind: 'alert'; level: number; description: number; descriptionName: string }
  /** The answer is not TLS: the first bytes, hex, and printable text if any (an HTTP server on the TLS port...). */
  | { kind: 'not-tls'; firstBytesHex: string; text?: string }
  /** The server sent TLS that breaks the protocol (a suite it was not offered, a malformed record, a huge record). */
  | { kind: 'protocol-error'; detail: string }
  /** The server closed the connection (FIN) without a word. */
  | { kind: 'closed' }
  | { kind: 'reset' }
  /** No answer within the handshake timeout (silent or dripping server). */
  | { kind: 'timeout'; bytesReceived: number }
  /** TCP connect failed. */
  | { kind: 'connect-failed'; tcp: TcpStatus; error?: string };

export interface HelloResult {
  /** What was offered, for evidence (suite/group codes). */
  offer: HelloOffer;
  outcome: HelloOutcome;
  durationMs: number;
  bytesReceived: number;
}

/** One extra handshake that varies one dimension of the offer. */
export interface DetailProbe {
  /** e.g. `version:TLSv1`, `suites:any`, `groups:any`, `suites:legacy-only`. */
  purpose: string;
  result: HelloResult;
}

/** A certificate of the chain as sent. */
export interface CertificateInfo {
  /** Position in the Certificate message (0 = first sent). */
  index: number;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string; // ISO 8601
  notAfter: string; // ISO 8601
  /** DNS names of the subjectAltName (or the CN when there is no SAN extension). */
  dnsNames: string[];
  ipAddresses: string[];
  selfIssued: boolean;
  isCA: boolean;
  keyType?: string;
  keyBits?: number;
  curve?: string;
  fingerprint256: string;
}

/** One problem of a chain. `code` is a CERT_* FindingCode. */
export interface ChainProblem {
  code: string;
  /** Index of the certificate concerned, in the order sent. */
  certIndex?: number;
  detail: string;
  evidence?: Record<string, unknown>;
}

export interface ChainAnalysis {
  certificates: CertificateInfo[];
  /** The SNI name checked against the leaf. */
  serverName?: string;
  /** Every problem found, not only the first. */
  problems: ChainProblem[];
  /** Subject of the trust anchor the chain leads to, when it leads to one. */
  trustAnchor?: string;
  /** `--ca-file <file>` when that anchor is trusted only because a --ca-file added it (CloudFront does not trust it). */
  trustAnchorAddedBy?: string;
  /** Which trust store judged the chain, e.g. `node-v20.20.2 tls.rootCertificates (144) + 1 from --ca-file`. */
  trustStore: string;
  /** Set when the certificates could not be read at all (none sent, garbage DER). */
  certificateError?: string;
  /** Indexes of sent certificates that are not on the path to the trust anchor. */
  unusedCertificates?: number[];
}

/** Everything learnt about one address x port (x SNI name for TLS). */
export interface EndpointFacts {
  address: string;
  family: 4 | 6;
  port: number;
  tls: boolean;
  /** The SNI name offered (TLS only). */
  serverName?: string;
  tcp: TcpFacts;
  /** The verdict handshake: a ClientHello built as CloudFront builds it for this origin. */
  hello?: HelloResult;
  /** Handshakes that vary one dimension, run only where they explain something. */
  details?: DetailProbe[];
  chain?: ChainAnalysis;
  /** Set when the server asked for a client certificate: a handshake without one, completed to see if it is required. */
  clientCertificate?: ClientCertVerdict;
}

export interface ClientCertVerdict {
  required: boolean | 'unknown';
  detail: string;
}

export interface OriginFacts {
  dns: DnsFacts;
  /** The name resolves, but to no address of the family CloudFront uses for this origin (IpAddressType). */
  noUsableAddress?: { ipAddressType: IpAddressType; addresses: string[] };
  endpoints: EndpointFacts[];
  /** Work the scan did not do (deadline reached, address cap): said, never silent. */
  notProbed?: { what: string; reason: string }[];
}

/**
 * One request through CloudFront (the edge check), as seen by a viewer: status, CloudFront's own headers, timing.
 * Only what CloudFront and the origin said; what it means is the diagnosis' business (diagnosis/edge-outcome.ts).
 */
export interface EdgeFacts {
  /** The distribution's domain name the request went to (`dxxxx.cloudfront.net`). */
  distributionDomainName: string;
  /** Host header and SNI sent. */
  host: string;
  path: string;
  method: string;
  pathPattern: string;
  viaGroup?: string;
  runtimeOrigin?: RuntimeOriginHook[];
  signedRequests?: boolean;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** CloudFront's response headers (and Server, which an origin may set). */
  xCache?: string;
  pop?: string;
  requestId?: string;
  server?: string;
  via?: string;
  /** The body is CloudFront's own error page ("Generated by cloudfront (CloudFront)"); its headline, if any. */
  cloudfrontPage?: { headline?: string };
  /** From sending the request to the response headers, and to the end of the body (when read to the end). */
  headersMs?: number;
  totalMs: number;
  /** The body was longer than the monitor reads (64 KiB): totalMs is then not the end of the answer. */
  bodyTruncated?: boolean;
  /** The request itself failed (the monitor could not reach CloudFront): never an origin's fault. */
  error?: { stage: 'dns' | 'connect' | 'tls' | 'timeout' | 'http' | 'no-path'; message: string };
}

// ---------------------------------------------------------------------------------------------------------------
// diagnosis -> report
// ---------------------------------------------------------------------------------------------------------------

export interface Finding {
  code: string; // FindingCode
  severity: Severity;
  /** One line a person can act on. */
  message: string;
  /** The name CloudFront sends as SNI, where it matters. */
  sniName?: string;
  /** The (first) address where it holds; `addresses` lists them all when there are several. */
  address?: string;
  addresses?: string[];
  port?: number;
  /** Path patterns of the behaviors this finding hits. */
  behaviors?: string[];
  /** What the server chose or sent: version, suite, alert, subject, SANs, notAfter... */
  evidence: Record<string, unknown>;
  /** Why CloudFront answers 502 (or will), with the AWS page it comes from. */
  why: string;
  fix: string;
  /** A command a person can paste to see it for themselves. */
  reproduce?: string;
}

export interface OriginReport {
  key: string;
  distributionId?: string;
  distributionDomainName?: string;
  distributionEnabled?: boolean;
  aliases?: string[];
  originId?: string;
  domainName: string;
  status: OriginStatus;
  skippedReason?: string;
  /** Why the monitor could not check the origin (status unchecked), e.g. `resolver failed: ETIMEOUT after 3 tries`. */
  uncheckedReason?: string;
  ports: TargetPort[];
  sniNames: SniName[];
  allowedVersions: OriginSslProtocol[];
  originGroups?: (OriginGroupRole & { partnerStatus?: OriginStatus; failsOver?: boolean })[];
  /** Staging, tenant, Origin Shield and unrouted origins: as on the target. */
  paths?: RequestPaths;
  findings: Finding[];
  facts?: OriginFacts;
  /** The requests through CloudFront for the behaviors that lead to this origin (the edge check). */
  edge?: EdgeFacts[];
  /** Origin mTLS and VPC origin settings, as the inventory read them. */
  mtls?: OriginMtls;
  vpcOrigin?: VpcOriginRef;
  /** Paths whose origin may be chosen at run time (a viewer-request function or an origin-request Lambda@Edge). */
  runtimeOrigin?: { pathPattern: string; hooks: RuntimeOriginHook[] }[];
  durationMs: number;
}

export interface ScanSummary {
  origins: number;
  ok: number;
  warning: number;
  critical: number;
  /** Skipped on purpose (S3, VPC, disabled, unreadable); origins that could not be probed are unchecked. */
  skipped: number;
  /** Not reached before the scan's deadline (listed in `incomplete`). */
  notReached: number;
  /** Not checked because the monitor's resolver failed: the monitor's fault, never counted as the origin's. */
  unchecked: number;
}

export interface ScanReport {
  schemaVersion: 1;
  tool: { name: 'cloudfront-origin-monitor'; version: string; runtime: string };
  profile: string;
  startedAt: string;
  durationMs: number;
  origins: OriginReport[];
  summary: ScanSummary;
  /** Origins or work not reached before the deadline. */
  incomplete?: { reason: string; notScanned: string[] };
  /**
   * Set when --ca-file added trust anchors: chains that end at one of them are judged trusted here, but CloudFront
   * (Mozilla's list only) does not trust them.
   */
  caFileRoots?: { file: string; roots: number }[];
}
