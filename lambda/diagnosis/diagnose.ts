/**
 * Facts -> findings. Pure: the same target and facts always give the same findings.
 *
 * The verdict comes from the handshake CloudFront itself would make; the detail probes only explain it. A finding
 * that holds on several addresses of the name is one finding naming them all ("on 1 of 3 addresses"), because
 * behind a load balancer one address can fail while the others work.
 */
import { LEGACY_SUITE_CODES, UNDOCUMENTED_SUITE_CODES, type ClientProfile } from '../cloudfront/client-profile';
import type {
  DetailProbe,
  EndpointFacts,
  Finding,
  HelloOutcome,
  HelloResult,
  OriginFacts,
  OriginStatus,
  OriginTarget,
  ServerHelloInfo,
  TlsVersionName,
} from '../model';
import { isAccepted } from '../probe/offers';
import { SELF_EXPLAINING_ALERTS } from '../probe/tls-constants';
import { SEVERITY_RANK, type FindingCode, type ReproduceContext } from './findings';
import { makeFinding } from './make-finding';
import { applyRequestPaths } from './request-paths';

/** A finding before the catalogue fills severity, why, fix and reproduce (request-paths.ts amends these too). */
export interface Draft {
  code: FindingCode;
  message: string;
  sniName?: string;
  address?: string;
  port?: number;
  evidence: Record<string, unknown>;
  version?: TlsVersionName;
}

const LEGACY: readonly string[] = ['SSLv3', 'TLSv1', 'TLSv1.1'];

/**
 * What the reproduce commands need beyond the finding: the extra root the scan trusted, if one; the DNS server it
 * asked and where it sent the edge check, when not the public ones (`--dns-server`, `--connect-to`, the demo's).
 */
export type CommandOptions = Pick<ReproduceContext, 'caFile' | 'dnsServer' | 'edgeConnectTo'>;

export function diagnose(target: OriginTarget, facts: OriginFacts | undefined, profile: ClientProfile, commands: CommandOptions = {}): Finding[] {
  const drafts: Draft[] = [
    ...(target.inventoryIssues ?? []).map((i) => ({ code: i.code as FindingCode, message: i.message, evidence: i.evidence ?? {} })),
  ];
  if (facts) {
    drafts.push(...dnsDrafts(facts));
    for (const endpoint of facts.endpoints) drafts.push(...endpointDrafts(endpoint, profile));
  }
  const probed = facts ? new Set(facts.endpoints.map((e) => e.address)).size : 0;
  return merge(applyRequestPaths(drafts, target), probed, facts?.notProbed?.length ?? 0).map((d) => complete(d, target, commands));
}

export function originStatus(findings: readonly Finding[]): OriginStatus {
  let worst = -1;
  for (const f of findings) worst = Math.max(worst, SEVERITY_RANK[f.severity]);
  if (worst >= SEVERITY_RANK.critical) return 'critical';
  if (worst >= SEVERITY_RANK.warning) return 'warning';
  return 'ok';
}

// --- DNS and TCP ------------------------------------------------------------------------------------------------

function dnsDrafts(facts: OriginFacts): Draft[] {
  const { dns, noUsableAddress } = facts;
  if (noUsableAddress) {
    const [family, other] = noUsableAddress.ipAddressType === 'ipv6' ? ['AAAA', 'IPv4'] : ['A', 'IPv6'];
    return [
      {
        code: 'DNS_UNRESOLVABLE',
        message: `${dns.name} has no ${family} record, and the origin's IP address type is ${noUsableAddress.ipAddressType}: CloudFront will not use its ${other} addresses`,
        evidence: { name: dns.name, ipAddressType: noUsableAddress.ipAddressType, addresses: noUsableAddress.addresses },
      },
    ];
  }
  // Only an answer is the origin's fault. A resolver that failed (status error) is the monitor's: the pipeline
  // reports the origin as unchecked, and there is no finding.
  const reason: Record<string, string> = {
    nxdomain: dns.error === 'EBADNAME' ? 'the name is not a valid DNS name' : 'the name does not exist (NXDOMAIN)',
    'no-address': 'the name exists but has no A or AAAA record',
  };
  if (!(dns.status in reason)) return [];
  return [
    {
      code: 'DNS_UNRESOLVABLE',
      message: `${dns.name} does not resolve: ${reason[dns.status]}`,
      evidence: { name: dns.name, status: dns.status, ...(dns.error ? { error: dns.error } : {}) },
    },
  ];
}

function tcpDraft(e: EndpointFacts): Draft | undefined {
  const where = { address: e.address, port: e.port };
  const evidence = { address: e.address, port: e.port, tcp: e.tcp.status, ...(e.tcp.error ? { error: e.tcp.error } : {}), durationMs: e.tcp.durationMs };
  switch (e.tcp.status) {
    case 'open':
      return undefined;
    case 'refused':
      return { code: 'PORT_REFUSED', message: `port ${e.port} refuses connections`, ...where, evidence };
    case 'timeout':
      return { code: 'PORT_TIMEOUT', message: `port ${e.port} does not answer within the connection timeout`, ...where, evidence };
    default:
      return { code: 'PORT_UNREACHABLE', message: `port ${e.port} cannot be reached (${e.tcp.error ?? e.tcp.status})`, ...where, evidence };
  }
}

// --- TLS --------------------------------------------------------------------------------------------------------

function endpointDrafts(e: EndpointFacts, profile: ClientProfile): Draft[] {
  const tcp = tcpDraft(e);
  if (tcp) return [tcp];
  if (!e.tls || !e.hello) return [];
  const at = { address: e.address, port: e.port, ...(e.serverName ? { sniName: e.serverName } : {}) };
  const drafts = verdictDrafts(e, e.hello, profile).map((d) => ({ ...at, ...d }));
  if (e.chain?.certificateError && isAccepted(e.hello)) {
    // CloudFront cannot verify what it cannot read: no certificate, or one that does not parse.
    drafts.push({ ...at, ...handshakeFailed(`the origin's certificate cannot be used: ${e.chain.certificateError}`, e.hello, 'unreadable-certificate') });
  }
  for (const p of e.chain?.problems ?? []) {
    drafts.push({
      ...at,
      code: p.code as FindingCode,
      message: p.detail,
      evidence: { ...(p.certIndex !== undefined ? { certIndex: p.certIndex } : {}), ...p.evidence },
    });
  }
  return drafts;
}

function verdictDrafts(e: EndpointFacts, verdict: HelloResult, profile: ClientProfile): Omit<Draft, 'address' | 'port'>[] {
  const o = verdict.outcome;
  const offered = verdict.offer.versions;
  const name = e.serverName ? ` for ${e.serverName}` : '';
  switch (o.kind) {
    case 'server-hello':
      return serverHelloDrafts(e, o.hello, offered, profile);
    case 'alert':
      if (o.description in SELF_EXPLAINING_ALERTS) {
        const { reason, says } = SELF_EXPLAINING_ALERTS[o.description];
        const forName = reason === 'unrecognized-name' ? name : '';
        return [handshakeFailed(`${says}${forName} (alert ${o.description} ${o.descriptionName})`, verdict, reason)];
      }
      return [explainFailure(e, verdict)];
    case 'closed':
    case 'reset':
    case 'hello-retry-request':
      return [explainFailure(e, verdict)];
    case 'not-tls':
      return [
        handshakeFailed(
          `the origin answers CloudFront's TLS hello with something that is not TLS${o.text ? `: "${oneLine(o.text)}"` : ` (bytes ${o.firstBytesHex.slice(0, 16)})`}`,
          verdict,
          'not-tls',
        ),
      ];
    case 'timeout':
      // Messages carry no measurements (they name a finding across addresses); durations are evidence.
      return [
        o.bytesReceived > 0
          ? handshakeFailed(`the origin starts answering CloudFront's hello, then stalls before the handshake completes`, verdict, 'stalled')
          : handshakeFailed(`the origin accepts the connection but never answers CloudFront's hello`, verdict, 'silent'),
      ];
    case 'protocol-error':
      return [handshakeFailed(`the origin's answer breaks the TLS protocol: ${o.detail}`, verdict, 'protocol-error')];
    case 'connect-failed':
      return []; // reported by tcpDraft
  }
}

function serverHelloDrafts(e: EndpointFacts, hello: ServerHelloInfo, offered: readonly TlsVersionName[], profile: ClientProfile): Omit<Draft, 'address' | 'port'>[] {
  const chosen = chosenEvidence(hello);
  const violations = hello.offerViolations ?? [];
  if (violations.includes('version-not-offered')) {
    const explained = e.details?.length ? explainFailure(e, e.hello as HelloResult) : undefined;
    if (explained && explained.code !== 'TLS_HANDSHAKE_FAILED') return [explained];
    return [
      {
        code: 'TLS_NO_COMMON_PROTOCOL',
        message: `the origin answers with ${hello.version}, which CloudFront does not offer it (offered: ${offered.join(', ')})`,
        evidence: { ...chosen, offeredVersions: offered },
        version: reproduceVersion(offered),
      },
    ];
  }
  if (violations.length > 0) {
    return [
      {
        code: 'TLS_HANDSHAKE_FAILED',
        message: `the origin chose ${violations.includes('suite-not-offered') ? `cipher suite ${hello.suiteName}` : `group ${hello.groupName ?? hello.group}`}, which CloudFront did not offer`,
        evidence: { ...chosen, reason: violations.join(', ') },
      },
    ];
  }

  const drafts: Omit<Draft, 'address' | 'port'>[] = [];
  if (e.clientCertificate?.required === true) {
    drafts.push({
      code: 'TLS_HANDSHAKE_FAILED',
      message: 'the origin requires a client certificate, and CloudFront sends none',
      evidence: { ...chosen, reason: 'client-certificate-required', detail: e.clientCertificate.detail },
    });
  }
  const withoutLegacySuites = detail(e, 'suites:without-legacy');
  if (LEGACY.includes(String(hello.version))) {
    drafts.push({
      code: 'TLS_LEGACY_ONLY',
      message: `CloudFront can reach the origin only with ${hello.version}: it offered ${offered.join(', ')} and the origin chose ${hello.version}`,
      evidence: { ...chosen, offeredVersions: offered },
      version: hello.version as TlsVersionName,
    });
  } else if (withoutLegacySuites && !isAccepted(withoutLegacySuites)) {
    drafts.push({
      code: 'TLS_LEGACY_ONLY',
      message: `CloudFront can reach the origin only with the legacy cipher suite ${hello.suiteName}`,
      evidence: { ...chosen, withoutLegacySuites: describeOutcome(withoutLegacySuites.outcome) },
      version: hello.version as TlsVersionName,
    });
  }
  const withoutUndocumented = detail(e, 'suites:without-undocumented');
  if (UNDOCUMENTED_SUITE_CODES.includes(hello.suite) && withoutUndocumented && !isAccepted(withoutUndocumented)) {
    drafts.push({
      code: 'TLS_UNDOCUMENTED_SUITE_ONLY',
      message: `CloudFront can reach the origin only with ${hello.suiteName}, a suite that CloudFront's TLS library (s2n-tls, ${profile.name}) offers but AWS's documentation does not list`,
      evidence: { ...chosen, withoutUndocumentedSuites: describeOutcome(withoutUndocumented.outcome) },
      version: hello.version as TlsVersionName,
    });
  }
  const without13 = detail(e, 'versions:without-tls13');
  if (hello.version === 'TLSv1.3' && without13 && !isAccepted(without13)) {
    drafts.push({
      code: 'TLS13_ONLY',
      message: `the origin speaks only TLS 1.3: fine under ${profile.name}, a 502 for a client offering at most ${highest(without13.offer.versions)}`,
      evidence: { ...chosen, upToTls12: describeOutcome(without13.outcome) },
      version: 'TLSv1.2',
    });
  }
  return drafts;
}

/**
 * CloudFront's hello failed. The detail probes change one dimension each: which one makes the origin answer
 * says what is wrong. Alert numbers differ between server implementations, so they are evidence, not the verdict.
 */
function explainFailure(e: EndpointFacts, verdict: HelloResult): Omit<Draft, 'address' | 'port'> {
  const offered = verdict.offer.versions;
  const failure = describeOutcome(verdict.outcome);
  const acceptedVersions = (e.details ?? [])
    .filter((d) => d.purpose.startsWith('version:') && isAccepted(d.result))
    .map((d) => d.purpose.slice('version:'.length) as TlsVersionName);
  const inOffer = acceptedVersions.filter((v) => offered.includes(v));

  if (acceptedVersions.length > 0 && inOffer.length === 0) {
    const only13 = acceptedVersions.every((v) => v === 'TLSv1.3');
    return {
      code: 'TLS_NO_COMMON_PROTOCOL',
      message: only13
        ? `the origin speaks only TLS 1.3, and CloudFront offers it ${offered.join(', ')}`
        : `the origin accepts only ${acceptedVersions.join(', ')}, and CloudFront offers it ${offered.join(', ')}`,
      evidence: { cloudfrontHello: failure, acceptedVersions, offeredVersions: offered },
      version: reproduceVersion(offered),
    };
  }
  if (acceptedVersions.length > 0) {
    return handshakeFailed(
      `the origin fails CloudFront's hello (${failure.summary}) but accepts a hello offering only ${inOffer.join(', ')}: it does not tolerate CloudFront's version list`,
      verdict,
      'version-intolerance',
      { acceptedVersions },
    );
  }
  const anySuite = detail(e, 'suites:any');
  if (isAccepted(anySuite)) {
    const h = anySuite.outcome.hello;
    return {
      code: 'TLS_NO_COMMON_CIPHER',
      message: `the origin accepts none of CloudFront's cipher suites; offered more, it chose ${h.suiteName} (${h.version})`,
      evidence: { cloudfrontHello: failure, acceptedFromWiderOffer: chosenEvidence(h) },
      version: reproduceVersion(offered),
    };
  }
  const anyGroup = [detail(e, 'groups:any'), detail(e, 'groups:any-tls13')].find(isAccepted);
  if (anyGroup) {
    const h = anyGroup.outcome.hello;
    return {
      code: 'TLS_NO_COMMON_CIPHER',
      message: `the origin accepts none of CloudFront's key exchange groups (X25519, P-256, P-384); offered more, it chose ${h.groupName ?? `group ${h.group}`}`,
      evidence: { cloudfrontHello: failure, acceptedFromWiderOffer: chosenEvidence(h) },
      version: h.version as TlsVersionName,
    };
  }
  return handshakeFailed(
    `the origin rejects CloudFront's TLS hello (${failure.summary}), and every variation of it (SSLv3 to TLS 1.3, any suite, any group)`,
    verdict,
    failure.kind,
  );
}

function handshakeFailed(message: string, verdict: HelloResult, reason: string, extra: Record<string, unknown> = {}): Omit<Draft, 'address' | 'port'> {
  return {
    code: 'TLS_HANDSHAKE_FAILED',
    message,
    evidence: { reason, cloudfrontHello: describeOutcome(verdict.outcome), durationMs: verdict.durationMs, ...extra },
    version: reproduceVersion(verdict.offer.versions),
  };
}

// --- helpers ----------------------------------------------------------------------------------------------------

function detail(e: EndpointFacts, purpose: string): HelloResult | undefined {
  return e.details?.find((d: DetailProbe) => d.purpose === purpose)?.result;
}

function highest(versions: readonly TlsVersionName[]): TlsVersionName {
  const order: TlsVersionName[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'];
  return order.find((v) => versions.includes(v)) ?? 'TLSv1.2';
}

/** The version a reproduce command pins: the distribution's own highest, as the AWS article tests per protocol. */
function reproduceVersion(offered: readonly TlsVersionName[]): TlsVersionName {
  const configured = offered.filter((v) => v !== 'TLSv1.3');
  return configured.length > 0 ? highest(configured) : highest(offered);
}

function chosenEvidence(h: ServerHelloInfo): Record<string, unknown> {
  return {
    version: h.version,
    suite: `${h.suiteName} (0x${h.suite.toString(16).padStart(4, '0')})`,
    ...(h.groupName || h.group !== undefined ? { group: h.groupName ?? h.group } : {}),
    ...(LEGACY_SUITE_CODES.includes(h.suite) ? { legacySuite: true } : {}),
  };
}

export function describeOutcome(o: HelloOutcome): { kind: string; summary: string } & Record<string, unknown> {
  switch (o.kind) {
    case 'server-hello':
      return { kind: o.kind, summary: `${o.hello.version} ${o.hello.suiteName}`, ...chosenEvidence(o.hello) };
    case 'alert':
      return { kind: o.kind, summary: `alert ${o.description} ${o.descriptionName}`, alert: o.description, alertName: o.descriptionName };
    case 'not-tls':
      return { kind: o.kind, summary: 'not TLS', firstBytesHex: o.firstBytesHex, ...(o.text ? { text: oneLine(o.text) } : {}) };
    case 'protocol-error':
      return { kind: o.kind, summary: o.detail };
    case 'hello-retry-request':
      return { kind: o.kind, summary: `HelloRetryRequest: ${o.detail}`, ...(o.group !== undefined ? { group: o.group } : {}) };
    case 'timeout':
      return { kind: o.kind, summary: o.bytesReceived > 0 ? `stalled after ${o.bytesReceived} bytes` : 'no answer', bytesReceived: o.bytesReceived };
    case 'connect-failed':
      return { kind: o.kind, summary: `connect ${o.tcp}`, tcp: o.tcp };
    default:
      return { kind: o.kind, summary: o.kind === 'reset' ? 'connection reset' : 'connection closed' };
  }
}

function oneLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** Same code, name, port and message on several addresses: one finding that names them all. */
function merge(drafts: Draft[], probedAddresses: number, notProbed: number): (Draft & { addresses?: string[] })[] {
  const unprobed = notProbed > 0 ? `; ${notProbed} more not probed` : '';
  const byKey = new Map<string, Draft & { addresses?: string[] }>();
  for (const d of drafts) {
    const key = JSON.stringify([d.code, d.sniName ?? '', d.port ?? '', d.message]);
    const existing = byKey.get(key);
    if (!existing) byKey.set(key, { ...d, ...(d.address ? { addresses: [d.address] } : {}) });
    else if (d.address && !existing.addresses?.includes(d.address)) existing.addresses?.push(d.address);
  }
  return [...byKey.values()].map((d) =>
    d.addresses && (probedAddresses > 1 || notProbed > 0)
      ? { ...d, message: `${d.message} (on ${d.addresses.length} of ${probedAddresses} addresses probed${unprobed})` }
      : d,
  );
}

function complete(d: Draft & { addresses?: string[] }, target: OriginTarget, commands: CommandOptions): Finding {
  const sni = target.sniNames.find((n) => n.name === d.sniName);
  const port = target.ports.find((p) => p.port === d.port);
  // A name's own behaviors (none, for a name no behavior sends); the port's when the finding names no SNI.
  const behaviors = sni ? sni.behaviors : port?.behaviors;
  return makeFinding(target, {
    code: d.code,
    message: d.message,
    evidence: d.evidence,
    ...(d.sniName ? { sniName: d.sniName } : {}),
    ...(d.address ? { address: d.address } : {}),
    ...(d.addresses ? { addresses: d.addresses } : {}),
    ...(d.port ? { port: d.port } : {}),
    ...(behaviors ? { behaviors } : {}),
    reproduce: {
      ...(d.address ? { address: d.address } : {}),
      ...(d.port ? { port: d.port } : {}),
      ...(d.sniName ? { sniName: d.sniName } : {}),
      ...(d.version ? { version: d.version } : {}),
      ...(commands.caFile ? { caFile: commands.caFile } : {}),
      ...(commands.dnsServer ? { dnsServer: commands.dnsServer } : {}),
    },
  });
}
