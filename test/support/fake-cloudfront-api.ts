/**
 * A local HTTP fake of the CloudFront REST/XML API, enough for the real SDK to list distributions and read
 * policies: point the SDK at it with AWS_ENDPOINT_URL_CLOUDFRONT=<endpoint> and fake credentials.
 *
 *   GET /2020-05-31/distribution?Marker=&MaxItems=   DistributionList XML, paged by `pageSize` (NextMarker/IsTruncated)
 *   GET /2020-05-31/cache-policy/{id}                 CachePolicy XML, or 404 NoSuchCachePolicy
 *   GET /2020-05-31/origin-request-policy/{id}        OriginRequestPolicy XML, or 404 NoSuchOriginRequestPolicy
 *   GET /2020-05-31/vpc-origin/{id}                   VpcOrigin XML, or 404 EntityNotFound
 *   GET /2020-05-31/distributionsByConnectionMode/{m} DistributionList of `tenantOnly` (and `distributions` in mode m), paged
 *   GET /2020-05-31/distribution/{id}/config          DistributionConfig XML, or 404 NoSuchDistribution
 *   GET /2020-05-31/continuous-deployment-policy/{id} ContinuousDeploymentPolicy XML, or 404 NoSuchContinuousDeploymentPolicy
 *   POST /2020-05-31/distribution-tenants             ListDistributionTenantsResult (AssociationFilter.DistributionId, Marker)
 *   GET /2020-05-31/distribution-tenant/{id}          DistributionTenant XML, or 404 EntityNotFound
 *
 * List member element names follow the SDK's schemas (dist-cjs): a list without an xmlName trait (`Domains`,
 * `Parameters`, `ParameterDefinitions`) has `<member>` elements, as the SDK's XML deserializer expects.
 *
 * Objects are given in the SDK's shape (`DistributionSummary`, `CachePolicy`, `OriginRequestPolicy`). Signatures
 * are not checked. `requests` logs each request as `METHOD /path?query`.
 *
 * Several accounts: `startFakeCloudFrontAccounts({ [accessKeyId]: options })` serves each set of options to the
 * requests signed with that access key id (the `Credential=` of SigV4's Authorization header), as the real API
 * answers each account's credentials with that account's distributions; an unknown key gets 403
 * InvalidClientTokenId. `requests` entries are then prefixed with the access key id.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CachePolicy,
  ContinuousDeploymentPolicy,
  DistributionConfig,
  DistributionSummary,
  DistributionTenant,
  OriginRequestPolicy,
  VpcOrigin,
} from '@aws-sdk/client-cloudfront';

export interface FakeCloudFrontOptions {
  distributions: DistributionSummary[];
  cachePolicies?: CachePolicy[];
  originRequestPolicies?: OriginRequestPolicy[];
  vpcOrigins?: VpcOrigin[];
  /** Distributions per ListDistributions page (default 100; the client's MaxItems wins when smaller). */
  pageSize?: number;
  /** Answer ListDistributions with 403 AccessDenied. */
  denyListDistributions?: boolean;
  /** Answer the first N requests with 400 Throttling (to exercise the SDK's retry). */
  throttleFirstRequests?: number;
  /** Served only by ListDistributionsByConnectionMode(tenant-only): templates ListDistributions does not return. */
  tenantOnly?: DistributionSummary[];
  /** GetDistributionConfig, by distribution id. */
  distributionConfigs?: Record<string, DistributionConfig>;
  continuousDeploymentPolicies?: ContinuousDeploymentPolicy[];
  /** Full tenants (GetDistributionTenant); ListDistributionTenants serves their summaries (no Parameters). */
  tenants?: DistributionTenant[];
  /** Answer these operations (e.g. `GetDistributionConfig`) with 403 AccessDenied. */
  deny?: string[];
  /** Accept ListDistributions requests and never answer them (a stuck proxy or endpoint). */
  hangListDistributions?: boolean;
  /** Every ListDistributions page says IsTruncated with this same NextMarker (a broken endpoint). */
  repeatMarker?: string;
  /** Pages say IsTruncated but give no NextMarker. */
  truncatedWithoutMarker?: boolean;
  /** Every ListDistributionsByConnectionMode / ListDistributionTenants page gives this same NextMarker (IsTruncated). */
  repeatConnectionModeMarker?: string;
  repeatTenantsMarker?: string;
  /** Answer every request 200 with this body as text/html (a captive portal or a proxy's page). */
  htmlBody?: string;
}

export interface FakeCloudFront {
  endpoint: string;
  requests: string[];
  close(): Promise<void>;
}

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** The XML element name of a list's members, by the name of the list (`Aliases.Items` holds `CNAME`s). */
const MEMBER_NAMES: Record<string, string> = {
  DistributionList: 'DistributionSummary',
  Aliases: 'CNAME',
  Origins: 'Origin',
  CustomHeaders: 'OriginCustomHeader',
  OriginSslProtocols: 'SslProtocol',
  OriginGroups: 'OriginGroup',
  Members: 'OriginGroupMember',
  StatusCodes: 'StatusCode',
  CacheBehaviors: 'CacheBehavior',
  AllowedMethods: 'Method',
  CachedMethods: 'Method',
  Headers: 'Name',
  WhitelistedNames: 'Name',
  QueryStringCacheKeys: 'Name',
  Cookies: 'Name',
  QueryStrings: 'Name',
  TrustedSigners: 'AwsAccountNumber',
  TrustedKeyGroups: 'KeyGroup',
  LambdaFunctionAssociations: 'LambdaFunctionAssociation',
  FunctionAssociations: 'FunctionAssociation',
  CustomErrorResponses: 'CustomErrorResponse',
  GeoRestriction: 'Location',
  AliasICPRecordals: 'AliasICPRecordal',
  StagingDistributionDnsNames: 'DnsName',
  DistributionTenantList: 'DistributionTenantSummary',
  // No xmlName trait on these lists in the SDK's schemas: the member element is <member>.
  Domains: 'member',
  Parameters: 'member',
  ParameterDefinitions: 'member',
  Tags: 'Tag',
  Locations: 'Location',
};

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function memberName(listName: string): string {
  const name = MEMBER_NAMES[listName];
  if (!name) throw new Error(`fake CloudFront: no XML member name known for list ${listName}`);
  return name;
}

/** Serializes an SDK-shaped value as CloudFront's XML. `name` is the element, `parent` the enclosing element. */
function toXml(name: string, value: unknown, parent: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    // `Items` lists take their member name from the parent (`Origins.Items`); other lists from their own name.
    const member = memberName(name === 'Items' ? parent : name);
    return `<${name}>${value.map((v) => toXml(member, v, name)).join('')}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    const children = Object.entries(value as Record<string, unknown>).map(([k, v]) => toXml(k, v, name));
    return `<${name}>${children.join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function document(root: string, value: Record<string, unknown>): string {
  const xml = toXml(root, value, '');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml.replace(`<${root}>`, `<${root} xmlns="${XMLNS}">`)}`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amz-request-id': 'fake-request-id', ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body =
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>fake-request-id</RequestId></ErrorResponse>`;
  send(res, status, body);
}

function listPage(opts: FakeCloudFrontOptions, query: URLSearchParams, all = opts.distributions): Record<string, unknown> {
  const maxItems = Math.min(Number(query.get('MaxItems') || 100), opts.pageSize ?? 100);
  const marker = query.get('Marker') ?? '';
  const start = marker ? Number(marker) : 0;
  const items = all.slice(start, start + maxItems);
  const next = start + items.length;
  const truncated = next < all.length;
  return {
    Marker: marker,
    ...(truncated ? { NextMarker: String(next) } : {}),
    MaxItems: maxItems,
    IsTruncated: truncated,
    Quantity: items.length,
    ...(items.length > 0 ? { Items: items } : {}),
  };
}

const xmlText = (body: string, element: string): string | undefined =>
  new RegExp(`<${element}>([^<]*)</${element}>`).exec(body)?.[1];

/** A tenant's summary, as ListDistributionTenants returns it: no Parameters, no Tags. */
function tenantSummary(t: DistributionTenant): Record<string, unknown> {
  const { Parameters: _p, Tags: _t, ...rest } = t;
  return { ...rest, ETag: 'E1FAKE' };
}

/** The multi-tenant and continuous-deployment routes; false when the request is not one of them. */
function extraRoute(opts: FakeCloudFrontOptions, req: IncomingMessage, url: URL, body: string, res: ServerResponse): boolean {
  const denied = (operation: string) => {
    if (!opts.deny?.includes(operation)) return false;
    sendError(res, 403, 'AccessDenied', `User: arn:aws:iam::123456789012:user/fake-reader is not authorized to perform: cloudfront:${operation}`);
    return true;
  };
  let m: RegExpExecArray | null;
  if (req.method === 'GET' && (m = /^\/2020-05-31\/distributionsByConnectionMode\/([^/]+)$/.exec(url.pathname))) {
    if (denied('ListDistributionsByConnectionMode')) return true;
    const mode = decodeURIComponent(m[1]);
    const all = [...opts.distributions.filter((d) => (d.ConnectionMode ?? 'direct') === mode), ...(mode === 'tenant-only' ? (opts.tenantOnly ?? []) : [])];
    const page = listPage(opts, url.searchParams, all);
    if (opts.repeatConnectionModeMarker !== undefined) Object.assign(page, { IsTruncated: true, NextMarker: opts.repeatConnectionModeMarker });
    send(res, 200, document('DistributionList', page));
    return true;
  }
  if (req.method === 'GET' && (m = /^\/2020-05-31\/distribution\/([^/]+)\/config$/.exec(url.pathname))) {
    if (denied('GetDistributionConfig')) return true;
    const config = opts.distributionConfigs?.[decodeURIComponent(m[1])];
    if (!config) sendError(res, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    else send(res, 200, document('DistributionConfig', { ...config }), { etag: 'E1FAKE' });
    return true;
  }
  if (req.method === 'GET' && (m = /^\/2020-05-31\/continuous-deployment-policy\/([^/]+)$/.exec(url.pathname))) {
    if (denied('GetContinuousDeploymentPolicy')) return true;
    const policy = opts.continuousDeploymentPolicies?.find((p) => p.Id === decodeURIComponent(m![1]));
    if (!policy) sendError(res, 404, 'NoSuchContinuousDeploymentPolicy', 'The continuous deployment policy does not exist.');
    else send(res, 200, document('ContinuousDeploymentPolicy', { ...policy }), { etag: 'E1FAKE' });
    return true;
  }
  if (req.method === 'POST' && url.pathname === '/2020-05-31/distribution-tenants') {
    if (denied('ListDistributionTenants')) return true;
    const distributionId = xmlText(body, 'DistributionId');
    const all = (opts.tenants ?? []).filter((t) => !distributionId || t.DistributionId === distributionId);
    const pageSize = opts.pageSize ?? 100;
    const start = Number(xmlText(body, 'Marker') || 0);
    const items = all.slice(start, start + pageSize);
    const next = start + items.length;
    const nextMarker = opts.repeatTenantsMarker ?? (next < all.length ? String(next) : undefined);
    send(
      res,
      200,
      document('ListDistributionTenantsResult', {
        ...(nextMarker !== undefined ? { NextMarker: nextMarker } : {}),
        DistributionTenantList: items.map(tenantSummary),
      }),
    );
    return true;
  }
  if (req.method === 'GET' && (m = /^\/2020-05-31\/distribution-tenant\/([^/]+)$/.exec(url.pathname))) {
    if (denied('GetDistributionTenant')) return true;
    const id = decodeURIComponent(m[1]);
    const tenant = opts.tenants?.find((t) => t.Id === id || t.Name === id || t.Arn === id);
    if (!tenant) sendError(res, 404, 'EntityNotFound', 'The distribution tenant does not exist.');
    else send(res, 200, document('DistributionTenant', { ...tenant }), { etag: 'E1FAKE' });
    return true;
  }
  return false;
}

function handler(opts: FakeCloudFrontOptions, requests: string[], prefix = '') {
  let throttled = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${prefix}${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (throttled < (opts.throttleFirstRequests ?? 0)) {
      throttled += 1;
      return sendError(res, 400, 'Throttling', 'Rate exceeded');
    }
    if (opts.htmlBody !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(opts.htmlBody);
    }
    if (extraRoute(opts, req, url, body, res)) return;
    const route = /^\/2020-05-31\/(distribution|cache-policy|origin-request-policy|vpc-origin)(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method !== 'GET' || !route) return sendError(res, 404, 'NotFound', `fake CloudFront: no route ${url.pathname}`);
    const [, kind, id] = route;
    if (kind === 'distribution' && !id) {
      if (opts.denyListDistributions) {
        return sendError(
          res,
          403,
          'AccessDenied',
          'User: arn:aws:iam::123456789012:user/fake-reader is not authorized to perform: cloudfront:ListDistributions on resource: arn:aws:cloudfront::123456789012:distribution/* because no identity-based policy allows the cloudfront:ListDistributions action',
        );
      }
      if (opts.hangListDistributions) return; // the request stays open: no status, no body
      const page = listPage(opts, url.searchParams);
      if (opts.repeatMarker !== undefined) Object.assign(page, { IsTruncated: true, NextMarker: opts.repeatMarker });
      if (opts.truncatedWithoutMarker) {
        page.IsTruncated = true;
        delete page.NextMarker;
      }
      return send(res, 200, document('DistributionList', page));
    }
    const policyId = decodeURIComponent(id ?? '');
    if (kind === 'cache-policy') {
      const policy = opts.cachePolicies?.find((p) => p.Id === policyId);
      if (!policy) return sendError(res, 404, 'NoSuchCachePolicy', 'The cache policy does not exist.');
      return send(res, 200, document('CachePolicy', { ...policy }), { etag: 'E1FAKE' });
    }
    if (kind === 'origin-request-policy') {
      const policy = opts.originRequestPolicies?.find((p) => p.Id === policyId);
      if (!policy) return sendError(res, 404, 'NoSuchOriginRequestPolicy', 'The origin request policy does not exist.');
      return send(res, 200, document('OriginRequestPolicy', { ...policy }), { etag: 'E1FAKE' });
    }
    if (kind === 'vpc-origin') {
      const vpc = opts.vpcOrigins?.find((v) => v.Id === policyId);
      if (!vpc) return sendError(res, 404, 'EntityNotFound', 'The VPC origin does not exist.');
      return send(res, 200, document('VpcOrigin', { ...vpc }), { etag: 'E1FAKE' });
    }
    return sendError(res, 404, 'NotFound', `fake CloudFront: no route ${url.pathname}`);
  };
}

/** Listens on 127.0.0.1 (a free port) and hands the fake out: its endpoint, the requests it saw, and close(). */
async function listenOnLoopback(server: ReturnType<typeof createServer>, requests: string[]): Promise<FakeCloudFront> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export async function startFakeCloudFront(opts: FakeCloudFrontOptions): Promise<FakeCloudFront> {
  const requests: string[] = [];
  const serve = handler(opts, requests);
  const server = createServer((req, res) => void serve(req, res));
  return listenOnLoopback(server, requests);
}

/** The access key id a SigV4 request was signed with. */
export function accessKeyIdOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

/** One endpoint, one CloudFront per access key id (an account's credentials see that account's distributions). */
export async function startFakeCloudFrontAccounts(accounts: Record<string, FakeCloudFrontOptions>): Promise<FakeCloudFront> {
  const requests: string[] = [];
  const handlers = new Map(Object.entries(accounts).map(([key, opts]) => [key, handler(opts, requests, `${key} `)]));
  const server = createServer((req, res) => {
    const key = accessKeyIdOf(req) ?? '';
    const h = handlers.get(key);
    if (h) return h(req, res);
    requests.push(`${key || '-'} ${req.method} ${req.url}`);
    return sendError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  });
  return listenOnLoopback(server, requests);
}
