/**
 * Probes one origin the way CloudFront connects to it, and gathers the facts the diagnosis needs.
 *
 * For each address of the origin name and each port CloudFront uses:
 *  - HTTP ports: a TCP connect.
 *  - HTTPS ports, per SNI name: the verdict handshake (CloudFront's own ClientHello). Only where the verdict needs
 *    explaining do detail handshakes follow, each changing one dimension of the offer:
 *      failure           -> one version at a time, any suite, any group: is it the version, the suites or the groups?
 *      TLS 1.3 chosen    -> only when asked (`checkWithoutTls13`): the distribution's versions without 1.3. It
 *                           tells whether a client offering at most TLS 1.2 (CloudFront's legacy profile, before
 *                           2025-11-20 or after a rollback) would get through. Its only finding is TLS13_ONLY, an
 *                           info that changes neither the origin's status nor an alert, so a scan does not pay a
 *                           second connection for it on every TLS 1.3 origin: the CLI runs it on request and the
 *                           monitor at most once a day per origin.
 *      3DES/RC4 chosen   -> the same offer without them: are they all the origin accepts?
 *      undocumented suite chosen -> the same offer without s2n's suites that AWS's page omits: does it need them?
 *      client cert asked -> a full handshake without one: is it required?
 *  - The chain, as sent, from the first handshake that carried it.
 * A healthy origin costs one handshake per name (TLS 1.2 or 1.3); a failing one at most 1 + 8.
 */
import { isIP } from 'node:net';
import { LEGACY_SUITE_CODES, offeredVersions, UNDOCUMENTED_SUITE_CODES, type ClientProfile } from '../cloudfront/client-profile';
import type {
  ChainAnalysis,
  ClientCertVerdict,
  DetailProbe,
  EndpointFacts,
  HelloOffer,
  HelloResult,
  OriginFacts,
  OriginTarget,
  TcpFacts,
  TlsVersionName,
} from '../model';
import { analyzeChain, type ChainCache } from './chain';
import { probeDns, type Resolver } from './dns';
import type { HostsLookup } from './hosts';
import {
  broadGroups13Offer,
  broadGroupsOffer,
  broadSuitesOffer,
  cloudfrontOffer,
  isAccepted,
  noLegacySuitesOffer,
  singleVersionOffer,
  upToTls12Offer,
} from './offers';
import { SELF_EXPLAINING_ALERTS } from './tls-constants';
import type { TrustStore } from './trust-store';

export interface HelloRequest {
  address: string;
  port: number;
  offer: HelloOffer;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
}

/** The network edge, passed in: the real probes in production, fakes or loopback servers in tests. */
export interface ProbeDeps {
  resolver: Resolver;
  hello(request: HelloRequest): Promise<HelloResult>;
  tcp(address: string, port: number, timeoutMs: number): Promise<TcpFacts>;
  clientCert(address: string, port: number, serverName: string | undefined, timeoutMs: number): Promise<ClientCertVerdict>;
}

export interface ProbeSettings {
  profile: ClientProfile;
  trust: TrustStore;
  now: () => Date;
  expiryWarningDays: number;
  /** Cap on the target's own connection timeout. */
  connectTimeoutMs?: number;
  /** Every connection runs through this: bounded per address (be gentle) and in all (sockets in flight). */
  sockets: { run<T>(address: string, task: () => Promise<T>): Promise<T> };
  /**
   * Whether a TLS 1.3 origin is also asked without TLS 1.3 (the TLS13_ONLY info: would the legacy profile get
   * through?). Never by default: it cannot change a status or an alert, and costs a second connection.
   */
  checkWithoutTls13?: (target: OriginTarget) => boolean;
  /** At most this many addresses of one name are probed; the rest are listed as not probed. */
  maxAddresses: number;
  /** Chain verdicts of this scan, by the certificate list of a (shared) handshake result and the name checked. */
  chains: WeakMap<Buffer[], Map<string, ChainAnalysis>>;
  /** Certificates parsed and signatures checked in this scan, by their bytes (never a verdict: see chain/cache.ts). */
  certificates?: ChainCache;
  /** The hosts file, read as the system does (the CLI without `--dns public`); never in the Lambda. */
  hosts?: HostsLookup;
}

const VERSION_PROBES: readonly TlsVersionName[] = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'];

function needsExplaining(verdict: HelloResult): boolean {
  const o = verdict.outcome;
  switch (o.kind) {
    case 'server-hello':
      return (o.hello.offerViolations ?? []).includes('version-not-offered');
    case 'alert':
      return !(o.description in SELF_EXPLAINING_ALERTS);
    case 'closed':
    case 'reset':
    case 'hello-retry-request':
      return true;
    default:
      // not-tls, timeout, protocol-error and connect failures are verdicts in themselves.
      return false;
  }
}

export async function probeOrigin(target: OriginTarget, deps: ProbeDeps, settings: ProbeSettings): Promise<OriginFacts> {
  if (target.ports.some((p) => p.tls) && offeredVersions(settings.profile, target.allowedVersions).length === 0) {
    throw new Error(`${settings.profile.name} offers none of the origin's SSL protocols (${target.allowedVersions.join(', ') || 'none'})`);
  }
  const dns = await probeDns(target.domainName, deps.resolver, {
    ...(target.resolveOverride ? { override: target.resolveOverride } : {}),
    ...(settings.hosts ? { hosts: settings.hosts } : {}),
  });
  // The resolver failed: nothing is known about the origin, and nothing more is asked of it.
  if (dns.status === 'error') return { dns, endpoints: [] };
  const notProbed: { what: string; reason: string }[] = [];
  const ipAddressType = target.ipAddressType ?? 'ipv4';
  let addresses = dns.addresses.filter((a) => ipAddressType === 'dualstack' || a.family === (ipAddressType === 'ipv6' ? 6 : 4));
  if (addresses.length === 0 && dns.addresses.length > 0) {
    return { dns, endpoints: [], noUsableAddress: { ipAddressType, addresses: dns.addresses.map((a) => a.address) } };
  }
  if (addresses.length > settings.maxAddresses) {
    for (const a of addresses.slice(settings.maxAddresses)) {
      notProbed.push({ what: a.address, reason: `the name has ${addresses.length} addresses; the first ${settings.maxAddresses} were probed` });
    }
    addresses = addresses.slice(0, settings.maxAddresses);
  }
  const timeoutMs = Math.min(target.connectionTimeoutMs, settings.connectTimeoutMs ?? Infinity);
  const perAddress = await Promise.all(
    addresses.flatMap(({ address, family }) =>
      target.ports.map((p) =>
        p.tls
          ? probeTlsPort(target, address, family, p.port, timeoutMs, deps, settings)
          : probePlainPort(address, family, p.port, timeoutMs, deps, settings).then((e) => [e]),
      ),
    ),
  );
  return { dns, endpoints: perAddress.flat(), ...(notProbed.length ? { notProbed } : {}) };
}

async function probePlainPort(address: string, family: 4 | 6, port: number, timeoutMs: number, deps: ProbeDeps, settings: ProbeSettings): Promise<EndpointFacts> {
  const tcp = await settings.sockets.run(address, () => deps.tcp(address, port, timeoutMs));
  return { address, family, port, tls: false, tcp };
}

function tcpFromHello(address: string, port: number, result: HelloResult): TcpFacts {
  const o = result.outcome;
  if (o.kind === 'connect-failed') {
    return { address, port, status: o.tcp, ...(o.error ? { error: o.error } : {}), durationMs: result.durationMs };
  }
  return { address, port, status: 'open', durationMs: result.durationMs };
}

async function probeTlsPort(
  target: OriginTarget,
  address: string,
  family: 4 | 6,
  port: number,
  timeoutMs: number,
  deps: ProbeDeps,
  settings: ProbeSettings,
): Promise<EndpointFacts[]> {
  const hello = (offer: HelloOffer) =>
    settings.sockets.run(address, () => deps.hello({ address, port, offer, connectTimeoutMs: timeoutMs, handshakeTimeoutMs: timeoutMs }));

  // The first name tells whether the port answers at all; the other names only need probing if it does.
  const [first, ...others] = target.sniNames;
  const firstFacts = await probeName(first?.name);
  if (firstFacts.tcp.status !== 'open') return [firstFacts];
  const rest = await Promise.all(others.map((n) => probeName(n.name)));
  return [firstFacts, ...rest];

  async function probeName(serverName: string | undefined): Promise<EndpointFacts> {
    const sni = serverName && !isIP(serverName) ? serverName : undefined;
    const base = cloudfrontOffer(settings.profile, target.allowedVersions, sni);
    const verdict = await hello(base);
    const facts: EndpointFacts = { address, family, port, tls: true, ...(serverName ? { serverName } : {}), tcp: tcpFromHello(address, port, verdict), hello: verdict };
    if (facts.tcp.status !== 'open') return facts;

    const details = await runDetails(verdict, base);
    if (details.length) facts.details = details;
    if (isAccepted(verdict) && verdict.outcome.hello.certificateRequested) {
      facts.clientCertificate = await settings.sockets.run(address, () => deps.clientCert(address, port, sni, timeoutMs));
    }

    const chain = chainToAnalyse(verdict, details);
    if (chain) facts.chain = chainVerdict(chain.certificates, serverName, chain.messageBytes);
    if (settings.certificates) for (const r of [verdict, ...details.map((d) => d.result)]) ownCertificates(r, settings.certificates);
    return facts;
  }

  function chainVerdict(chain: Buffer[], serverName: string | undefined, certificateMessageBytes?: number): ChainAnalysis {
    let byName = settings.chains.get(chain);
    if (!byName) settings.chains.set(chain, (byName = new Map()));
    let verdict = byName.get(serverName ?? '');
    if (!verdict) {
      verdict = analyzeChain(chain, {
        serverName,
        now: settings.now(),
        trust: settings.trust,
        expiryWarningDays: settings.expiryWarningDays,
        ...(certificateMessageBytes !== undefined ? { certificateMessageBytes } : {}),
        ...(settings.certificates ? { cache: settings.certificates } : {}),
      });
      byName.set(serverName ?? '', verdict);
    }
    return verdict;
  }

  async function runDetails(verdict: HelloResult, base: HelloOffer): Promise<DetailProbe[]> {
    const plan: { purpose: string; offer: HelloOffer }[] = [];
    if (needsExplaining(verdict)) {
      for (const v of VERSION_PROBES) plan.push({ purpose: `version:${v}`, offer: singleVersionOffer(base, v) });
      plan.push({ purpose: 'suites:any', offer: broadSuitesOffer(base) });
      plan.push({ purpose: 'groups:any', offer: broadGroupsOffer(base) });
      plan.push({ purpose: 'groups:any-tls13', offer: broadGroups13Offer(base) });
    } else if (isAccepted(verdict)) {
      const chosen = verdict.outcome.hello;
      if (chosen.version === 'TLSv1.3' && settings.checkWithoutTls13?.(target) && upToTls12Offer(base).versions.length > 0) {
        plan.push({ purpose: 'versions:without-tls13', offer: upToTls12Offer(base) });
      }
      // A legacy *version* chosen from an offer that included newer ones needs no probe: it is all the server speaks.
      if (LEGACY_SUITE_CODES.includes(chosen.suite)) {
        plan.push({ purpose: 'suites:without-legacy', offer: noLegacySuitesOffer(base, LEGACY_SUITE_CODES) });
      }
      // A suite s2n offers but AWS's page does not list: does the origin accept a documented one too?
      if (UNDOCUMENTED_SUITE_CODES.includes(chosen.suite)) {
        plan.push({ purpose: 'suites:without-undocumented', offer: noLegacySuitesOffer(base, UNDOCUMENTED_SUITE_CODES) });
      }
    }
    return Promise.all(plan.map(async (p) => ({ purpose: p.purpose, result: await hello(p.offer) })));
  }
}

/**
 * The certificates of a handshake result (kept for the scan: results are shared between origins) in buffers of the
 * scan's certificate cache, in place: the bytes are the same, and the array stays the one chain verdicts are keyed by.
 */
function ownCertificates(result: HelloResult, cache: ChainCache): void {
  const certificates = result.outcome.kind === 'server-hello' ? result.outcome.hello.certificates : undefined;
  if (!certificates) return;
  for (let i = 0; i < certificates.length; i++) certificates[i] = cache.canonical(certificates[i]);
}

/**
 * The chain from the first handshake that carried one. An accepted verdict with no certificate at all is analysed
 * too (it is the server's fault); one whose certificates we failed to read (`certificateError`) is not.
 */
function chainToAnalyse(verdict: HelloResult, details: DetailProbe[]): { certificates: Buffer[]; messageBytes?: number } | undefined {
  for (const r of [verdict, ...details.map((d) => d.result)]) {
    if (r.outcome.kind === 'server-hello' && r.outcome.hello.certificates?.length) {
      return { certificates: r.outcome.hello.certificates, messageBytes: r.outcome.hello.certificateMessageBytes };
    }
  }
  if (isAccepted(verdict) && !verdict.outcome.hello.certificateError) return { certificates: [] };
  return undefined;
}

