/** Many distributions often point at one load balancer: within a scan, each question to it is asked once. */
import { startFleet, type Fleet } from '../demo/fleet';
import { getProfile } from '../lambda/cloudfront/client-profile';
import type { HelloResult, OriginTarget } from '../lambda/model';
import { defaultProbeDeps, runScan } from '../lambda/pipeline';
import type { HelloRequest } from '../lambda/probe/origin-probe';
import { trustStoreFromPems } from '../lambda/probe/trust-store';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
}, 60_000);
afterAll(() => fleet?.close());

function target(distributionId: string, id: string, sni: string[] = []): OriginTarget {
  const o = fleet.byId(id);
  return {
    key: `${distributionId}/${id}`,
    distributionId,
    originId: id,
    domainName: o.name,
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: o.port,
    ports: [{ port: o.port, tls: true }],
    sniNames: [o.name, ...sni].map((name) => ({ name, source: name === o.name ? 'origin-domain' : 'viewer-host', behaviors: ['*'] }) as const),
    allowedVersions: ['TLSv1.2'],
    connectionTimeoutMs: 2000,
    connectionAttempts: 3,
    resolveOverride: ['127.0.0.1'],
  };
}

it('asks each question once per scan, and still judges every origin entry on its own names', async () => {
  const asked: HelloRequest[] = [];
  const real = defaultProbeDeps();
  const hello = (r: HelloRequest): Promise<HelloResult> => {
    asked.push(r);
    return real.hello(r);
  };
  const options = { profile: getProfile('cloudfront-2025'), trust: trustStoreFromPems([fleet.pki.root.certPem], 'test'), expiryWarningDays: 30, concurrency: 8, deps: { hello } };

  const alone = await runScan([target('E1', 'expired')], options);
  const perOrigin = asked.length;
  asked.length = 0;

  const shared = await runScan([target('E1', 'expired'), target('E2', 'expired'), target('E3', 'expired', ['www.shop.test'])], options);
  // Two entries ask exactly what the single one asked; the third adds only its extra name.
  const extraName = asked.filter((r) => r.offer.serverName === 'www.shop.test').length;
  expect(asked.length - extraName).toBe(perOrigin);
  expect(extraName).toBeGreaterThan(0);

  const codes = shared.origins.map((o) => o.findings.map((f) => `${f.code}:${f.sniName}`).sort());
  expect(codes[0]).toEqual(alone.origins[0].findings.map((f) => `${f.code}:${f.sniName}`).sort());
  expect(codes[1]).toEqual(codes[0]);
  expect(codes[2]).toEqual(expect.arrayContaining([...codes[0], 'CERT_NAME_MISMATCH:www.shop.test']));

  // A new scan asks again: nothing is kept across scans.
  asked.length = 0;
  await runScan([target('E1', 'expired')], options);
  expect(asked.length).toBe(perOrigin);
});
