/**
 * Issue #5: origins that misbehave must not hang, crash or starve a scan. One scan through runScan over every
 * hostile origin of test/support/hostile-servers.ts plus two healthy node:tls origins: every origin ends by its own
 * time-outs (none is cut by the scan deadline), every hostile origin gets a critical verdict with evidence, the
 * healthy ones stay ok, memory stays bounded. How long the scan takes is the benchmark's (bench/), not asserted here.
 *
 * Each origin has its own loopback address, so the scan's per-address connection limit does not serialise them
 * (the 50-address origin owns 127.0.0.1..127.0.0.50; the others are on 127.0.2.x and 127.0.3.x; IPv6 on ::1).
 */
import { DEFAULT_PROFILE, getProfile } from '../lambda/cloudfront/client-profile';
import type { OriginReport, OriginTarget, ScanReport } from '../lambda/model';
import { runScan } from '../lambda/pipeline';
import * as H from './support/hostile-servers';
import { chainPem, createPki, writeTempFiles, type TempFiles } from './support/pki';
import { listenTls } from './support/servers';

const CONNECT_TIMEOUT_MS = 1000;
/** Far beyond the origins' own time-outs: an origin still open when it passes is reported "not reached" (a hang). */
const SCAN_DEADLINE_MS = 10_000;
const RSS_GROWTH_BOUND_MB = 200;

interface Origin {
  name: string;
  server: H.HostileServer;
  /** Codes any one of which is an acceptable verdict (undefined: expected ok). */
  expect?: string[];
}

function target(name: string, addresses: string[], port: number): OriginTarget {
  return {
    key: name,
    domainName: name,
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: port,
    ports: [{ port, tls: true, behaviors: ['*'] }],
    sniNames: [{ name, source: 'origin-domain', behaviors: ['*'] }],
    allowedVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
    connectionTimeoutMs: 10_000,
    connectionAttempts: 3,
    // Dual-stack so the IPv6-only origin is reached; what IPv4-only CloudFront makes of it is tested in pipeline.test.ts.
    ipAddressType: 'dualstack',
    resolveOverride: addresses,
  };
}

async function startHealthy(host: string, key: string, cert: string): Promise<H.HostileServer> {
  const stats: H.HostileStats = { connections: 0, clientHellos: 0, bytesIn: 0, bytesOut: 0 };
  const { port, server, close } = await listenTls({ key, cert }, host, { onSecureConnection: (s) => s.end() });
  server.on('connection', () => stats.connections++);
  return { kind: 'healthy', host, port, addresses: [host], stats, close };
}

const criticalCodes = (r: OriginReport) => r.findings.filter((f) => f.severity === 'critical').map((f) => f.code);

describe('hostile origins (issue #5)', () => {
  const origins: Origin[] = [];
  let files: TempFiles;
  let report: ScanReport;
  let wallMs = 0;
  let rssGrowthMb = 0;
  let peakRssMb = 0;
  const host = (i: number) => `127.0.2.${i}`;

  beforeAll(async () => {
    const pki = await createPki({ name: 'hostile suite' });
    const names = ['healthy-a.hostile.test', 'healthy-b.hostile.test', 'ipv6-only.hostile.test'];
    const leaf = await pki.issueLeaf({ dnsNames: names });
    files = writeTempFiles({ 'root.pem': pki.root.certPem });
    const cert = chainPem(leaf, pki.intermediate);
    const short = { connectionLifetimeMs: 20_000 };
    const timeoutCodes = ['PORT_TIMEOUT', 'TLS_HANDSHAKE_FAILED'];
    const handshakeCodes = ['TLS_HANDSHAKE_FAILED', 'TLS_NO_COMMON_PROTOCOL', 'TLS_NO_COMMON_CIPHER'];
    origins.push(
      { name: 'silent.hostile.test', server: await H.startSilent({ ...short, host: host(1) }), expect: timeoutCodes },
      { name: 'drip.hostile.test', server: await H.startDrip({ ...short, host: host(2), intervalMs: 100 }), expect: timeoutCodes },
      { name: 'garbage.hostile.test', server: await H.startGarbage({ ...short, host: host(3) }), expect: handshakeCodes },
      { name: 'huge-record.hostile.test', server: await H.startHugeRecord({ ...short, host: host(4) }), expect: handshakeCodes },
      // Any critical code: the chain is untrusted (its root is not given to the scan), far too long, or both.
      { name: 'long-chain.hostile.test', server: await H.startLongChain({ ...short, host: host(5) }), expect: [] },
      { name: 'reset.hostile.test', server: await H.startResetMidHandshake({ ...short, host: host(6) }), expect: handshakeCodes },
      { name: 'hrr-forever.hostile.test', server: await H.startHrrForever({ ...short, host: host(7) }), expect: handshakeCodes },
      { name: 'wrong-suite.hostile.test', server: await H.startWrongSuite({ ...short, host: host(8) }), expect: handshakeCodes },
      { name: 'fifty-addresses.hostile.test', server: await H.startManyAddresses({ ...short, count: 50 }), expect: timeoutCodes },
      // Reachable over IPv6 only, and healthy: it must be probed over ::1 and judged on its merits.
      { name: 'ipv6-only.hostile.test', server: await H.startIpv6Only({ key: leaf.keyPem, cert }, short) },
      { name: 'healthy-a.hostile.test', server: await startHealthy('127.0.3.1', leaf.keyPem, cert) },
      { name: 'healthy-b.hostile.test', server: await startHealthy('127.0.3.2', leaf.keyPem, cert) },
    );

    const targets = origins.map((o) => target(o.name, o.server.addresses, o.server.port));
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = Date.now();
    try {
      report = await runScan(targets, {
        profile: getProfile(DEFAULT_PROFILE),
        caFiles: [files.paths['root.pem']],
        expiryWarningDays: 30,
        concurrency: targets.length,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        deadline: Date.now() + SCAN_DEADLINE_MS,
      });
    } finally {
      wallMs = Date.now() - t0;
      clearInterval(sampler);
    }
    peakRssMb = Math.max(peak, process.memoryUsage().rss) / 2 ** 20;
    rssGrowthMb = (peakRssMb * 2 ** 20 - rss0) / 2 ** 20;
    if (process.env.HOSTILE_VERBOSE) {
      const lines = report.origins.map((r) => {
        const s = origins.find((o) => o.name === r.key)!.server.stats;
        return `${r.key.padEnd(30)} ${r.status.padEnd(8)} ${String(r.durationMs).padStart(5)} ms  ${criticalCodes(r).join(',') || '-'}  conns=${s.connections} hellos=${s.clientHellos} out=${s.bytesOut}`;
      });
      console.log(`wall ${wallMs} ms, RSS growth ${rssGrowthMb.toFixed(1)} MB (peak ${peakRssMb.toFixed(1)} MB)\n${lines.join('\n')}`);
      if (process.env.HOSTILE_VERBOSE === '2') console.log(JSON.stringify(report.origins.map((r) => [r.key, r.findings.map((f) => [f.code, f.message, f.evidence])]), null, 1));
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(origins.map((o) => o.server.close()));
    files?.cleanup();
  });

  const byName = (name: string) => report.origins.find((r) => r.key === name)!;

  it('ends by each origin\'s own time-outs, never the scan deadline: every origin reported, none "not reached"', () => {
    expect(report.origins.map((r) => r.key).sort()).toEqual(origins.map((o) => o.name).sort());
    // An origin that hung the scan would be cut at the deadline: the report would be incomplete and say so on it.
    expect(report.incomplete).toBeUndefined();
    expect(report.origins.filter((r) => r.status === 'skipped')).toEqual([]);
    // The silent and the dripping origins ended because the handshake timed out (CloudFront's hello got no answer in time).
    for (const name of ['silent.hostile.test', 'drip.hostile.test']) {
      const hello = byName(name).findings.map((f) => f.evidence.cloudfrontHello as { kind?: string } | undefined).find(Boolean);
      expect({ name, kind: hello?.kind }).toEqual({ name, kind: 'timeout' });
    }
  });

  it('keeps memory bounded', () => {
    expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
  });

  it.each([
    'silent', 'drip', 'garbage', 'huge-record', 'long-chain', 'reset', 'hrr-forever', 'wrong-suite', 'fifty-addresses',
  ])('gives the %s origin a critical verdict with a finding code and evidence', (kind) => {
    const o = origins.find((x) => x.name === `${kind}.hostile.test`)!;
    const r = byName(o.name);
    expect(r.status).toBe('critical');
    const critical = r.findings.filter((f) => f.severity === 'critical');
    expect(critical.length).toBeGreaterThan(0);
    for (const f of critical) {
      expect(f.code).toMatch(/^[A-Z0-9_]+$/);
      expect(Object.keys(f.evidence).length).toBeGreaterThan(0);
    }
    if (o.expect?.length) expect(criticalCodes(r).some((c) => o.expect!.includes(c))).toBe(true);
  });

  it('names the suite the wrong-suite origin chose, and the bytes the drip origin sent', () => {
    const evidence = (name: string) => JSON.stringify(byName(name).findings.map((f) => f.evidence));
    expect(evidence('wrong-suite.hostile.test')).toMatch(/0x009e/i);
    expect(origins.find((o) => o.name === 'drip.hostile.test')!.server.stats.bytesOut).toBeGreaterThan(0);
  });

  it('does not loop on HelloRetryRequests', () => {
    const s = origins.find((o) => o.name === 'hrr-forever.hostile.test')!.server;
    expect(s.stats.clientHellos).toBeGreaterThan(0);
    // At most two ClientHellos per connection, and a bounded number of connections (verdict + detail probes).
    expect(s.stats.clientHellos).toBeLessThanOrEqual(2 * s.stats.connections);
    expect(s.stats.connections).toBeLessThanOrEqual(12);
  });

  it('stops reading the 16 MB handshake message early', () => {
    const s = origins.find((o) => o.name === 'huge-record.hostile.test')!.server;
    // The server streams as fast as the client reads; a client that buffered the whole message would let it
    // finish all 16 MB on every connection.
    expect(s.stats.bytesOut).toBeLessThan(s.stats.connections * 0xffffff);
  });

  it('accounts for every one of the 50 addresses: probed, or listed as not probed', () => {
    const o = origins.find((x) => x.name === 'fifty-addresses.hostile.test')!;
    const facts = byName(o.name).facts!;
    expect(facts.dns.addresses).toHaveLength(50);
    const probed = facts.endpoints.map((e) => e.address);
    const listed = (facts.notProbed ?? []).map((n) => n.what);
    expect(new Set([...probed, ...listed])).toEqual(new Set(o.server.addresses));
    expect(probed.length).toBeGreaterThan(0);
  });

  it('probes the IPv6-only origin over ::1 and reports it as usual', () => {
    const r = byName('ipv6-only.hostile.test');
    expect(r.facts!.endpoints.length).toBeGreaterThan(0);
    expect(r.facts!.endpoints.every((e) => e.family === 6 && e.address === '::1')).toBe(true);
    expect(r.status).toBe('ok');
  });

  it('reports the healthy origins in the same scan as ok', () => {
    for (const name of ['healthy-a.hostile.test', 'healthy-b.hostile.test']) {
      const r = byName(name);
      expect({ name, status: r.status, codes: criticalCodes(r) }).toEqual({ name, status: 'ok', codes: [] });
    }
  });
});
