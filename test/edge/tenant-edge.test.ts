/**
 * Tenants of a multi-tenant template get their edge request through their own domain, as their viewers reach them
 * (the template has no domain of its own); staging distributions get none. Real parts: a TLS origin on loopback,
 * the fake CloudFront edge answering for the tenants' domains, targets built from the SDK's shapes, runScan.
 */
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { getProfile } from '../../lambda/cloudfront/client-profile';
import { edgeEntry } from '../../lambda/cloudfront/edge-entry';
import { emptyPolicyCatalog, readDistributionList } from '../../lambda/inventory/distributions';
import { buildTargets } from '../../lambda/inventory/targets';
import type { OriginReport, OriginTarget, ScanReport } from '../../lambda/model';
import type { Resolver } from '../../lambda/probe/dns';
import { createEdgeProbe } from '../../lambda/probe/edge';
import { trustStoreFromPems } from '../../lambda/probe/trust-store';
import { runScan } from '../../lambda/pipeline';
import { startFakeEdge, type FakeEdge } from '../support/fake-edge';
import { chainPem, createPki } from '../support/pki';
import { freePort, listenTls, type Listening } from '../support/servers';

let origin: Listening;
let edge: FakeEdge;
let report: ScanReport;

const tenantReport = (name: string): OriginReport => {
  const r = report.origins.find((o) => o.key.endsWith(`@${name}`));
  if (!r) throw new Error(`no report for tenant ${name}`);
  return r;
};

beforeAll(async () => {
  const pki = await createPki({ name: 'Tenant Edge Test' });
  const leaf = await pki.issueLeaf({ dnsNames: ['acme.origins.test', 'globex.origins.test'] });
  origin = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate) }, '127.0.0.1', {
    onSecureConnection: (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: tenant-origin\r\nConnection: close\r\n\r\nok')),
  });
  const down = await freePort();
  const ca = [pki.root.certPem];
  const edgeLeaf = await pki.issueLeaf({ dnsNames: ['www.acme.test', 'shop.globex.test', '*.cloudfront.net'] });
  edge = await startFakeEdge({
    key: edgeLeaf.keyPem,
    cert: chainPem(edgeLeaf, pki.intermediate),
    routes: [
      // acme's requests reach its origin; globex's tenant is routed to a backend that is down (CloudFront's 502).
      { host: 'www.acme.test', prefix: '/', action: { kind: 'origin', host: '127.0.0.1', port: origin.port, servername: 'acme.origins.test', ca, connectTimeoutMs: 1500 } },
      { host: 'shop.globex.test', prefix: '/', action: { kind: 'origin', host: '127.0.0.1', port: down, servername: 'globex.origins.test', ca, connectTimeoutMs: 1500 } },
    ],
  });
  const template = {
    Id: 'ETEMPLATE',
    ARN: 'arn:aws:cloudfront::123456789012:distribution/ETEMPLATE',
    Status: 'Deployed',
    DomainName: '-',
    ConnectionMode: 'tenant-only',
    Enabled: true,
    Aliases: { Quantity: 0 },
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'shop',
          DomainName: '{{customer}}.origins.test',
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: origin.port, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: 30 },
          ConnectionAttempts: 1,
          ConnectionTimeout: 2,
        },
      ],
    },
    DefaultCacheBehavior: { TargetOriginId: 'shop', ViewerProtocolPolicy: 'https-only', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
  } as unknown as DistributionSummary;
  const distributions = readDistributionList({ Items: [template] }, 'DistributionList');
  const tenant = (id: string, name: string, domains: string[]) => ({ id, name, domains, enabled: true, parameters: { customer: name } });
  const targets = buildTargets(distributions, emptyPolicyCatalog(), {}, [], {
    tenants: new Map([['ETEMPLATE', { tenants: [tenant('dt_acme', 'acme', ['www.acme.test']), tenant('dt_globex', 'globex', ['*.globex.test', 'shop.globex.test'])], defaults: {} }]]),
  });
  const resolver: Resolver = {
    resolve4: async () => ['127.0.0.1'],
    resolve6: async () => {
      throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    },
  };
  report = await runScan(targets, {
    profile: getProfile('cloudfront-2025'),
    trust: trustStoreFromPems(ca, 'tenant edge test root'),
    expiryWarningDays: 30,
    concurrency: 8,
    connectTimeoutMs: 1500,
    deps: { resolver },
    edge: { probe: createEdgeProbe({ connectTo: (host, port) => edge.connectTo(host, port), extraCa: ca }), token: 'run1', timeoutMs: 10_000 },
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

describe('the edge check of a multi-tenant template, tenant by tenant', () => {
  it("sends each tenant's request to its first active domain (not a wildcard), as its viewers reach it", () => {
    expect(edge.requests.map((r) => [r.host, r.path]).sort()).toEqual([
      ['shop.globex.test', '/cf-origin-monitor-run1'],
      ['www.acme.test', '/cf-origin-monitor-run1'],
    ]);
  });

  it('a tenant CloudFront reaches: the answer is its evidence, no finding', () => {
    const acme = tenantReport('acme');
    expect(acme.status).toBe('ok');
    expect(acme.findings).toEqual([]);
    expect(acme.edge).toEqual([expect.objectContaining({ distributionDomainName: 'www.acme.test', host: 'www.acme.test', status: 200, xCache: 'Miss from cloudfront', server: 'tenant-origin' })]);
  });

  it("a tenant whose origin answers the monitor but not CloudFront: critical EDGE_502, with the request id and a curl of the tenant's domain", () => {
    const globex = tenantReport('globex');
    expect(globex.status).toBe('critical');
    const [f] = globex.findings.filter((x) => x.code === 'EDGE_502');
    expect(f.message).toMatch(/^only the edge check sees it: GET https:\/\/shop\.globex\.test\/cf-origin-monitor-run1 -> 502/);
    expect(f.evidence).toMatchObject({ requestId: expect.stringMatching(/==$/) });
    expect(f.reproduce).toBe("curl -sS -o /dev/null -D - 'https://shop.globex.test/cf-origin-monitor-run1' | grep -iE '^(HTTP|x-cache|x-amz-cf-pop|x-amz-cf-id|server)'");
  });
});

describe('edgeEntry', () => {
  const base: OriginTarget = {
    key: 'E1/o',
    distributionDomainName: 'd1.cloudfront.net',
    domainName: 'o.example.com',
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: 443,
    ports: [{ port: 443, tls: true }],
    sniNames: [],
    allowedVersions: ['TLSv1.2'],
    connectionTimeoutMs: 10_000,
    connectionAttempts: 3,
    edgeRoutes: [{ pathPattern: '*', precedingPatterns: [], method: 'GET', host: 'd1.cloudfront.net' }],
  };

  it("a distribution: its own domain; a staging distribution: none (only the primary's staged share reaches it)", () => {
    expect(edgeEntry(base)).toEqual({ domain: 'd1.cloudfront.net', routes: base.edgeRoutes });
    expect(edgeEntry({ ...base, paths: { staging: { primaryId: 'E0', traffic: { type: 'weight', weight: 0.05 } } } })).toBeUndefined();
    expect(edgeEntry({ ...base, edgeRoutes: [] })).toBeUndefined();
  });

  it('a tenant: its first active domain that is not a wildcard, or none; a behavior forwarding Host keeps the tenant domain it sends', () => {
    const tenant = (domains: string[]) => ({ ...base, distributionDomainName: undefined, paths: { tenant: { id: 'dt_1', name: 't', domains } } });
    const routes = [
      { pathPattern: '*', precedingPatterns: [], method: 'GET' as const, host: '-' },
      { pathPattern: '/app/*', precedingPatterns: [], method: 'GET' as const, host: 'b.example.com' },
      { pathPattern: '/wild/*', precedingPatterns: [], method: 'GET' as const, host: '*.example.com' },
    ];
    expect(edgeEntry({ ...tenant(['*.example.com', 'a.example.com', 'b.example.com']), edgeRoutes: routes })).toEqual({
      domain: 'a.example.com',
      routes: [
        { ...routes[0], host: 'a.example.com' },
        { ...routes[1], host: 'b.example.com' },
        { ...routes[2], host: 'a.example.com' },
      ],
    });
    expect(edgeEntry(tenant(['*.example.com']))).toBeUndefined();
    expect(edgeEntry(tenant([]))).toBeUndefined();
  });
});
