/**
 * `npx tsx bench/edge.ts [--distributions N] [--behaviors M] [--origin-ms T]`: what the edge check adds to a scan.
 * N distributions of M behaviors each (default 50 x 4), every behavior on its own healthy origin that answers after
 * T ms (default 20), behind the fake CloudFront edge on loopback. Scans once with the edge check and once without,
 * and prints the requests sent, the time per distribution and the scan's extra wall time, against targets, and the
 * month's request count and CloudFront request price at the default schedule.
 */
import type { TLSSocket } from 'node:tls';
import { getProfile } from '../lambda/cloudfront/client-profile';
import { readDistributionList, emptyPolicyCatalog } from '../lambda/inventory/distributions';
import { buildTargets } from '../lambda/inventory/targets';
import { createEdgeProbe } from '../lambda/probe/edge';
import type { Resolver } from '../lambda/probe/dns';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { runScan } from '../lambda/pipeline';
import { startFakeEdge, type FakeEdgeRoute } from '../demo/fake-edge';
import { chainPem, createPki } from '../test/support/pki';
import { listenTls } from '../test/support/servers';
import { median } from './stats';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('distributions', 50);
const M = arg('behaviors', 4);
const ORIGIN_MS = arg('origin-ms', 20);
/** CloudFront HTTPS requests, US/Europe, list price per 10,000 (https://aws.amazon.com/cloudfront/pricing/). */
const PRICE_PER_10K_HTTPS = 0.01;
const RUNS_PER_MONTH = 2880; // every 15 minutes

async function main(): Promise<void> {
  const pki = await createPki({ name: 'Edge bench' });
  const leaf = await pki.issueLeaf({ dnsNames: ['origin.bench.test'] });
  const answer = (s: TLSSocket) =>
    s.once('data', () => setTimeout(() => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nServer: bench\r\nConnection: close\r\n\r\nnot found'), ORIGIN_MS));
  const origin = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate) }, '127.0.0.1', { onSecureConnection: answer, backlog: 1024 });
  const edgeLeaf = await pki.issueLeaf({ dnsNames: ['*.cloudfront.net'] });
  const domains = Array.from({ length: N }, (_, i) => `d${String(i).padStart(4, '0')}bench.cloudfront.net`);
  const routes: FakeEdgeRoute[] = domains.map((host) => ({
    host,
    prefix: '/',
    action: { kind: 'origin', host: '127.0.0.1', port: origin.port, servername: 'origin.bench.test', ca: [pki.root.certPem] },
  }));
  const edge = await startFakeEdge({ key: edgeLeaf.keyPem, cert: chainPem(edgeLeaf, pki.intermediate), routes });

  const behavior = (path: string | undefined, o: string) => ({ ...(path ? { PathPattern: path } : {}), TargetOriginId: o, ViewerProtocolPolicy: 'https-only' });
  const distributions = readDistributionList(
    {
      Items: domains.map((DomainName, i) => ({
        Id: `E${String(i).padStart(6, '0')}BENCH`,
        DomainName,
        Enabled: true,
        Aliases: { Quantity: 0 },
        Origins: {
          Quantity: M,
          Items: Array.from({ length: M }, (_, j) => ({
            Id: `o${j}`,
            DomainName: 'origin.bench.test',
            CustomOriginConfig: { HTTPPort: 80, HTTPSPort: origin.port, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } },
          })),
        },
        DefaultCacheBehavior: behavior(undefined, 'o0'),
        CacheBehaviors: { Quantity: M - 1, Items: Array.from({ length: M - 1 }, (_, j) => behavior(`/p${j + 1}/*`, `o${j + 1}`)) },
      })),
    },
    'DistributionList',
  );
  const targets = buildTargets(distributions, emptyPolicyCatalog());
  const resolver: Resolver = { resolve4: async () => ['127.0.0.1'], resolve6: async () => [] };
  const options = {
    profile: getProfile('cloudfront-2025'),
    trust: trustStoreFromPems([pki.root.certPem], 'bench root'),
    expiryWarningDays: 30,
    concurrency: 64,
    deps: { resolver },
  };

  const t0 = performance.now();
  await runScan(targets, options);
  const without = performance.now() - t0;
  const before = edge.requests.length;
  const t1 = performance.now();
  const report = await runScan(targets, { ...options, edge: { probe: createEdgeProbe({ connectTo: edge.connectTo, extraCa: [pki.root.certPem] }) } });
  const withEdge = performance.now() - t1;
  const requests = edge.requests.length - before;

  const perDistribution = new Map<string, number>();
  for (const o of report.origins) for (const e of o.edge ?? []) perDistribution.set(e.distributionDomainName, Math.max(perDistribution.get(e.distributionDomainName) ?? 0, e.totalMs));
  const perRequest = report.origins.flatMap((o) => o.edge ?? []).map((e) => e.totalMs);
  const monthly = requests * RUNS_PER_MONTH;
  const rows: [string, string, string][] = [
    ['distributions x behaviors', `${N} x ${M}`, ''],
    ['edge requests per run', String(requests), `= ${N * M} (one per behavior)`],
    ['time per request (median)', `${median(perRequest).toFixed(0)} ms`, `origin answers in ${ORIGIN_MS} ms`],
    ['time per distribution (median, behaviors in parallel)', `${median([...perDistribution.values()]).toFixed(0)} ms`, 'within 2x the request'],
    ['scan wall time without / with the edge check', `${(without / 1000).toFixed(2)} s / ${(withEdge / 1000).toFixed(2)} s`, 'the edge runs beside the probes'],
    ['requests a month (every 15 min)', monthly.toLocaleString('en-US'), 'CloudFront free tier: 10,000,000'],
    ['CloudFront request price a month (HTTPS, US/EU list)', `$${((monthly / 10_000) * PRICE_PER_10K_HTTPS).toFixed(2)}`, ''],
  ];
  for (const [k, v, t] of rows) process.stdout.write(`${k.padEnd(56)} ${v.padEnd(16)} ${t}\n`);
  const verdicts = new Set(report.origins.map((o) => o.status));
  process.stdout.write(`statuses: ${[...verdicts].join(', ')} (all ok expected)\n`);
  await edge.close();
  await origin.close();
}

void main();
