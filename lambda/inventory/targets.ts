/**
 * Distributions -> probe targets: one OriginTarget per origin of each distribution, with the ports and SNI names
 * CloudFront really uses for it. Pure: no SDK, no I/O.
 */
import type { EdgeRoute, InventoryIssue, OriginGroupRole, OriginTarget, RequestPaths, SniName, StagingLink, TargetPort } from '../model';
import type { Behavior, Distribution, Origin, OriginConnection, PolicyCatalog, UnreadableDistribution } from './distributions';
import { behaviorHostForwarding, type HostForwarding, type PolicyRef } from './host-forwarding';
import { tenantDistributions, type TemplateTenants } from './tenants';

/** What the inventory learnt beyond the listing: staging links and the tenants of multi-tenant templates, by distribution id. */
export interface InventoryExtras {
  staging?: Map<string, StagingLink>;
  tenants?: Map<string, TemplateTenants>;
}

export interface BuildTargetsOptions {
  /** Only these distribution ids (all when empty). Each must exist in the inventory. */
  distributions?: string[];
  excludeDistributions?: string[];
  /** Disabled distributions become skipped targets instead of probed ones. */
  skipDisabled?: boolean;
}

/**
 * A wildcard alias `*.example.com` is probed as `cf-origin-monitor-probe.example.com`: a fixed, recognisable name
 * that the wildcard covers, so the origin answers as it would to any viewer name under it.
 */
export const WILDCARD_PROBE_LABEL = 'cf-origin-monitor-probe';

export const SKIP_REASONS = {
  S3_REST: 'S3 REST origin: CloudFront connects to S3 itself',
  VPC: 'VPC origin: private: not reachable from the internet',
  DISABLED: 'distribution disabled (--skip-disabled)',
} as const;

const DEFAULT_CONNECTION_TIMEOUT_S = 10;
const DEFAULT_CONNECTION_ATTEMPTS = 3;
const DEFAULT_READ_TIMEOUT_S = 30;

/**
 * The request the edge check sends for one behavior: with the viewer name CloudFront would forward as Host when the
 * behavior forwards it (an alias), else the distribution's own domain.
 */
function edgeRoute(d: Distribution, r: Route): EdgeRoute {
  const b = r.behavior;
  const host = r.host.kind !== 'not-forwarded' && d.aliases.length > 0 ? viewerHostNames(d)[0].name : d.domainName;
  return {
    pathPattern: b.pathPattern,
    precedingPatterns: r.preceding,
    method: 'GET',
    host,
    ...(r.viaGroup ? { viaGroup: r.viaGroup } : {}),
    ...(b.runtimeOrigin ? { runtimeOrigin: b.runtimeOrigin } : {}),
    ...(b.signedRequests ? { signedRequests: true } : {}),
  };
}

const S3_WEBSITE_DOMAIN = /\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;
const S3_REST_DOMAIN = /\.s3(?:[.-](?!website)[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/i;

/** A behavior, how it treats the Host header, and the origins it reaches (both members of a group). */
interface Route {
  behavior: Behavior;
  host: HostForwarding;
  originIds: string[];
  /** The patterns of the behaviors before this one (CloudFront takes the first that matches). */
  preceding: string[];
  viaGroup?: string;
}

const patterns = (routes: Route[]): string[] => routes.map((r) => r.behavior.pathPattern);

export function buildTargets(
  distributions: Distribution[],
  policies: PolicyCatalog,
  opts: BuildTargetsOptions = {},
  unreadable: UnreadableDistribution[] = [],
  extras: InventoryExtras = {},
): OriginTarget[] {
  const selected = selectDistributions([...distributions, ...unreadable], opts);
  const skipDisabled = opts.skipDisabled ?? false;
  return [
    ...distributions.filter((d) => selected.has(d.id)).flatMap((d) => {
      if (d.connectionMode === 'tenant-only') return templateTargets(d, policies, skipDisabled, extras.tenants?.get(d.id));
      if (!d.staging) return distributionTargets(d, policies, skipDisabled);
      const link = extras.staging?.get(d.id) ?? { unresolved: 'the continuous deployment policy was not looked up' };
      // A staging distribution has no aliases of its own: viewers ask for the primary's names, and a behavior that
      // forwards Host sends those.
      const primary = link.primaryId ? distributions.find((p) => p.id === link.primaryId) : undefined;
      return distributionTargets(d, policies, skipDisabled, { staging: link }, primary);
    }),
    ...unreadable.filter((u) => selected.has(u.id)).map(unreadableTarget),
  ];
}

/**
 * A multi-tenant template serves viewers only through its tenants: one target per tenant and origin, with the
 * tenant's parameter values in the origin's name and path and the tenant's domains as the viewer names.
 */
function templateTargets(d: Distribution, policies: PolicyCatalog, skipDisabled: boolean, tenants: TemplateTenants | undefined): OriginTarget[] {
  const expanded = tenantDistributions(d, tenants);
  if ('skip' in expanded || 'unchecked' in expanded) {
    const { unchecked: _u, skip: _s, ...entry } = unreadableTarget({ id: d.id, reason: '' });
    return [{ ...entry, ...('skip' in expanded ? { skip: { reason: expanded.skip } } : { unchecked: { reason: expanded.unchecked } }) }];
  }
  return expanded.tenants.flatMap(({ distribution, tenant, unfilled }) =>
    distributionTargets(distribution, policies, skipDisabled, { tenant }).map((t): OriginTarget => {
      const key = `${t.key}@${tenant.name}`;
      const why = t.originId ? unfilled.get(t.originId) : undefined;
      if (!why || t.skip) return { ...t, key };
      return { ...t, key, ...notProbed(), ...(why.unchecked ? { unchecked: { reason: why.reason } } : { skip: { reason: why.reason } }) };
    }),
  );
}

function selectDistributions(distributions: { id: string }[], opts: BuildTargetsOptions): Set<string> {
  const wanted = opts.distributions ?? [];
  const missing = wanted.filter((id) => !distributions.some((d) => d.id === id));
  if (missing.length > 0) throw new Error(`--distribution ${missing.join(', ')}: no such distribution in the inventory`);
  const excluded = new Set(opts.excludeDistributions ?? []);
  return new Set(distributions.map((d) => d.id).filter((id) => (wanted.length === 0 || wanted.includes(id)) && !excluded.has(id)));
}

/**
 * A distribution that could not be read stands in the report as one entry that says why: unchecked (its origins
 * were not checked: exit 1, the origins-not-checked alarm), never skipped.
 */
function unreadableTarget(u: UnreadableDistribution): OriginTarget {
  return {
    key: `${u.id}/*`,
    distributionId: u.id,
    domainName: u.domainName ?? u.id,
    ...notProbed(),
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_S * 1000,
    connectionAttempts: DEFAULT_CONNECTION_ATTEMPTS,
    unchecked: { reason: `the distribution could not be read: ${u.reason}` },
  };
}

function distributionTargets(
  d: Distribution,
  policies: PolicyCatalog,
  skipDisabled: boolean,
  paths: RequestPaths = {},
  /** Whose names viewers use (a staging distribution's primary); the distribution itself by default. */
  viewer: Distribution = d,
): OriginTarget[] {
  const routes: Route[] = d.behaviors.map((behavior, i) => {
    const group = d.originGroups.find((g) => g.id === behavior.targetOriginId);
    return {
      behavior,
      host: behaviorHostForwarding(behavior, policies),
      originIds: group?.memberOriginIds ?? [behavior.targetOriginId],
      preceding: d.behaviors.slice(0, i).map((b) => b.pathPattern),
      ...(group ? { viaGroup: group.id } : {}),
    };
  });
  const runtimeChoice = d.behaviors.some((b) => b.mayChangeOrigin);
  return d.origins.map((o) => {
    const own = routes.filter((r) => r.originIds.includes(o.id));
    return originTarget(d, o, own, skipDisabled, originPaths(o, own, runtimeChoice, paths), viewer);
  });
}

/** The request paths to an origin beyond its behaviors: unrouted, Origin Shield, staging, tenant. */
function originPaths(o: Origin, routes: Route[], runtimeChoice: boolean, paths: RequestPaths): RequestPaths | undefined {
  const out: RequestPaths = {
    ...(routes.length === 0 ? { unrouted: { runtimeOnly: runtimeChoice } } : {}),
    ...(o.originShieldRegion && routes.length > 0 ? { originShield: { region: o.originShieldRegion, behaviors: patterns(routes) } } : {}),
    ...paths,
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

function originTarget(d: Distribution, o: Origin, routes: Route[], skipDisabled: boolean, paths: RequestPaths | undefined, viewer: Distribution): OriginTarget {
  const base = {
    key: `${d.id}/${o.id}`,
    distributionId: d.id,
    ...(d.domainName !== '-' ? { distributionDomainName: d.domainName } : {}),
    distributionEnabled: d.enabled,
    aliases: d.aliases,
    originId: o.id,
    domainName: o.domainName,
    ...(o.originPath ? { originPath: o.originPath } : {}),
    connectionTimeoutMs: (o.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT_S) * 1000,
    connectionAttempts: o.connectionAttempts ?? DEFAULT_CONNECTION_ATTEMPTS,
    originReadTimeoutMs: (o.readTimeout ?? DEFAULT_READ_TIMEOUT_S) * 1000,
    ...(o.responseCompletionTimeout ? { responseCompletionTimeoutMs: o.responseCompletionTimeout * 1000 } : {}),
    ...nonEmpty('originGroups', originGroupRoles(d, o.id)),
    ...nonEmpty('customHeaderNames', o.customHeaderNames),
    ...(paths ? { paths } : {}),
    // A disabled distribution serves nothing: no request through it.
    ...(d.enabled ? nonEmpty('edgeRoutes', routes.map((r) => edgeRoute(d, r))) : {}),
  };
  const conn = o.connection;
  if (conn.kind === 'vpc') {
    // Not probed from here (private); the edge check gives its verdict, GetVpcOrigin its settings.
    const vpcOrigin = { id: conn.vpcOriginId, ...(conn.ownerAccountId ? { ownerAccountId: conn.ownerAccountId } : {}) };
    return { ...base, ...notProbed(), vpcOrigin, ...(skipDisabled && !d.enabled ? { skip: { reason: SKIP_REASONS.DISABLED } } : {}) };
  }
  if (conn.kind === 's3' || (S3_REST_DOMAIN.test(o.domainName) && o.originAccessControlId)) {
    return { ...base, ...notProbed(), skip: { reason: SKIP_REASONS.S3_REST } };
  }
  const ports = targetPorts(conn, routes);
  const tls = ports.some((p) => p.tls);
  const issues = [...protocolIssues(o, conn), ...(tls ? hostForwardingIssues(routes) : [])];
  return {
    ...base,
    protocolPolicy: conn.protocolPolicy,
    httpPort: conn.httpPort,
    httpsPort: conn.httpsPort,
    ports,
    sniNames: tls ? sniNames(viewer, o, routes, paths?.unrouted?.runtimeOnly === true) : [],
    allowedVersions: conn.sslProtocols,
    ...(conn.ipAddressType ? { ipAddressType: conn.ipAddressType } : {}),
    ...(conn.mtlsCertificateArn ? { mtls: { clientCertificateArn: conn.mtlsCertificateArn } } : {}),
    ...nonEmpty('inventoryIssues', issues),
    ...(skipDisabled && !d.enabled ? { skip: { reason: SKIP_REASONS.DISABLED } } : {}),
  };
}

function nonEmpty<K extends string, T>(key: K, values: T[]): { [P in K]?: T[] } {
  return (values.length > 0 ? { [key]: values } : {}) as { [P in K]?: T[] };
}

/** The fields of an origin the monitor does not probe (CloudFront's own S3 connection, a VPC origin). */
function notProbed(): Pick<OriginTarget, 'protocolPolicy' | 'httpPort' | 'httpsPort' | 'ports' | 'sniNames' | 'allowedVersions'> {
  return { protocolPolicy: 'https-only', httpPort: 80, httpsPort: 443, ports: [], sniNames: [], allowedVersions: [] };
}

function originGroupRoles(d: Distribution, originId: string): OriginGroupRole[] {
  return d.originGroups
    .filter((g) => g.memberOriginIds.includes(originId))
    .map((g) => {
      const partnerOriginId = g.memberOriginIds.find((m) => m !== originId);
      return {
        groupId: g.id,
        role: g.memberOriginIds[0] === originId ? 'primary' : 'secondary',
        ...(partnerOriginId ? { partnerOriginId } : {}),
      };
    });
}

/** https-only: HTTPS; http-only: HTTP; match-viewer: HTTPS, and HTTP for the behaviors that allow HTTP viewers. */
function targetPorts(conn: Extract<OriginConnection, { kind: 'custom' }>, routes: Route[]): TargetPort[] {
  const https: TargetPort = { port: conn.httpsPort, tls: true, behaviors: patterns(routes) };
  const http: TargetPort = { port: conn.httpPort, tls: false, behaviors: patterns(routes) };
  switch (conn.protocolPolicy) {
    case 'https-only':
      return [https];
    case 'http-only':
      return [http];
    case 'match-viewer': {
      const allowAll = patterns(routes.filter((r) => r.behavior.viewerProtocolPolicy === 'allow-all'));
      return allowAll.length > 0 ? [https, { ...http, behaviors: allowAll }] : [https];
    }
  }
}

/**
 * The origin domain (always, with the behaviors that do not forward Host) and, when any behavior may forward the
 * viewer Host, each viewer name: every alias, or the distribution's own domain when it has none. The origin domain
 * is marked not sent when no behavior sends it (all forward Host, or none reaches the origin and no function may
 * choose it at run time): it is still probed, to say what would break if a behavior started to send it.
 */
function sniNames(d: Distribution, o: Origin, routes: Route[], runtimeOnly: boolean): SniName[] {
  const originBehaviors = patterns(routes.filter((r) => r.host.kind !== 'forwarded'));
  const origin: SniName = {
    name: o.domainName,
    source: 'origin-domain',
    behaviors: originBehaviors,
    ...(originBehaviors.length === 0 && !runtimeOnly ? { sent: false as const } : {}),
  };
  const viewerRoutes = routes.filter((r) => r.host.kind !== 'not-forwarded');
  if (viewerRoutes.length === 0) return [origin];
  const viewerNames = viewerHostNames(d).map((n): SniName => ({ ...n, source: 'viewer-host', behaviors: patterns(viewerRoutes) }));
  const sameAsOrigin = (n: SniName) => n.name.toLowerCase() === o.domainName.toLowerCase();
  // An alias equal to the origin domain is one name, sent by every behavior.
  const merged: SniName = viewerNames.some(sameAsOrigin)
    ? { name: origin.name, source: origin.source, behaviors: patterns(routes) }
    : origin;
  return [merged, ...viewerNames.filter((n) => !sameAsOrigin(n))];
}

function viewerHostNames(d: Distribution): Pick<SniName, 'name' | 'wildcardAlias'>[] {
  if (d.aliases.length === 0) return [{ name: d.domainName }];
  return d.aliases.map((alias) =>
    alias.startsWith('*.') ? { name: `${WILDCARD_PROBE_LABEL}${alias.slice(1)}`, wildcardAlias: alias } : { name: alias },
  );
}

function protocolIssues(o: Origin, conn: Extract<OriginConnection, { kind: 'custom' }>): InventoryIssue[] {
  if (!S3_WEBSITE_DOMAIN.test(o.domainName) || conn.protocolPolicy === 'http-only') return [];
  return [
    {
      code: 'ORIGIN_PROTOCOL_UNSUPPORTED',
      message: `S3 website endpoint ${o.domainName} does not support HTTPS, but the origin protocol policy is ${conn.protocolPolicy}`,
      evidence: { domainName: o.domainName, protocolPolicy: conn.protocolPolicy },
    },
  ];
}

const POLICY_LABEL: Record<PolicyRef['type'], string> = { cache: 'cache policy', 'origin-request': 'origin request policy' };

/** One issue per policy that could not be read, naming the behaviors that use it. */
function hostForwardingIssues(routes: Route[]): InventoryIssue[] {
  const byPolicy = new Map<string, { ref: PolicyRef; behaviors: string[] }>();
  for (const r of routes) {
    if (r.host.kind !== 'unknown') continue;
    for (const ref of r.host.policies) {
      const entry = byPolicy.get(`${ref.type}:${ref.id}`) ?? { ref, behaviors: [] };
      entry.behaviors.push(r.behavior.pathPattern);
      byPolicy.set(`${ref.type}:${ref.id}`, entry);
    }
  }
  return [...byPolicy.values()].map(({ ref, behaviors }) => ({
    code: 'HOST_FORWARDING_UNKNOWN',
    message:
      `${POLICY_LABEL[ref.type]} ${ref.id} (behaviors ${behaviors.join(', ')}) could not be read: ` +
      'probed with both the origin domain and the viewer names as SNI',
    evidence: { policyType: ref.type, policyId: ref.id, behaviors },
  }));
}
