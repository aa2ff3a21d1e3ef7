/**
 * targets -> probes -> facts -> findings -> report. The CLI and the Lambda handler both call `runScan`, so they
 * never differ in what they find.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClientProfile } from './cloudfront/client-profile';
import { edgeEntry } from './cloudfront/edge-entry';
import { edgeProbePath } from './cloudfront/path-patterns';
import { type CommandOptions, diagnose, originStatus } from './diagnosis/diagnose';
import { SEVERITY_RANK } from './diagnosis/findings';
import { resourceFindings } from './diagnosis/origin-resources';
import { combineVantage } from './diagnosis/vantage';
import { SKIP_REASONS } from './inventory/targets';
import type { EdgeFacts, EdgeRoute, Finding, HelloResult, OriginFacts, OriginReport, OriginTarget, ScanReport, ScanSummary } from './model';
import { ChainCache, preloadCertificateParser } from './probe/chain';
import { createEdgeProbe, type EdgeProbe } from './probe/edge';
import { probeClientCertRequired } from './probe/client-cert';
import { createResolver, DEFAULT_RESOLVER_POLICY, steadyResolver, type Resolver, type ResolverPolicy } from './probe/dns';
import type { HostsLookup } from './probe/hosts';
import { probeOrigin, type ProbeDeps } from './probe/origin-probe';
import { probeTcp } from './probe/tcp';
import { probeHello } from './probe/tls-hello';
import { loadTrustStore, type TrustStore } from './probe/trust-store';
import { mapLimit, SocketLimiter } from './util/limiter';
import { version as toolVersion } from '../package.json';

export interface ScanOptions {
  profile: ClientProfile;
  /** Extra trusted roots (PEM files), beside Mozilla's as Node bundles it (tls.rootCertificates); nothing else counts. */
  caFiles?: string[];
  /**
   * A ready trust store (tests, the demo); `caFiles` then only names the root in the openssl commands. With one
   * caFile the certificate commands carry `-CAfile` (openssl takes one), so they show what the scan saw.
   */
  trust?: TrustStore;
  expiryWarningDays: number;
  /**
   * Connections (sockets) in flight at once, over all origins; at most PER_ADDRESS_CONNECTIONS of them to one
   * address. Origins are started as sockets free up (a few more origins than sockets are in flight, so that name
   * lookups overlap the handshakes).
   */
  concurrency: number;
  /**
   * Also ask each TLS 1.3 origin without TLS 1.3 (one more connection; the TLS13_ONLY info: would CloudFront's
   * legacy profile get through?). true for all, a predicate per origin (the monitor: once a day), default never.
   */
  checkWithoutTls13?: boolean | ((target: OriginTarget) => boolean);
  /**
   * Which origins' reports keep the certificates as sent (DER): 'with-findings' (default) drops them from origins
   * with no finding, whose chain summary (subjects, dates, fingerprints) says all there is; 'all' keeps every one.
   * Lean reports and flat memory at 10,000 origins.
   */
  certificates?: 'all' | 'with-findings';
  /** Upper bound on the per-target connect timeout (the target's own ConnectionTimeout otherwise). */
  connectTimeoutMs?: number;
  /** Epoch ms after which no new origin is started; the rest is reported as not reached. */
  deadline?: number;
  now?: () => Date;
  /** Called as each origin finishes (progress, logging). */
  onOrigin?: (origin: OriginReport) => void;
  /**
   * What the report keeps of each origin once it is finished (after onOrigin): the whole origin by default. The CLI
   * writes each origin's text away as it finishes and keeps a slim record (lambda/report/spill.ts), so that memory
   * does not grow with every origin's facts. Whatever it returns must keep the status, findings and origin groups.
   */
  keep?: (origin: OriginReport, index: number) => OriginReport;
  /** The network edge; the real probes by default. */
  deps?: Partial<ProbeDeps>;
  /** Most addresses of one name probed (a name with 50 A records gets the first N, the rest listed). Default 16. */
  maxAddresses?: number;
  /** The edge check (a request through CloudFront per cache behavior); off when undefined. */
  edge?: EdgeCheckOptions;
  /** Look-ups in flight and retries of failed look-ups (DEFAULT_RESOLVER_POLICY). */
  resolverPolicy?: ResolverPolicy;
  /** Read the hosts file first (or after DNS), as the system does: the CLI only; the Lambda uses DNS alone. */
  hosts?: HostsLookup;
  /** The DNS server asked and where the edge check went, when not the public ones: the printed commands do the same. */
  commands?: Pick<CommandOptions, 'dnsServer' | 'edgeConnectTo'>;
}

export interface EdgeCheckOptions {
  /** The request; the real one (probe/edge.ts, to the distribution's domain name) by default. */
  probe?: EdgeProbe;
  /** Makes this run's paths unique (no cache holds them); random by default. */
  token?: string;
  /** Cap on one request through CloudFront. Default EDGE_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Cap on one edge request: CloudFront itself gives up after its connection attempts (3 x 10 s by default) and the
 * origin's read timeout (30 s by default), then answers 504; more than this and it is the monitor's problem.
 */
export const EDGE_TIMEOUT_MS = 60_000;
export const EDGE_USER_AGENT = `cloudfront-origin-monitor/${toolVersion} (edge check; one request per cache behavior per run)`;

import { DEFAULT_CONCURRENCY, PER_ADDRESS_CONNECTIONS } from './scan-defaults';

export { DEFAULT_CONCURRENCY, PER_ADDRESS_CONNECTIONS };
/** Origins in flight per socket permit: enough for lookups to run ahead, few enough to keep memory flat. */
const ORIGINS_PER_SOCKET = 2;

/** Who made a report: the tool, its version and the runtime (the trust store differs between Node versions). */
export const TOOL: ScanReport['tool'] = {
  name: 'cloudfront-origin-monitor',
  version: toolVersion,
  runtime: `node ${process.version} ${process.platform}/${process.arch}`,
};

export function defaultProbeDeps(resolver: Resolver = createResolver()): ProbeDeps {
  return {
    resolver,
    hello: (r) => probeHello(r),
    tcp: probeTcp,
    clientCert: probeClientCertRequired,
  };
}

/**
 * Within one scan the same question gets one answer: many distributions often point at one load balancer, and
 * asking it again would cost time and the origin's patience (answers are shared, in-flight ones too). Nothing is
 * kept across scans.
 */
export function shareWithinScan(deps: ProbeDeps): ProbeDeps {
  const once = <A extends unknown[], R>(key: (...args: A) => string, ask: (...args: A) => Promise<R>) => {
    const answers = new Map<string, Promise<R>>();
    return (...args: A): Promise<R> => {
      const k = key(...args);
      let answer = answers.get(k);
      if (!answer) answers.set(k, (answer = ask(...args)));
      return answer;
    };
  };
  return {
    resolver: {
      resolve4: once((name: string) => name, (name) => deps.resolver.resolve4(name)),
      resolve6: once((name: string) => name, (name) => deps.resolver.resolve6(name)),
    },
    // Keyed by a digest of the question: the offer's lists are long, and 10,000 keys of them would be megabytes.
    hello: once((r) => digest(JSON.stringify([r.address, r.port, r.connectTimeoutMs, r.handshakeTimeoutMs, r.offer])), deps.hello),
    tcp: once((address, port, timeoutMs) => `${address}|${port}|${timeoutMs}`, deps.tcp),
    clientCert: once((address, port, serverName, timeoutMs) => `${address}|${port}|${serverName}|${timeoutMs}`, deps.clientCert),
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64');

export async function runScan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const trust = options.trust ?? loadTrustStore({ caFiles: options.caFiles ?? [] });
  const commandOptions: CommandOptions = { ...(options.caFiles?.length === 1 ? { caFile: options.caFiles[0] } : {}), ...options.commands };
  const given = { ...defaultProbeDeps(), ...options.deps };
  // A busy resolver drops or SERVFAILs what it cannot handle: few look-ups at once, failures retried.
  const deps = shareWithinScan({ ...given, resolver: steadyResolver(given.resolver, options.resolverPolicy ?? DEFAULT_RESOLVER_POLICY) });
  const settings = {
    profile: options.profile,
    trust,
    now,
    expiryWarningDays: options.expiryWarningDays,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    sockets: new SocketLimiter(Math.max(1, options.concurrency), PER_ADDRESS_CONNECTIONS),
    ...(options.checkWithoutTls13 ? { checkWithoutTls13: options.checkWithoutTls13 === true ? () => true : options.checkWithoutTls13 } : {}),
    chains: new WeakMap(),
    certificates: new ChainCache(),
    maxAddresses: options.maxAddresses ?? 16,
    ...(options.hosts ? { hosts: options.hosts } : {}),
  };

  const edgeCheck = options.edge ? edgeChecker(options.edge) : undefined;

  // What the first chain verdict needs and a scan without TLS origins never loads (the ASN.1 libraries, the roots'
  // index: some 40-60 ms of CPU): made once the first look-ups and connections are under way, in time the scan
  // would otherwise spend waiting for them, instead of on the first origin's answer.
  if (targets.some((t) => !t.skip && !t.unchecked && t.ports.some((p) => p.tls))) {
    setImmediate(() => {
      try {
        preloadCertificateParser();
        void trust.size;
      } catch {
        // Said where it is needed: the first chain verdict makes the same call, on that origin.
      }
    });
  }

  const notScanned: string[] = [];
  const reports = await mapLimit(targets, Math.max(1, options.concurrency) * ORIGINS_PER_SOCKET, async (target, index): Promise<OriginReport> => {
    const t0 = Date.now();
    let report: OriginReport;
    // The edge check's way in (cloudfront/edge-entry.ts): the distribution's domain, a tenant's own; none for staging.
    const entry = edgeCheck ? edgeEntry(target) : undefined;
    const edgeRoutes = entry?.routes ?? [];
    if (target.skip) {
      report = baseReport(target, 'skipped', [], 0, target.skip.reason);
    } else if (target.unchecked) {
      // The inventory could not read or was not given what checking it needs: the monitor's gap, never a skip.
      report = { ...baseReport(target, 'unchecked', [], 0), uncheckedReason: target.unchecked.reason };
    } else if (options.deadline !== undefined && Date.now() >= options.deadline) {
      notScanned.push(target.key);
      report = notReachedReport(target);
    } else if (target.vpcOrigin && target.ports.length === 0 && edgeRoutes.length === 0) {
      // Nothing checks a VPC origin with the edge check turned off: unchecked, naming the switch. With it on, one no
      // request through CloudFront can reach (disabled, staging, no behavior) serves no steerable traffic: skipped.
      report = edgeCheck
        ? baseReport(target, 'skipped', [], 0, `${SKIP_REASONS.VPC}, and no request through CloudFront reaches it (the edge check has no way in)`)
        : { ...baseReport(target, 'unchecked', [], 0), uncheckedReason: `${SKIP_REASONS.VPC}, and the edge check is off: turn it on (drop --no-edge, or edgeCheck=true), or deploy the VPC probe (vpcProbe)` };
    } else {
      try {
        const inventoryOnly = target.ports.length === 0;
        const [facts, edge] = await Promise.all([
          inventoryOnly ? undefined : probeOrigin(target, deps, settings),
          Promise.all(edgeRoutes.map((route) => edgeCheck!(entry!.domain, target, route))),
        ]);
        const direct = diagnose(target, facts, options.profile, commandOptions);
        const findings = bySeverity([
          ...combineVantage(target, direct, edge, {
            edgeChecked: edgeRoutes.length > 0,
            commands: commandOptions,
            ...(facts ? { directEndpoints: facts.endpoints.map((e) => `${e.address}:${e.port}`) } : {}),
          }),
          ...resourceFindings(target, { now: now(), expiryWarningDays: options.expiryWarningDays }),
        ]);
        // The monitor's resolver failed: the direct checks were not made. Unchecked, unless what was seen anyway
        // (through CloudFront, in the inventory) is already critical.
        const resolverFailed = facts?.dns.status === 'error' ? resolverFailure(facts.dns) : undefined;
        const status = originStatus(findings);
        const kept = facts && options.certificates !== 'all' && findings.length === 0 ? withoutCertificates(facts) : facts;
        report = {
          ...baseReport(target, resolverFailed && status !== 'critical' ? 'unchecked' : status, findings, Date.now() - t0),
          ...(resolverFailed ? { uncheckedReason: resolverFailed } : {}),
          ...(kept ? { facts: kept } : {}),
          ...(edge.length ? { edge } : {}),
        };
      } catch (err) {
        // One origin never ends the scan: what went wrong is said on that origin, and the others go on. The checks
        // were not made, so the origin is unchecked (the monitor's fault: exit 1, the monitor-health alarm), never
        // skipped as if there were nothing to check.
        const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        report = { ...baseReport(target, 'unchecked', [], Date.now() - t0), uncheckedReason: `could not be probed: ${message}` };
      }
    }
    options.onOrigin?.(report);
    return options.keep ? options.keep(report, index) : report;
  });

  return assembleReport({
    profile: options.profile.name,
    startedAt,
    durationMs: Date.now() - started,
    origins: reports,
    notReached: { keys: notScanned, reason: 'the scan deadline was reached' },
    caFileRoots: trust.caFileRoots,
  });
}

/** Worst first; the order within a severity kept (direct findings, then the edge's, then the resources'). */
function bySeverity(findings: Finding[]): Finding[] {
  return findings.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i).map((x) => x.f);
}

/**
 * One request per (distribution, Host, behavior) and run, shared by the origins the behavior leads to (the
 * primary and secondary of a group, say), in-flight ones too.
 */
function edgeChecker(options: EdgeCheckOptions): (domain: string, target: OriginTarget, route: EdgeRoute) => Promise<EdgeFacts> {
  const probe = options.probe ?? createEdgeProbe();
  const token = options.token ?? `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const asked = new Map<string, Promise<EdgeFacts>>();
  return (domain, target, route) => {
    const key = JSON.stringify([domain, route.host, route.pathPattern, route.method]);
    let answer = asked.get(key);
    if (!answer) {
      const path = edgeProbePath(route.pathPattern, route.precedingPatterns, token);
      const timeoutMs = Math.min(
        options.timeoutMs ?? EDGE_TIMEOUT_MS,
        target.connectionTimeoutMs * target.connectionAttempts + (target.originReadTimeoutMs ?? 30_000) + 5_000,
      );
      answer = path
        ? probe({ distributionDomainName: domain, route, path, timeoutMs, userAgent: EDGE_USER_AGENT })
        : Promise.resolve(noPathFacts(domain, route));
      asked.set(key, answer);
    }
    return answer;
  };
}

function noPathFacts(domain: string, route: EdgeRoute): EdgeFacts {
  return {
    distributionDomainName: domain,
    host: route.host,
    path: '',
    method: route.method,
    pathPattern: route.pathPattern,
    totalMs: 0,
    error: { stage: 'no-path', message: `no request path reaches behavior ${route.pathPattern}: the behaviors before it (${route.precedingPatterns.join(', ')}) take every path it matches` },
  };
}

/**
 * The facts without the DER certificates of the handshakes (a copy: handshake results are shared between the
 * origins of a scan that ask the same question, and another origin may still need them).
 */
function withoutCertificates(facts: OriginFacts): OriginFacts {
  const strip = (r: HelloResult): HelloResult => {
    if (r.outcome.kind !== 'server-hello' || !r.outcome.hello.certificates) return r;
    const { certificates, ...hello } = r.outcome.hello;
    return { ...r, outcome: { ...r.outcome, hello: { ...hello, certificatesSent: certificates.length } } };
  };
  return {
    ...facts,
    endpoints: facts.endpoints.map((e) => ({
      ...e,
      ...(e.hello ? { hello: strip(e.hello) } : {}),
      ...(e.details ? { details: e.details.map((d) => ({ ...d, result: strip(d.result) })) } : {}),
    })),
  };
}

export const NOT_REACHED_REASON = 'not reached before the scan deadline';

/** The reason an origin whose name the resolver could not look up is not checked: the monitor's fault. */
export const RESOLVER_FAILED = 'resolver failed';
function resolverFailure(dns: { error?: string; attempts?: number }): string {
  const tries =
    dns.attempts === 0
      ? ' (not asked: the resolver had stopped answering)'
      : dns.attempts
        ? ` after ${dns.attempts} ${dns.attempts === 1 ? 'try' : 'tries'}`
        : '';
  return `${RESOLVER_FAILED}: ${dns.error ?? 'no answer'}${tries}`;
}

/** An origin the scan did not get to: reported, never silently missing. */
export function notReachedReport(target: OriginTarget): OriginReport {
  return baseReport(target, 'skipped', [], 0, NOT_REACHED_REASON);
}

/** The report of a scan, from its origins: the one place a ScanReport is put together. */
export function assembleReport(input: {
  profile: string;
  startedAt: string;
  durationMs: number;
  origins: OriginReport[];
  notReached: { keys: string[]; reason: string };
  /** The --ca-file bundles of the trust store (the report says when they added roots). */
  caFileRoots?: readonly { file: string; roots: number }[];
}): ScanReport {
  annotateFailover(input.origins);
  const notReached = new Set(input.notReached.keys);
  return {
    schemaVersion: 1,
    tool: TOOL,
    profile: input.profile,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    origins: input.origins,
    summary: summarize(input.origins, notReached),
    ...(notReached.size ? { incomplete: { reason: input.notReached.reason, notScanned: [...notReached] } } : {}),
    ...(input.caFileRoots?.length ? { caFileRoots: input.caFileRoots.map((c) => ({ ...c })) } : {}),
  };
}

function baseReport(target: OriginTarget, status: OriginReport['status'], findings: OriginReport['findings'], durationMs: number, skippedReason?: string): OriginReport {
  return {
    key: target.key,
    ...(target.distributionId ? { distributionId: target.distributionId } : {}),
    ...(target.distributionDomainName ? { distributionDomainName: target.distributionDomainName } : {}),
    ...(target.distributionEnabled !== undefined ? { distributionEnabled: target.distributionEnabled } : {}),
    ...(target.aliases ? { aliases: target.aliases } : {}),
    ...(target.originId ? { originId: target.originId } : {}),
    domainName: target.domainName,
    status,
    ...(skippedReason ? { skippedReason } : {}),
    ports: target.ports,
    sniNames: target.sniNames,
    allowedVersions: target.allowedVersions,
    ...(target.originGroups ? { originGroups: target.originGroups } : {}),
    ...(target.paths ? { paths: target.paths } : {}),
    findings,
    ...(target.mtls ? { mtls: target.mtls } : {}),
    ...(target.vpcOrigin ? { vpcOrigin: target.vpcOrigin } : {}),
    ...runtimeOrigin(target),
    durationMs,
  };
}

function runtimeOrigin(target: OriginTarget): Pick<OriginReport, 'runtimeOrigin'> {
  const routes = (target.edgeRoutes ?? []).filter((r) => r.runtimeOrigin?.length);
  return routes.length ? { runtimeOrigin: routes.map((r) => ({ pathPattern: r.pathPattern, hooks: r.runtimeOrigin ?? [] })) } : {};
}

/** A failing primary keeps its severity; the report says whether traffic fails over to a healthy secondary. */
function annotateFailover(reports: OriginReport[]): void {
  const byOrigin = new Map(reports.map((r) => [`${r.distributionId}/${r.originId}`, r]));
  for (const r of reports) {
    if (!r.originGroups) continue;
    r.originGroups = r.originGroups.map((g) => {
      const partner = g.partnerOriginId ? byOrigin.get(`${r.distributionId}/${g.partnerOriginId}`) : undefined;
      if (!partner) return g;
      const failsOver = g.role === 'primary' && r.status === 'critical' && (partner.status === 'ok' || partner.status === 'warning');
      return { ...g, partnerStatus: partner.status, ...(g.role === 'primary' ? { failsOver } : {}) };
    });
  }
}

/** Counts by status; origins not reached before the deadline are counted apart from those skipped on purpose. */
export function summarize(reports: readonly OriginReport[], notReached: ReadonlySet<string> = new Set()): ScanSummary {
  const summary: ScanSummary = { origins: reports.length, ok: 0, warning: 0, critical: 0, skipped: 0, notReached: 0, unchecked: 0 };
  for (const r of reports) {
    if (notReached.has(r.key)) summary.notReached++;
    else summary[r.status]++;
  }
  return summary;
}
