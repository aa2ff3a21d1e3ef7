/**
 * `cf-origin-monitor scan` of a live account, as a user runs it: the real SDK against local fakes of the CloudFront
 * API (ListDistributions, GetVpcOrigin) and of ACM (DescribeCertificate), origins on loopback, and a fake CloudFront
 * edge reached through --connect-to. With the edge check on (the default) and with --no-edge.
 */
import type { DistributionSummary, VpcOrigin } from '@aws-sdk/client-cloudfront';
import type { TLSSocket } from 'node:tls';
import { EXIT } from '../../lambda/cli';
import type { OriginReport, ScanReport } from '../../lambda/model';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import { cli } from '../support/cli';
import { startFakeAcm, type FakeAcm } from '../support/fake-acm';
import { startFakeCloudFront, type FakeCloudFront } from '../support/fake-cloudfront-api';
import { allowOnlyFrom, startFakeEdge, type FakeEdge, type FakeEdgeAction } from '../support/fake-edge';
import { chainPem, createPki, writeTempFiles, type Pki, type TempFiles } from '../support/pki';
import { freePort, listenTls, type Listening } from '../support/servers';

const DOMAIN = 'd333live.cloudfront.net';
const MTLS_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-mtls';
const VPC_ID = 'vo_0123456789abcdef';
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/internal-shop/50dc6c495c0c9188';
const DAY = 86_400_000;

let pki: Pki;
let files: TempFiles;
let edge: FakeEdge;
let api: FakeCloudFront;
let acm: FakeAcm;
let restoreEnv: () => void;
const servers: Listening[] = [];
const ports: Record<string, number> = {};

const ok = (s: TLSSocket) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: shop\r\nConnection: close\r\n\r\nok'));

async function origin(id: string, opts: Parameters<typeof listenTls>[0] = {}): Promise<Listening> {
  const leaf = await pki.issueLeaf({ dnsNames: [`${id}.origins.test`] });
  const server = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate), ...opts }, '127.0.0.1', { onSecureConnection: ok });
  servers.push(server);
  ports[id] = server.port;
  return server;
}

const custom = (id: string, extra: Record<string, unknown> = {}) => ({
  Id: id,
  DomainName: `${id}.origins.test`,
  OriginPath: '',
  CustomHeaders: { Quantity: 0 },
  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: ports[id], OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5, ...extra },
  ConnectionAttempts: 1,
  ConnectionTimeout: 2,
});
const behavior = (path: string | undefined, originId: string, extra: Record<string, unknown> = {}) => ({
  ...(path ? { PathPattern: path } : {}),
  TargetOriginId: originId,
  ViewerProtocolPolicy: 'redirect-to-https',
  CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
  ...extra,
});

beforeAll(async () => {
  pki = await createPki({ name: 'Live Edge Test' });
  const clients = await createPki({ name: 'Origin mTLS clients' });
  const clientCert = await clients.issueLeaf({ dnsNames: ['cloudfront.client.test'], extendedKeyUsages: ['clientAuth'] });
  files = writeTempFiles({ 'root.pem': pki.root.certPem });
  const refused = await freePort();

  (await origin('allowlisted')).server.prependListener('connection', allowOnlyFrom('127.0.0.2'));
  await origin('mtls', { requestCert: true, rejectUnauthorized: true, ca: [clients.root.certPem] });
  await origin('internal-alb');
  await origin('app');

  const to = (id: string, extra: Partial<Extract<FakeEdgeAction, { kind: 'origin' }>> = {}): FakeEdgeAction => ({
    kind: 'origin', host: '127.0.0.1', port: ports[id], servername: `${id}.origins.test`, ca: [pki.root.certPem], ...extra,
  });
  const edgeLeaf = await pki.issueLeaf({ dnsNames: ['*.cloudfront.net'] });
  edge = await startFakeEdge({
    key: edgeLeaf.keyPem,
    cert: chainPem(edgeLeaf, pki.intermediate),
    routes: [
      { host: DOMAIN, prefix: '/mtls/', action: to('mtls', { clientCert: { key: clientCert.keyPem, cert: chainPem(clientCert, clients.intermediate) } }) },
      { host: DOMAIN, prefix: '/internal/', action: to('internal-alb') },
      { host: DOMAIN, prefix: '/app/', action: { kind: 'origin', host: '127.0.0.1', port: refused, servername: 'next.origins.test', ca: [pki.root.certPem] } },
      { host: DOMAIN, prefix: '/', action: to('allowlisted') },
    ],
  });

  const distribution = {
    Id: 'E3LIVEEDGE',
    ARN: 'arn:aws:cloudfront::123456789012:distribution/E3LIVEEDGE',
    Status: 'Deployed',
    LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
    DomainName: DOMAIN,
    Aliases: { Quantity: 0 },
    Origins: {
      Quantity: 4,
      Items: [
        custom('allowlisted'),
        custom('mtls', { OriginMtlsConfig: { ClientCertificateArn: MTLS_ARN } }),
        { Id: 'internal', DomainName: 'internal-alb.origins.test', OriginPath: '', CustomHeaders: { Quantity: 0 }, VpcOriginConfig: { VpcOriginId: VPC_ID, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5 }, ConnectionAttempts: 3, ConnectionTimeout: 10 },
        custom('app'),
      ],
    },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: behavior(undefined, 'allowlisted'),
    CacheBehaviors: {
      Quantity: 3,
      Items: [
        behavior('/mtls/*', 'mtls'),
        behavior('/internal/*', 'internal'),
        behavior('/app/*', 'app', {
          LambdaFunctionAssociations: { Quantity: 1, Items: [{ LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:pick-backend:7', EventType: 'origin-request', IncludeBody: false }] },
        }),
      ],
    },
    Comment: '',
    PriceClass: 'PriceClass_All',
    Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true },
    Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
    WebACLId: '',
    HttpVersion: 'http2',
    IsIPV6Enabled: true,
    Staging: false,
  } as unknown as DistributionSummary;
  const vpcOrigin: VpcOrigin = {
    Id: VPC_ID,
    Arn: `arn:aws:cloudfront::123456789012:vpcorigin/${VPC_ID}`,
    Status: 'Deployed',
    CreatedTime: new Date('2026-10-01T00:00:00Z'),
    LastModifiedTime: new Date('2026-10-01T00:00:00Z'),
    VpcOriginEndpointConfig: { Name: 'internal-shop', Arn: ALB_ARN, HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } },
  };
  api = await startFakeCloudFront({ distributions: [distribution], vpcOrigins: [vpcOrigin] });
  acm = await startFakeAcm([
    { CertificateArn: MTLS_ARN, DomainName: 'cloudfront.client.test', Status: 'ISSUED', Type: 'IMPORTED', NotBefore: new Date(Date.now() - 355 * DAY), NotAfter: new Date(Date.now() + 10 * DAY + 3_600_000), RenewalEligibility: 'INELIGIBLE' },
  ]);
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint, AWS_ENDPOINT_URL_ACM: acm.endpoint });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  await Promise.all([edge?.close(), api?.close(), acm?.close(), ...servers.map((s) => s.close())]);
  files?.cleanup();
});

const args = () => [
  'scan',
  ...['allowlisted', 'mtls', 'internal-alb', 'app'].flatMap((id) => ['--resolve', `${id}.origins.test:*:127.0.0.1`]),
  '--ca-file', files.paths['root.pem'],
  '--connect-to', `${DOMAIN}:443:127.0.0.1:${edge.port}`,
  '--connect-timeout', '1000',
  '--format', 'json',
];
const origin_ = (r: ScanReport, id: string): OriginReport => r.origins.find((o) => o.originId === id) as OriginReport;
const codes = (r: ScanReport, id: string) => origin_(r, id).findings.map((f) => f.code).sort();

describe('scan with the edge check (the default)', () => {
  let report: ScanReport;
  let code: number;
  beforeAll(async () => {
    const out = await cli(args());
    code = out.code;
    report = JSON.parse(out.stdout) as ScanReport;
  }, 60_000);

  it('reports the allowlisted origin and the mTLS origin as reachable only from CloudFront, not as alerts', () => {
    expect(origin_(report, 'allowlisted').status).toBe('ok');
    expect(codes(report, 'allowlisted')).toEqual(['ORIGIN_CLOUDFRONT_ONLY']);
    expect(codes(report, 'mtls')).toEqual(['MTLS_CERT_EXPIRING_SOON', 'MTLS_CERT_NOT_RENEWABLE', 'ORIGIN_CLOUDFRONT_ONLY']);
  });

  it('reads the mTLS client certificate from ACM, exactly that ARN once, with the server certificates\' thresholds', () => {
    expect(acm.requests).toEqual([MTLS_ARN]);
    const mtls = origin_(report, 'mtls');
    expect(mtls.status).toBe('warning');
    const soon = mtls.findings.find((f) => f.code === 'MTLS_CERT_EXPIRING_SOON');
    expect(soon?.message).toMatch(/^the client certificate CloudFront presents to the origin expires in 10 days .*; ACM will not renew it$/);
    expect(soon?.evidence).toMatchObject({ clientCertificateArn: MTLS_ARN, daysLeft: 10, renewalEligibility: 'INELIGIBLE', type: 'IMPORTED' });
    expect(mtls.mtls?.certificate).toMatchObject({ status: 'ISSUED', renewalEligibility: 'INELIGIBLE' });
  });

  it('reports the VPC origin with the settings GetVpcOrigin gives, and takes its verdict from the edge check', () => {
    expect(api.requests).toContain(`GET /2020-05-31/vpc-origin/${VPC_ID}`);
    const vpc = origin_(report, 'internal');
    expect(vpc.status).toBe('ok');
    expect(codes(report, 'internal')).toEqual(['VPC_ORIGIN']);
    expect(vpc.findings[0].message).toBe(`VPC origin ${VPC_ID} -> ${ALB_ARN}: HTTPS 443, https-only, TLSv1.2 (Deployed)`);
    expect(vpc.vpcOrigin?.endpoint).toMatchObject({ arn: ALB_ARN, httpsPort: 443, protocolPolicy: 'https-only', sslProtocols: ['TLSv1.2'] });
    expect(vpc.edge?.[0]).toMatchObject({ status: 200, server: 'shop', pathPattern: '/internal/*' });
  });

  it('finds the 502 only the edge check sees (an origin-request Lambda@Edge), with the request id, and exits 2', () => {
    const app = origin_(report, 'app');
    expect(codes(report, 'app')).toEqual(['EDGE_502', 'ORIGIN_CHOSEN_AT_RUNTIME']);
    expect(app.findings[0].message).toMatch(/request id [\w-]{56}==: CloudFront could not connect to the origin.*Lambda@Edge pick-backend/);
    expect(code).toBe(EXIT.CRITICAL);
  });
});

describe('scan --no-edge', () => {
  it('sends nothing through CloudFront: the allowlisted origin is then a critical finding, the mTLS one unconfirmed, the VPC origin unchecked (nothing checks it)', async () => {
    const before = edge.requests.length;
    const { stdout, code } = await cli([...args(), '--no-edge']);
    const report = JSON.parse(stdout) as ScanReport;
    expect(edge.requests.length).toBe(before);
    expect(origin_(report, 'allowlisted').status).toBe('critical');
    expect(codes(report, 'allowlisted')).toEqual(['TLS_HANDSHAKE_FAILED']);
    expect(codes(report, 'mtls')).toEqual(['MTLS_CERT_EXPIRING_SOON', 'MTLS_CERT_NOT_RENEWABLE', 'ORIGIN_MTLS_UNCONFIRMED']);
    expect(origin_(report, 'internal')).toMatchObject({
      status: 'unchecked',
      uncheckedReason: 'VPC origin: private: not reachable from the internet, and the edge check is off: turn it on (drop --no-edge, or edgeCheck=true), or deploy the VPC probe (vpcProbe)',
    });
    expect(report.summary.unchecked).toBe(1);
    expect(codes(report, 'app')).toEqual(['ORIGIN_CHOSEN_AT_RUNTIME']);
    expect(code).toBe(EXIT.CRITICAL);
  }, 60_000);
});
