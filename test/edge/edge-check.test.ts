/**
 * The edge check and the vantage table with real parts: real TLS origins on loopback, a fake CloudFront edge (an
 * HTTPS reverse proxy that connects from 127.0.0.2 and answers as CloudFront does), the inventory read from the
 * SDK's shapes, and runScan as the CLI and the Lambda run it.
 */
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import type { TLSSocket } from 'node:tls';
import { getProfile } from '../../lambda/cloudfront/client-profile';
import { readDistributionList } from '../../lambda/inventory/distributions';
import { buildTargets } from '../../lambda/inventory/targets';
import { emptyPolicyCatalog } from '../../lambda/inventory/distributions';
import type { OriginReport, ScanReport } from '../../lambda/model';
import { createEdgeProbe } from '../../lambda/probe/edge';
import type { Resolver } from '../../lambda/probe/dns';
import { trustStoreFromPems } from '../../lambda/probe/trust-store';
import { runScan } from '../../lambda/pipeline';
import { allowOnlyFrom, FAKE_POP, startFakeEdge, type FakeEdge, type FakeEdgeAction } from '../support/fake-edge';
import { chainPem, createPki, type Pki } from '../support/pki';
import { freePort, listenTls, type Listening } from '../support/servers';

const DOMAIN = 'd111edge.cloudfront.net';
const BROKEN_DOMAIN = 'd222broken.cloudfront.net';
const DAY = 86_400_000;

let pki: Pki;
let edge: FakeEdge;
const servers: Listening[] = [];
const ports: Record<string, number> = {};
let refusedPort: number;
let report: ScanReport;

const answer = (status: number, extra = '') => (s: TLSSocket) =>
  s.once('data', () => s.end(`HTTP/1.1 ${status} X\r\nContent-Length: 2\r\nServer: test-origin${extra}\r\nConnection: close\r\n\r\nok`));

async function origin(id: string, opts: Parameters<typeof listenTls>[0] = {}, onSecure: (s: TLSSocket) => void = answer(404), leafDays = 90): Promise<void> {
  const name = `${id}.origins.test`;
  const now = Date.now();
  const leaf = await pki.issueLeaf({ dnsNames: [name], ...(leafDays < 0 ? { notBefore: new Date(now - 90 * DAY), notAfter: new Date(now + leafDays * DAY) } : {}) });
  const server = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate), ...opts }, '127.0.0.1', { onSecureConnection: onSecure });
  servers.push(server);
  ports[id] = server.port;
}

function customOrigin(id: string, extra: Record<string, unknown> = {}, readTimeout = 30) {
  return {
    Id: id,
    DomainName: `${id}.origins.test`,
    CustomOriginConfig: { HTTPPort: 80, HTTPSPort: ports[id], OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: readTimeout, ...extra },
    ConnectionAttempts: 1,
    ConnectionTimeout: 2,
  };
}

function behavior(path: string | undefined, originId: string, extra: Record<string, unknown> = {}) {
  return { ...(path ? { PathPattern: path } : {}), TargetOriginId: originId, ViewerProtocolPolicy: 'https-only', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', ...extra };
}

const byId = (id: string): OriginReport => {
  const r = report.origins.find((o) => o.originId === id);
  if (!r) throw new Error(`no report for ${id}`);
  return r;
};
const codes = (id: string) => byId(id).findings.map((f) => f.code).sort();

beforeAll(async () => {
  pki = await createPki({ name: 'Edge Test' });
  const clientPki = await createPki({ name: 'Origin mTLS clients' });
  const clientCert = await clientPki.issueLeaf({ dnsNames: ['cloudfront-client.test'], extendedKeyUsages: ['clientAuth'] });
  refusedPort = await freePort();

  await origin('healthy');
  await origin('allowlisted');
  const allow = allowOnlyFrom('127.0.0.2');
  servers[servers.length - 1].server.prependListener('connection', allow);
  await origin('mtls', { requestCert: true, rejectUnauthorized: true, ca: [clientPki.root.certPem] });
  await origin('expired', {}, answer(200), -3);
  await origin('app'); // healthy; its behavior's function sends requests elsewhere
  await origin('guarded'); // behind WAF
  await origin('fn'); // answered by a function
  await origin('slow', {}, (s) => s.once('data', () => setTimeout(() => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'), 1700)));
  await origin('stalled', {}, () => undefined);
  await origin('failing', {}, answer(503, '\r\nX-Origin: awselb'));
  await origin('broken-dist');

  const ca = [pki.root.certPem];
  const to = (id: string, extra: Partial<Extract<FakeEdgeAction, { kind: 'origin' }>> = {}): FakeEdgeAction => ({
    kind: 'origin',
    host: '127.0.0.1',
    port: ports[id],
    servername: `${id}.origins.test`,
    ca,
    connectTimeoutMs: 1500,
    readTimeoutMs: 4000,
    ...extra,
  });
  const edgeLeaf = await pki.issueLeaf({ dnsNames: ['*.cloudfront.net'] });
  edge = await startFakeEdge({
    key: edgeLeaf.keyPem,
    cert: chainPem(edgeLeaf, pki.intermediate),
    routes: [
      { host: DOMAIN, prefix: '/healthy/', action: to('healthy') },
      { host: DOMAIN, prefix: '/allow/', action: to('allowlisted') },
      { host: DOMAIN, prefix: '/mtls/', action: to('mtls', { clientCert: { key: clientCert.keyPem, cert: chainPem(clientCert, clientPki.intermediate) } }) },
      { host: DOMAIN, prefix: '/expired/', action: to('expired') },
      // The viewer-request function sends /app/ requests to an origin that refuses connections.
      { host: DOMAIN, prefix: '/app/', action: { kind: 'origin', host: '127.0.0.1', port: refusedPort, servername: 'new-backend.origins.test', ca } },
      { host: DOMAIN, prefix: '/waf/', action: { kind: 'waf' } },
      { host: DOMAIN, prefix: '/fn/', action: { kind: 'function', status: 200, body: 'hello from the edge' } },
      { host: DOMAIN, prefix: '/slow/', action: to('slow') },
      { host: DOMAIN, prefix: '/stalled/', action: to('stalled', { readTimeoutMs: 800 }) },
      { host: DOMAIN, prefix: '/failing/', action: to('failing') },
      { host: DOMAIN, prefix: '/', action: to('healthy') },
    ],
  });

  const distributions = readDistributionList(
    {
      Items: [
        {
          Id: 'E1EDGETEST',
          DomainName: DOMAIN,
          Enabled: true,
          Aliases: { Quantity: 0 },
          Origins: {
            Quantity: 10,
            Items: [
              customOrigin('healthy'),
              customOrigin('allowlisted'),
              customOrigin('mtls', { OriginMtlsConfig: { ClientCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/mtls-client' } }),
              customOrigin('expired'),
              customOrigin('app'),
              customOrigin('guarded'),
              customOrigin('fn'),
              customOrigin('slow', {}, 2),
              customOrigin('stalled', {}, 1),
              customOrigin('failing'),
            ],
          },
          DefaultCacheBehavior: behavior(undefined, 'healthy'),
          CacheBehaviors: {
            Quantity: 10,
            Items: [
              behavior('/healthy/*', 'healthy', { AllowedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] } }),
              behavior('/allow/*', 'allowlisted'),
              behavior('/mtls/*', 'mtls'),
              behavior('/expired/*', 'expired'),
              behavior('/app/*', 'app', {
                FunctionAssociations: { Quantity: 1, Items: [{ FunctionARN: 'arn:aws:cloudfront::123456789012:function/route-to-new-backend', EventType: 'viewer-request' }] },
              }),
              behavior('/waf/*', 'guarded'),
              behavior('/fn/*', 'fn'),
              behavior('/slow/*', 'slow'),
              behavior('/stalled/*', 'stalled'),
              behavior('/failing/*', 'failing'),
            ],
          },
        } as unknown as DistributionSummary,
        {
          Id: 'E2BROKENEDGE',
          DomainName: BROKEN_DOMAIN,
          Enabled: true,
          Aliases: { Quantity: 0 },
          Origins: { Quantity: 1, Items: [customOrigin('broken-dist')] },
          DefaultCacheBehavior: behavior(undefined, 'broken-dist'),
        } as unknown as DistributionSummary,
      ],
    },
    'DistributionList',
  );
  const targets = buildTargets(distributions, emptyPolicyCatalog());

  const names = new Set(targets.map((t) => t.domainName));
  const resolver: Resolver = {
    resolve4: async (name) => {
      if (!names.has(name)) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return ['127.0.0.1'];
    },
    resolve6: async () => {
      throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    },
  };
  const probe = createEdgeProbe({
    // Everything stays on loopback: the distribution that is "unreachable" goes to a port nobody listens on.
    connectTo: (host, port) => (host === BROKEN_DOMAIN ? { host: '127.0.0.1', port: refusedPort } : (edge.connectTo(host, port) ?? { host: '127.0.0.1', port: refusedPort })),
    extraCa: [pki.root.certPem],
  });
  report = await runScan(targets, {
    profile: getProfile('cloudfront-2025'),
    trust: trustStoreFromPems([pki.root.certPem], 'edge test root'),
    expiryWarningDays: 30,
    concurrency: 16,
    connectTimeoutMs: 1500,
    deps: { resolver },
    edge: { probe, token: 'run1', timeoutMs: 10_000 },
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
  await Promise.all(servers.map((s) => s.close()));
});

describe('the requests through CloudFront', () => {
  it('sends one request per behavior, on a path unique to the run that only that behavior matches, with a User-Agent naming the monitor and no credentials', () => {
    const paths = edge.requests.map((r) => r.path).sort();
    expect(paths).toEqual(
      ['/allow/', '/app/', '/expired/', '/failing/', '/fn/', '/healthy/', '/mtls/', '/slow/', '/stalled/', '/waf/', '/']
        .map((p) => `${p}cf-origin-monitor-run1`)
        .sort(),
    );
    for (const r of edge.requests) {
      expect(r.method).toBe('GET');
      expect(r.host).toBe(DOMAIN);
      expect(r.userAgent).toMatch(/^cloudfront-origin-monitor\/\S+ \(edge check/);
      expect(r.cookie).toBeUndefined();
      expect(r.authorization).toBeUndefined();
    }
  });

  it('keeps the POP and the request id of each answer as evidence', () => {
    const e = byId('healthy').edge ?? [];
    expect(e.map((x) => x.pathPattern).sort()).toEqual(['*', '/healthy/*']);
    for (const x of e) {
      // CloudFront marks any error status "Error from cloudfront", the origin's own 404 too: its Server header says whose.
      expect(x).toMatchObject({ status: 404, xCache: 'Error from cloudfront', pop: FAKE_POP, server: 'test-origin' });
      expect(x.requestId).toMatch(/^[\w-]{56}==$/);
      expect(x.headersMs).toBeGreaterThanOrEqual(0);
    }
    expect(byId('healthy').status).toBe('ok');
    expect(codes('healthy')).toEqual([]);
  });
});

describe('the vantage table, row by row', () => {
  it('cannot connect directly (an allowlist of the edge address) + CloudFront reaches it: not an alert, reachable only from CloudFront', () => {
    const o = byId('allowlisted');
    expect(o.status).toBe('ok');
    expect(codes('allowlisted')).toEqual(['ORIGIN_CLOUDFRONT_ONLY']);
    const f = o.findings[0];
    expect(f.severity).toBe('info');
    expect(f.message).toMatch(/reachable only from CloudFront: the monitor cannot connect directly \(TLS_HANDSHAKE_FAILED (reset|closed) on 127\.0\.0\.1:\d+\)/);
    expect(f.message).toContain('direct checks not made: the TLS handshake and the certificate chain');
    expect(f.evidence.edge).toMatchObject({ status: 404, pop: FAKE_POP });
  });

  it('a client certificate demanded by an origin mTLS origin + CloudFront (which has the certificate) reaches it: reachable only from CloudFront', () => {
    const o = byId('mtls');
    expect(o.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(codes('mtls')).toEqual(['MTLS_CERT_UNREADABLE', 'ORIGIN_CLOUDFRONT_ONLY']);
    const f = o.findings.find((x) => x.code === 'ORIGIN_CLOUDFRONT_ONLY');
    expect(f?.message).toContain('client-certificate-required');
    expect(f?.evidence.clientCertificateArn).toBe('arn:aws:acm:us-east-1:123456789012:certificate/mtls-client');
    // The server certificate was still judged (it is sent before the client certificate is asked for).
    expect(o.facts?.endpoints[0].chain?.problems).toEqual([]);
  });

  it('critical directly + CloudFront answers its own 502: the alert says "confirmed through CloudFront" with the POP and request id', () => {
    const o = byId('expired');
    expect(o.status).toBe('critical');
    const f = o.findings.find((x) => x.code === 'CERT_EXPIRED');
    expect(f?.message).toMatch(new RegExp(`confirmed through CloudFront: 502 at POP ${FAKE_POP}, request id [\\w-]{56}==`));
    expect(f?.evidence.confirmedThroughCloudFront).toMatchObject({ status: 502, xCache: 'Error from cloudfront', server: 'CloudFront', cloudfrontSays: "CloudFront wasn't able to connect to the origin." });
    expect(codes('expired')).not.toContain('EDGE_502');
  });

  it('fine directly + CloudFront answers its own 502 (a function chose another origin): critical EDGE_502 with the evidence, marked "chosen at run time"', () => {
    const o = byId('app');
    expect(o.status).toBe('critical');
    expect(codes('app')).toEqual(['EDGE_502', 'ORIGIN_CHOSEN_AT_RUNTIME']);
    const f = o.findings[0];
    expect(f.message).toMatch(/^only the edge check sees it: GET https:\/\/d111edge\.cloudfront\.net\/app\/cf-origin-monitor-run1 -> 502 \(Error from cloudfront\), POP LOOP50-P1, request id /);
    expect(f.message).toContain('the origin may be chosen at run time by CloudFront Function route-to-new-backend');
    expect(f.evidence).toMatchObject({ status: 502, pop: FAKE_POP, requestId: expect.stringMatching(/==$/) });
    expect(f.reproduce).toContain("curl -sS -o /dev/null -D - 'https://d111edge.cloudfront.net/app/cf-origin-monitor-run1'");
    expect(o.runtimeOrigin).toEqual([{ pathPattern: '/app/*', hooks: [{ kind: 'cloudfront-function', arn: 'arn:aws:cloudfront::123456789012:function/route-to-new-backend', eventType: 'viewer-request' }] }]);
  });

  it('fine directly + CloudFront times out on the origin (504): critical EDGE_504', () => {
    expect(byId('stalled').status).toBe('critical');
    expect(codes('stalled')).toEqual(['EDGE_504']);
    expect(byId('stalled').findings[0].evidence).toMatchObject({ status: 504, xCache: 'Error from cloudfront' });
  });

  it('not conclusive: refused at the edge (WAF) or answered by a function: the direct verdict stands, and the report says why', () => {
    expect(byId('guarded').status).toBe('ok');
    expect(codes('guarded')).toEqual(['EDGE_REFUSED']);
    expect(byId('guarded').findings[0].message).toMatch(/^refused at the edge \(AWS WAF/);
    expect(byId('fn').status).toBe('ok');
    expect(codes('fn')).toEqual(['EDGE_FUNCTION_ANSWER']);
    expect(byId('fn').findings[0].message).toMatch(/^a CloudFront Function answered at the edge \(200\)/);
  });

  it('not conclusive: the monitor cannot reach CloudFront itself: info, never the origin\'s alert', () => {
    const o = byId('broken-dist');
    expect(o.status).toBe('ok');
    expect(codes('broken-dist')).toEqual(['EDGE_CHECK_FAILED']);
    expect(o.findings[0].message).toMatch(/the request to CloudFront failed \(connect: ECONNREFUSED/);
  });
});

describe('what the edge check adds whatever the direct probe says', () => {
  it("an origin's own 5xx through CloudFront is critical EDGE_ORIGIN_5XX, with the origin's Server header", () => {
    expect(codes('failing')).toEqual(['EDGE_ORIGIN_5XX']);
    expect(byId('failing').findings[0].message).toMatch(/^through CloudFront the origin answers 503 \(Server: test-origin\)/);
  });

  it("warns when the origin's answer takes more than 80% of its OriginReadTimeout", () => {
    const o = byId('slow');
    expect(o.status).toBe('warning');
    expect(codes('slow')).toEqual(['EDGE_ORIGIN_SLOW']);
    expect(o.findings[0].message).toMatch(/^the origin's answer took \d+ ms, \d+% of its OriginReadTimeout \(2 s\)/);
  });
});
