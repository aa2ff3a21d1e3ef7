/** What the inventory reads for the edge check, origin mTLS, VPC origins and run-time origin hooks. */
import { emptyPolicyCatalog, readDistributionSummary } from '../../lambda/inventory/distributions';
import { buildTargets } from '../../lambda/inventory/targets';

const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';
const origin = (id: string, extra: Record<string, unknown> = {}, custom: Record<string, unknown> = {}) => ({
  Id: id,
  DomainName: `${id}.example.net`,
  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, ...custom },
  ...extra,
});
const summary = (extra: Record<string, unknown> = {}) => ({
  Id: 'E1ROUTES',
  DomainName: 'd1routes.cloudfront.net',
  Enabled: true,
  Aliases: { Quantity: 2, Items: ['www.example.com', 'example.com'] },
  Origins: {
    Quantity: 4,
    Items: [
      origin('app', { ResponseCompletionTimeout: 60 }, { OriginReadTimeout: 45, OriginMtlsConfig: { ClientCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/c' } }),
      origin('b1'),
      origin('b2'),
      { Id: 'private', DomainName: 'internal-x.elb.amazonaws.com', VpcOriginConfig: { VpcOriginId: 'vo_9', OwnerAccountId: '210987654321', OriginReadTimeout: 20 } },
    ],
  },
  OriginGroups: { Quantity: 1, Items: [{ Id: 'grp', Members: { Quantity: 2, Items: [{ OriginId: 'b1' }, { OriginId: 'b2' }] } }] },
  CacheBehaviors: {
    Quantity: 3,
    Items: [
      {
        PathPattern: '/api/*',
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'https-only',
        OriginRequestPolicyId: ALL_VIEWER,
        AllowedMethods: { Quantity: 7, Items: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'] },
        FunctionAssociations: {
          Quantity: 2,
          Items: [
            { FunctionARN: 'arn:aws:cloudfront::1:function/router', EventType: 'viewer-request' },
            { FunctionARN: 'arn:aws:cloudfront::1:function/headers', EventType: 'viewer-response' },
          ],
        },
      },
      {
        PathPattern: '/members/*',
        TargetOriginId: 'grp',
        ViewerProtocolPolicy: 'https-only',
        TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: ['kg1'] },
        LambdaFunctionAssociations: {
          Quantity: 2,
          Items: [
            { LambdaFunctionARN: 'arn:aws:lambda:us-east-1:1:function:auth:3', EventType: 'viewer-request' },
            { LambdaFunctionARN: 'arn:aws:lambda:us-east-1:1:function:pick:4', EventType: 'origin-request' },
          ],
        },
      },
      { PathPattern: '/internal/*', TargetOriginId: 'private', ViewerProtocolPolicy: 'https-only' },
    ],
  },
  DefaultCacheBehavior: { TargetOriginId: 'app', ViewerProtocolPolicy: 'redirect-to-https' },
  ...extra,
});
const targets = (extra: Record<string, unknown> = {}) =>
  Object.fromEntries(buildTargets([readDistributionSummary(summary(extra), 'D')], emptyPolicyCatalog()).map((t) => [t.originId as string, t]));

describe('the inventory for the edge check', () => {
  const t = targets();

  it('one request per behavior leading to the origin, the first alias as Host where the behavior forwards it, the patterns before it', () => {
    expect(t.app.edgeRoutes).toEqual([
      {
        pathPattern: '/api/*',
        precedingPatterns: [],
        method: 'GET',
        host: 'www.example.com',
        runtimeOrigin: [{ kind: 'cloudfront-function', arn: 'arn:aws:cloudfront::1:function/router', eventType: 'viewer-request' }],
      },
      { pathPattern: '*', precedingPatterns: ['/api/*', '/members/*', '/internal/*'], method: 'GET', host: 'd1routes.cloudfront.net' },
    ]);
  });

  it('a behavior on an origin group: both members, marked; an origin-request Lambda@Edge (not a viewer-request one) may choose the origin; signed URLs noted', () => {
    for (const id of ['b1', 'b2']) {
      expect(t[id].edgeRoutes).toEqual([
        {
          pathPattern: '/members/*',
          precedingPatterns: ['/api/*'],
          method: 'GET',
          host: 'd1routes.cloudfront.net',
          viaGroup: 'grp',
          runtimeOrigin: [{ kind: 'lambda-edge', arn: 'arn:aws:lambda:us-east-1:1:function:pick:4', eventType: 'origin-request' }],
          signedRequests: true,
        },
      ]);
    }
  });

  it('timeouts for the slow-origin warning, and the mTLS client certificate ARN', () => {
    expect(t.app.originReadTimeoutMs).toBe(45_000);
    expect(t.app.responseCompletionTimeoutMs).toBe(60_000);
    expect(t.app.mtls).toEqual({ clientCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/c' });
    expect(t.b1.originReadTimeoutMs).toBe(30_000); // CloudFront's default
    expect(t.b1.mtls).toBeUndefined();
  });

  it('a VPC origin: not probed directly, its id and owner kept for GetVpcOrigin, checked through CloudFront', () => {
    expect(t.private).toMatchObject({ ports: [], vpcOrigin: { id: 'vo_9', ownerAccountId: '210987654321' }, originReadTimeoutMs: 20_000 });
    expect(t.private.skip).toBeUndefined();
    expect(t.private.edgeRoutes?.map((r) => r.pathPattern)).toEqual(['/internal/*']);
  });

  it('a disabled distribution serves nothing: no request through it', () => {
    const off = targets({ Enabled: false });
    expect(Object.values(off).every((x) => x.edgeRoutes === undefined)).toBe(true);
  });
});
