/**
 * The inventory's own model of CloudFront distributions: only the fields the monitor needs, independent of the SDK,
 * and the validation that turns untrusted JSON (a CLI listing, or an SDK response) into it.
 *
 * The SDK and `aws cloudfront list-distributions` use the same member names (`DistributionSummary`, `Origins`,
 * `{Quantity, Items}` lists), so one validator reads both. Errors are one line naming the JSON path, e.g.
 * `DistributionList.Items[2].Origins.Items[0].DomainName: expected a string`. They never quote a value: custom
 * header values are secrets and are not even read.
 */
import type { IpAddressType, OriginProtocolPolicy, OriginSslProtocol, RuntimeOriginHook, StagingLink } from '../model';
import type { TemplateTenants } from './tenants';

export type ViewerProtocolPolicy = 'allow-all' | 'https-only' | 'redirect-to-https';

export type OriginConnection =
  | {
      kind: 'custom';
      httpPort: number;
      httpsPort: number;
      protocolPolicy: OriginProtocolPolicy;
      sslProtocols: OriginSslProtocol[];
      ipAddressType?: IpAddressType;
      /** `OriginMtlsConfig.ClientCertificateArn`: CloudFront presents this ACM certificate to the origin. */
      mtlsCertificateArn?: string;
    }
  | { kind: 's3' }
  | { kind: 'vpc'; vpcOriginId: string; ownerAccountId?: string };

export interface Origin {
  id: string;
  domainName: string;
  originPath?: string;
  connection: OriginConnection;
  originAccessControlId?: string;
  /** Seconds, as configured (undefined: CloudFront's default). */
  connectionTimeout?: number;
  connectionAttempts?: number;
  /** Seconds: OriginReadTimeout (custom or VPC origin) and ResponseCompletionTimeout, as configured. */
  readTimeout?: number;
  responseCompletionTimeout?: number;
  /** Names only: the values may be secrets and are never read. */
  customHeaderNames: string[];
  /** Origin Shield: CloudFront then reaches the origin from this region's Origin Shield. */
  originShieldRegion?: string;
}

export interface OriginGroup {
  id: string;
  /** In failover order: the first is the primary. */
  memberOriginIds: string[];
}

export interface Behavior {
  /** `*` for the default behavior. */
  pathPattern: string;
  targetOriginId: string;
  viewerProtocolPolicy: ViewerProtocolPolicy;
  cachePolicyId?: string;
  originRequestPolicyId?: string;
  /** Legacy `ForwardedValues.Headers` (absent when the behavior uses policies). */
  forwardedHeaders?: string[];
  /**
   * A viewer-request CloudFront Function or an origin-request Lambda@Edge is associated: the origin may be chosen at
   * run time (`cf.updateRequestOrigin`, `cf.selectRequestOriginById`, a replaced origin object).
   */
  mayChangeOrigin?: boolean;
  /** `AllowedMethods.Items` (GET and HEAD when absent: every behavior allows them). */
  allowedMethods?: string[];
  /** A viewer-request CloudFront Function or an origin-request Lambda@Edge: the origin may be chosen at run time. */
  runtimeOrigin?: RuntimeOriginHook[];
  /** Trusted key groups or trusted signers are enabled: viewers need signed URLs or cookies. */
  signedRequests?: boolean;
}

export interface Distribution {
  id: string;
  /** `dxxxx.cloudfront.net`. */
  domainName: string;
  enabled: boolean;
  aliases: string[];
  origins: Origin[];
  originGroups: OriginGroup[];
  /** The ordered cache behaviors, then the default behavior (`*`): the order CloudFront matches them in. */
  behaviors: Behavior[];
  /** `DistributionSummary.Staging`: a continuous-deployment staging distribution (takes a share of a primary's traffic). */
  staging?: boolean;
  /** `ConnectionMode`: `tenant-only` is a multi-tenant template, served only through its distribution tenants. */
  connectionMode?: 'direct' | 'tenant-only';
}

/** The header part of a cache policy (`HeadersConfig` of the cache key) or of an origin request policy. */
export interface HeaderPolicy {
  id: string;
  headerBehavior: string;
  headers: string[];
}

/** Custom policies known for this run, by id. A policy missing here is unknown. */
export interface PolicyCatalog {
  cache: Map<string, HeaderPolicy>;
  originRequest: Map<string, HeaderPolicy>;
}

export interface InventorySource {
  /** Where it came from, for messages: a file name or `CloudFront API`. */
  sourceName: string;
  distributions: Distribution[];
  policies: PolicyCatalog;
  /** Distributions the live API returned in a shape this version cannot read: reported, never silently dropped. */
  unreadable?: UnreadableDistribution[];
  /** Each staging distribution's primary and traffic share (or why they are not known), by distribution id. */
  staging?: Map<string, StagingLink>;
  /** Each multi-tenant template's tenants (or why they are not known), by distribution id. */
  tenants?: Map<string, TemplateTenants>;
}

export interface UnreadableDistribution {
  id: string;
  domainName?: string;
  reason: string;
}

export function emptyPolicyCatalog(): PolicyCatalog {
  return { cache: new Map(), originRequest: new Map() };
}

/** A JSON document is not in the expected shape. The message is `<path>: <problem>`. */
export class InventoryFormatError extends Error {
  constructor(path: string, problem: string) {
    super(`${path || '(top level)'}: ${problem}`);
    this.name = 'InventoryFormatError';
  }
}

/** Runs a reader and turns its path errors into one-line errors prefixed with the source name. */
export function withSource<T>(sourceName: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof InventoryFormatError) throw new Error(`${sourceName}: ${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Readers: each takes the parent object, the member name and the parent's path.
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

export const joinPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw new InventoryFormatError(path, 'expected an object');
  return value;
}

function optString(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InventoryFormatError(joinPath(path, key), 'expected a string');
  return v;
}

function reqString(o: JsonObject, key: string, path: string): string {
  const v = optString(o, key, path);
  if (v === undefined || v === '') throw new InventoryFormatError(joinPath(path, key), 'expected a string');
  return v;
}

/** Empty strings (as the CLI prints unset ids: `"OriginAccessControlId": ""`) count as absent. */
function optId(o: JsonObject, key: string, path: string): string | undefined {
  return optString(o, key, path) || undefined;
}

function optInteger(o: JsonObject, key: string, path: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InventoryFormatError(joinPath(path, key), `expected an integer from ${min} to ${max}`);
  }
  return v;
}

function reqInteger(o: JsonObject, key: string, path: string, min: number, max: number): number {
  const v = optInteger(o, key, path, min, max);
  if (v === undefined) throw new InventoryFormatError(joinPath(path, key), `expected an integer from ${min} to ${max}`);
  return v;
}

function reqBoolean(o: JsonObject, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new InventoryFormatError(joinPath(path, key), 'expected true or false');
  return v;
}

function reqEnum<T extends string>(o: JsonObject, key: string, path: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InventoryFormatError(joinPath(path, key), `expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}

interface Located {
  value: unknown;
  path: string;
}

/** The `Items` of a `{Quantity, Items}` list member; an absent member or absent Items is an empty list. */
export function listItems(o: JsonObject, key: string, path: string): Located[] {
  const containerPath = joinPath(path, key);
  if (o[key] === undefined || o[key] === null) return [];
  const items = asObject(o[key], containerPath).Items;
  if (items === undefined || items === null) return [];
  const itemsPath = `${containerPath}.Items`;
  if (!Array.isArray(items)) throw new InventoryFormatError(itemsPath, 'expected an array');
  return items.map((value, i) => ({ value, path: `${itemsPath}[${i}]` }));
}

function stringItems(o: JsonObject, key: string, path: string): string[] {
  return listItems(o, key, path).map(({ value, path: p }) => {
    if (typeof value !== 'string') throw new InventoryFormatError(p, 'expected a string');
    return value;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------------------------

const ORIGIN_PROTOCOL_POLICIES: readonly OriginProtocolPolicy[] = ['http-only', 'https-only', 'match-viewer'];
const VIEWER_PROTOCOL_POLICIES: readonly ViewerProtocolPolicy[] = ['allow-all', 'https-only', 'redirect-to-https'];
const SSL_PROTOCOLS: readonly OriginSslProtocol[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];
const IP_ADDRESS_TYPES: readonly IpAddressType[] = ['ipv4', 'ipv6', 'dualstack'];
/** When a custom origin lists no `OriginSslProtocols` (the API makes them optional): the console's default. */
const DEFAULT_SSL_PROTOCOLS: OriginSslProtocol[] = ['TLSv1.2'];

function readCustomConnection(o: JsonObject, path: string): OriginConnection {
  const sslProtocols = stringItems(o, 'OriginSslProtocols', path).filter((p): p is OriginSslProtocol =>
    (SSL_PROTOCOLS as readonly string[]).includes(p),
  );
  return {
    kind: 'custom',
    httpPort: reqInteger(o, 'HTTPPort', path, 1, 65535),
    httpsPort: reqInteger(o, 'HTTPSPort', path, 1, 65535),
    protocolPolicy: reqEnum(o, 'OriginProtocolPolicy', path, ORIGIN_PROTOCOL_POLICIES),
    sslProtocols: o.OriginSslProtocols === undefined ? DEFAULT_SSL_PROTOCOLS : sslProtocols,
    ...(o.IpAddressType !== undefined && o.IpAddressType !== null
      ? { ipAddressType: reqEnum(o, 'IpAddressType', path, IP_ADDRESS_TYPES) }
      : {}),
    ...optional('mtlsCertificateArn', readMtlsArn(o, path)),
  };
}

function optional<K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };
}

function readVpcConnection(o: JsonObject, path: string): OriginConnection {
  const ownerAccountId = optId(o, 'OwnerAccountId', path);
  return { kind: 'vpc', vpcOriginId: reqString(o, 'VpcOriginId', path), ...(ownerAccountId ? { ownerAccountId } : {}) };
}

function readMtlsArn(o: JsonObject, path: string): string | undefined {
  if (o.OriginMtlsConfig === undefined || o.OriginMtlsConfig === null) return undefined;
  const p = joinPath(path, 'OriginMtlsConfig');
  return optId(asObject(o.OriginMtlsConfig, p), 'ClientCertificateArn', p);
}

/** OriginReadTimeout sits in CustomOriginConfig or VpcOriginConfig. 1-120 s, more with a quota increase. */
function readReadTimeout(o: JsonObject, path: string): number | undefined {
  for (const key of ['CustomOriginConfig', 'VpcOriginConfig']) {
    if (isObject(o[key])) return optInteger(o[key] as JsonObject, 'OriginReadTimeout', joinPath(path, key), 1, 3600);
  }
  return undefined;
}

function readConnection(o: JsonObject, path: string): OriginConnection {
  if (o.VpcOriginConfig) {
    const p = joinPath(path, 'VpcOriginConfig');
    return readVpcConnection(asObject(o.VpcOriginConfig, p), p);
  }
  if (o.S3OriginConfig) return { kind: 's3' };
  if (o.CustomOriginConfig) {
    const p = joinPath(path, 'CustomOriginConfig');
    return readCustomConnection(asObject(o.CustomOriginConfig, p), p);
  }
  throw new InventoryFormatError(path, 'expected one of S3OriginConfig, CustomOriginConfig, VpcOriginConfig');
}

function readCustomHeaderNames(o: JsonObject, path: string): string[] {
  return listItems(o, 'CustomHeaders', path).map(({ value, path: p }) => reqString(asObject(value, p), 'HeaderName', p));
}

function readOrigin(value: unknown, path: string): Origin {
  const o = asObject(value, path);
  return {
    id: reqString(o, 'Id', path),
    domainName: reqString(o, 'DomainName', path),
    originPath: optId(o, 'OriginPath', path),
    connection: readConnection(o, path),
    originAccessControlId: optId(o, 'OriginAccessControlId', path),
    connectionTimeout: optInteger(o, 'ConnectionTimeout', path, 1, 10),
    connectionAttempts: optInteger(o, 'ConnectionAttempts', path, 1, 3),
    ...optional('readTimeout', readReadTimeout(o, path)),
    ...optional('responseCompletionTimeout', optInteger(o, 'ResponseCompletionTimeout', path, 1, 3600)),
    customHeaderNames: readCustomHeaderNames(o, path),
    ...readOriginShield(o, path),
  };
}

function readOriginShield(o: JsonObject, path: string): { originShieldRegion?: string } {
  if (o.OriginShield === undefined || o.OriginShield === null) return {};
  const p = joinPath(path, 'OriginShield');
  const shield = asObject(o.OriginShield, p);
  if (shield.Enabled !== true) return {};
  return { originShieldRegion: optId(shield, 'OriginShieldRegion', p) ?? 'unknown region' };
}

function readOriginGroup(value: unknown, path: string): OriginGroup {
  const o = asObject(value, path);
  return {
    id: reqString(o, 'Id', path),
    memberOriginIds: listItems(o, 'Members', path).map(({ value: m, path: p }) => reqString(asObject(m, p), 'OriginId', p)),
  };
}

function readForwardedHeaders(o: JsonObject, path: string): string[] | undefined {
  if (o.ForwardedValues === undefined || o.ForwardedValues === null) return undefined;
  const p = joinPath(path, 'ForwardedValues');
  return stringItems(asObject(o.ForwardedValues, p), 'Headers', p);
}

function readBehavior(value: unknown, path: string, pathPattern?: string): Behavior {
  const o = asObject(value, path);
  return {
    pathPattern: pathPattern ?? reqString(o, 'PathPattern', path),
    targetOriginId: reqString(o, 'TargetOriginId', path),
    viewerProtocolPolicy: reqEnum(o, 'ViewerProtocolPolicy', path, VIEWER_PROTOCOL_POLICIES),
    cachePolicyId: optId(o, 'CachePolicyId', path),
    originRequestPolicyId: optId(o, 'OriginRequestPolicyId', path),
    forwardedHeaders: readForwardedHeaders(o, path),
    ...(mayChangeOrigin(o, path) ? { mayChangeOrigin: true } : {}),
    ...optional('allowedMethods', readAllowedMethods(o, path)),
    ...optional('runtimeOrigin', readRuntimeOriginHooks(o, path)),
    ...(enabledFlag(o, 'TrustedKeyGroups', path) || enabledFlag(o, 'TrustedSigners', path) ? { signedRequests: true } : {}),
  };
}

/** Associations that can send a request elsewhere than the behavior's origin (see `Behavior.mayChangeOrigin`). */
function mayChangeOrigin(o: JsonObject, path: string): boolean {
  const eventTypes = (key: string) =>
    listItems(o, key, path).map(({ value }) => (isObject(value) && typeof value.EventType === 'string' ? value.EventType : ''));
  return eventTypes('FunctionAssociations').includes('viewer-request') || eventTypes('LambdaFunctionAssociations').includes('origin-request');
}

function readAllowedMethods(o: JsonObject, path: string): string[] | undefined {
  const methods = stringItems(o, 'AllowedMethods', path);
  return methods.length ? methods : undefined;
}

/**
 * The edge code that can send a request to another origin than the behavior's: a viewer-request CloudFront Function
 * (`cf.updateRequestOrigin()`, `cf.selectRequestOriginById()`) or an origin-request Lambda@Edge (it may replace the
 * origin object). The distribution shows only the association, never what the code does.
 */
function readRuntimeOriginHooks(o: JsonObject, path: string): RuntimeOriginHook[] | undefined {
  const hooks: RuntimeOriginHook[] = [];
  for (const { value, path: p } of listItems(o, 'FunctionAssociations', path)) {
    const f = asObject(value, p);
    const eventType = optString(f, 'EventType', p);
    if (eventType === 'viewer-request') hooks.push({ kind: 'cloudfront-function', arn: reqString(f, 'FunctionARN', p), eventType });
  }
  for (const { value, path: p } of listItems(o, 'LambdaFunctionAssociations', path)) {
    const f = asObject(value, p);
    const eventType = optString(f, 'EventType', p);
    if (eventType === 'origin-request') hooks.push({ kind: 'lambda-edge', arn: reqString(f, 'LambdaFunctionARN', p), eventType });
  }
  return hooks.length ? hooks : undefined;
}

function enabledFlag(o: JsonObject, key: string, path: string): boolean {
  if (!isObject(o[key])) return false;
  return (o[key] as JsonObject).Enabled === true;
}

/** Every behavior targets an origin or group of the distribution, and every group member is an origin. */
function checkReferences(d: Distribution, groupPaths: string[], behaviorPaths: string[]): void {
  const originIds = new Set(d.origins.map((x) => x.id));
  const groupIds = new Set(d.originGroups.map((g) => g.id));
  d.originGroups.forEach((g, i) =>
    g.memberOriginIds.forEach((id, j) => {
      if (!originIds.has(id)) {
        throw new InventoryFormatError(`${groupPaths[i]}.Members.Items[${j}].OriginId`, 'no origin with this id');
      }
    }),
  );
  d.behaviors.forEach((b, i) => {
    if (!originIds.has(b.targetOriginId) && !groupIds.has(b.targetOriginId)) {
      throw new InventoryFormatError(`${behaviorPaths[i]}.TargetOriginId`, 'no origin or origin group with this id');
    }
  });
}

/** One `DistributionSummary` (of `ListDistributions`, or of the CLI's `list-distributions`). */
export function readDistributionSummary(value: unknown, path: string): Distribution {
  const o = asObject(value, path);
  const origins = listItems(o, 'Origins', path);
  if (origins.length === 0) throw new InventoryFormatError(joinPath(path, 'Origins.Items'), 'expected at least one origin');
  const groups = listItems(o, 'OriginGroups', path);
  // The ordered behaviors, then the default one: the order CloudFront matches them in.
  const behaviors = [
    ...listItems(o, 'CacheBehaviors', path),
    { value: o.DefaultCacheBehavior, path: joinPath(path, 'DefaultCacheBehavior') },
  ];
  const connectionMode = optString(o, 'ConnectionMode', path);
  const d: Distribution = {
    id: reqString(o, 'Id', path),
    domainName: reqString(o, 'DomainName', path),
    enabled: reqBoolean(o, 'Enabled', path),
    ...(o.Staging === true ? { staging: true } : {}),
    ...(connectionMode === 'tenant-only' || connectionMode === 'direct' ? { connectionMode } : {}),
    aliases: stringItems(o, 'Aliases', path),
    origins: origins.map(({ value: v, path: p }) => readOrigin(v, p)),
    originGroups: groups.map(({ value: v, path: p }) => readOriginGroup(v, p)),
    behaviors: behaviors.map(({ value: v, path: p }, i) => readBehavior(v, p, i === behaviors.length - 1 ? '*' : undefined)),
  };
  checkReferences(d, groups.map((g) => g.path), behaviors.map((b) => b.path));
  return d;
}

/** A `DistributionList` object: `{Items: DistributionSummary[], ...}` (Items absent when there are none). */
export function readDistributionList(value: unknown, path: string): Distribution[] {
  return distributionItems(value, path).map(({ value: item, path: p }) => readDistributionSummary(item, p));
}

/**
 * The same, one distribution at a time: one the reader cannot make sense of (a new origin type, say) is set aside
 * with the reason, so that it does not stop the scan of all the others. For the live API; a file stays strict.
 */
export function readDistributionListLenient(value: unknown, path: string): { distributions: Distribution[]; unreadable: UnreadableDistribution[] } {
  const distributions: Distribution[] = [];
  const unreadable: UnreadableDistribution[] = [];
  for (const { value: item, path: p } of distributionItems(value, path)) {
    try {
      distributions.push(readDistributionSummary(item, p));
    } catch (e) {
      if (!(e instanceof InventoryFormatError)) throw e;
      const raw = isObject(item) ? item : {};
      unreadable.push({
        id: typeof raw.Id === 'string' ? raw.Id : p,
        ...(typeof raw.DomainName === 'string' ? { domainName: raw.DomainName } : {}),
        reason: e.message,
      });
    }
  }
  return { distributions, unreadable };
}

function distributionItems(value: unknown, path: string): { value: unknown; path: string }[] {
  const o = asObject(value, path);
  if (o.Items === undefined || o.Items === null) return [];
  if (!Array.isArray(o.Items)) throw new InventoryFormatError(joinPath(path, 'Items'), 'expected an array');
  return o.Items.map((item, i) => ({ value: item, path: `${joinPath(path, 'Items')}[${i}]` }));
}

// ---------------------------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------------------------

const CACHE_HEADER_BEHAVIORS = ['none', 'whitelist'] as const;
const ORIGIN_REQUEST_HEADER_BEHAVIORS = [
  'none',
  'whitelist',
  'allViewer',
  'allViewerAndWhitelistCloudFront',
  'allExcept',
] as const;

function readHeadersConfig(id: string, value: unknown, path: string, behaviors: readonly string[]): HeaderPolicy {
  const o = asObject(value, path);
  return { id, headerBehavior: reqEnum(o, 'HeaderBehavior', path, behaviors), headers: stringItems(o, 'Headers', path) };
}

/** A `CachePolicy` object: `{Id, CachePolicyConfig: {ParametersInCacheKeyAndForwardedToOrigin: {HeadersConfig}}}`. */
export function readCachePolicy(value: unknown, path: string): HeaderPolicy {
  const o = asObject(value, path);
  const configPath = joinPath(path, 'CachePolicyConfig');
  const paramsPath = joinPath(configPath, 'ParametersInCacheKeyAndForwardedToOrigin');
  const params = asObject(asObject(o.CachePolicyConfig, configPath).ParametersInCacheKeyAndForwardedToOrigin, paramsPath);
  return readHeadersConfig(reqString(o, 'Id', path), params.HeadersConfig, joinPath(paramsPath, 'HeadersConfig'), CACHE_HEADER_BEHAVIORS);
}

/** An `OriginRequestPolicy` object: `{Id, OriginRequestPolicyConfig: {HeadersConfig}}`. */
export function readOriginRequestPolicy(value: unknown, path: string): HeaderPolicy {
  const o = asObject(value, path);
  const configPath = joinPath(path, 'OriginRequestPolicyConfig');
  const config = asObject(o.OriginRequestPolicyConfig, configPath);
  return readHeadersConfig(
    reqString(o, 'Id', path),
    config.HeadersConfig,
    joinPath(configPath, 'HeadersConfig'),
    ORIGIN_REQUEST_HEADER_BEHAVIORS,
  );
}
