/**
 * A local HTTP fake of the CloudFront REST/XML API, enough for the real SDK to list distributions and read
 * policies: point the SDK at it with AWS_ENDPOINT_URL_CLOUDFRONT=<endpoint> and fake credentials.
 *
 *   GET /2020-05-31/distribution?Marker=&MaxItems=   DistributionList XML, paged by `pageSize` (NextMarker/IsTruncated)
 *   GET /2020-05-31/cache-policy/{id}                 CachePolicy XML, or 404 NoSuchCachePolicy
 *   GET /2020-05-31/origin-request-policy/{id}        OriginRequestPolicy XML, or 404 NoSuchOriginRequestPolicy
 *
 * Objects are given in the SDK's shape (`DistributionSummary`, `CachePolicy`, `OriginRequestPolicy`). Signatures
 * are not checked. `requests` logs each request as `METHOD /path?query`.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CachePolicy, DistributionSummary, OriginRequestPolicy } from '@aws-sdk/client-cloudfront';

export interface FakeCloudFrontOptions {
  distributions: DistributionSummary[];
  cachePolicies?: CachePolicy[];
  originRequestPolicies?: OriginRequestPolicy[];
  /** Distributions per ListDistributions page (default 100; the client's MaxItems wins when smaller). */
  pageSize?: number;
  /** Answer ListDistributions with 403 AccessDenied. */
  denyListDistributions?: boolean;
  /** Answer the first N requests with 400 Throttling (to exercise the SDK's retry). */
  throttleFirstRequests?: number;
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

function listPage(opts: FakeCloudFrontOptions, query: URLSearchParams): Record<string, unknown> {
  const maxItems = Math.min(Number(query.get('MaxItems') || 100), opts.pageSize ?? 100);
  const marker = query.get('Marker') ?? '';
  const start = marker ? Number(marker) : 0;
  const items = opts.distributions.slice(start, start + maxItems);
  const next = start + items.length;
  const truncated = next < opts.distributions.length;
  return {
    Marker: marker,
    ...(truncated ? { NextMarker: String(next) } : {}),
    MaxItems: maxItems,
    IsTruncated: truncated,
    Quantity: items.length,
    ...(items.length > 0 ? { Items: items } : {}),
  };
}

function handler(opts: FakeCloudFrontOptions, requests: string[]) {
  let throttled = 0;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (throttled < (opts.throttleFirstRequests ?? 0)) {
      throttled += 1;
      return sendError(res, 400, 'Throttling', 'Rate exceeded');
    }
    const route = /^\/2020-05-31\/(distribution|cache-policy|origin-request-policy)(?:\/([^/]+))?$/.exec(url.pathname);
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
      return send(res, 200, document('DistributionList', listPage(opts, url.searchParams)));
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
    return sendError(res, 404, 'NotFound', `fake CloudFront: no route ${url.pathname}`);
  };
}

export async function startFakeCloudFront(opts: FakeCloudFrontOptions): Promise<FakeCloudFront> {
  const requests: string[] = [];
  const server = createServer(handler(opts, requests));
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
