/**
 * runScan over real loopback servers, with the DNS answers injected: what the CLI and the Lambda both run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startFleet, type Fleet } from '../demo/fleet';
import { getProfile } from '../lambda/cloudfront/client-profile';
import type { OriginTarget } from '../lambda/model';
import { probeDns, type Resolver } from '../lambda/probe/dns';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { defaultProbeDeps, runScan, type ScanOptions } from '../lambda/pipeline';
import { chainPem } from './support/pki';
import { listenTls } from './support/servers';

const exec = promisify(execFile);
let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** A resolver answering from a table; `null` means NXDOMAIN, a string starting with E an error code. */
function resolver(table: Record<string, { v4?: string[] | string | null; v6?: string[] | string | null }>): Resolver {
  const answer = (value: string[] | string | null | undefined) => {
    if (value === null) throw errno('ENOTFOUND');
    if (value === undefined) throw errno('ENODATA');
    if (typeof value === 'string') throw errno(value);
    return value;
  };
  return {
    resolve4: async (name) => answer(table[name] ? table[name].v4 : null),
    resolve6: async (name) => answer(table[name] ? table[name].v6 : null),
  };
}

function target(id: string, overrides: Partial<OriginTarget> = {}): OriginTarget {
  const o = fleet.byId(id);
  return {
    key: `E1/${id}`,
    distributionId: 'E1',
    originId: id,
    domainName: o.name,
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: o.port,
    ports: [{ port: o.port, tls: true, behaviors: ['*'] }],
    sniNames: [{ name: o.name, source: 'origin-domain', behaviors: ['*'] }],
    allowedVersions: ['TLSv1.2'],
    connectionTimeoutMs: 1500,
    connectionAttempts: 3,
    ...overrides,
  };
}

function options(res: Resolver, extra: Partial<ScanOptions> = {}): ScanOptions {
  return {
    profile: getProfile('cloudfront-2025'),
    trust: trustStoreFromPems([fleet.pki.root.certPem], 'test root'),
    expiryWarningDays: 30,
    concurrency: 8,
    deps: { resolver: res },
    ...extra,
  };
}

describe('dns probe', () => {
  it('tells NXDOMAIN, a name without addresses and a failing resolver apart', async () => {
    const r = resolver({ 'empty.test': {}, 'broken.test': { v4: 'ESERVFAIL', v6: 'ESERVFAIL' }, 'both.test': { v4: ['192.0.2.1'], v6: ['2001:db8::1'] } });
    expect((await probeDns('missing.test', r)).status).toBe('nxdomain');
    expect((await probeDns('empty.test', r)).status).toBe('no-address');
    expect(await probeDns('broken.test', r)).toMatchObject({ status: 'error', error: 'ESERVFAIL' });
    expect((await probeDns('both.test', r)).addresses).toEqual([
      { address: '192.0.2.1', family: 4 },
      { address: '2001:db8::1', family: 6 },
    ]);
    expect((await probeDns('2001:db8::5', r)).status).toBe('literal');
    expect(await probeDns('x.test', r, ['::1'])).toMatchObject({ status: 'override', addresses: [{ address: '::1', family: 6 }] });
  });
});

describe('runScan', () => {
  it('probes each address on its own: one bad address of two is one finding that names it', async () => {
    const healthy = fleet.byId('healthy');
    // Two loopback addresses for one name; only 127.0.0.1 has the server on this port.
    const r = resolver({ [healthy.name]: { v4: ['127.0.0.1', '127.0.0.2'] } });
    const report = await runScan([target('healthy')], options(r));
    const [origin] = report.origins;
    expect(origin.status).toBe('critical');
    expect(origin.findings).toHaveLength(1);
    expect(origin.findings[0]).toMatchObject({ code: 'PORT_REFUSED', address: '127.0.0.2' });
    expect(origin.findings[0].message).toContain('on 1 of 2 addresses');
  });

  it('reports a name that does not resolve and still scans the other origins', async () => {
    const r = resolver({ [fleet.byId('healthy').name]: { v4: ['127.0.0.1'] } });
    const report = await runScan([target('healthy'), target('healthy', { key: 'E1/gone', originId: 'gone', domainName: 'gone.test' })], options(r));
    expect(report.origins.map((o) => o.status)).toEqual(['ok', 'critical']);
    expect(report.origins[1].findings[0].code).toBe('DNS_UNRESOLVABLE');
    expect(report.summary).toEqual({ origins: 2, ok: 1, warning: 0, critical: 1, skipped: 0, notReached: 0, unchecked: 0 });
  });

  it('reaches an IPv6-only origin over ::1 when its IP address type allows IPv6, and calls it a 502 when it does not', async () => {
    // The fleet's healthy certificate served on ::1 only: an IPv6-only origin.
    const leaf = await fleet.pki.issueLeaf({ dnsNames: [fleet.byId('healthy').name] });
    const v6 = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, fleet.pki.intermediate) }, '::1', { onSecureConnection: (s) => s.end() });
    try {
      const t = (ipAddressType?: 'ipv6' | 'dualstack') =>
        target('healthy', { httpsPort: v6.port, ports: [{ port: v6.port, tls: true }], ...(ipAddressType ? { ipAddressType } : {}) });
      const r = resolver({ [fleet.byId('healthy').name]: { v6: ['::1'] } });
      for (const type of ['ipv6', 'dualstack'] as const) {
        const report = await runScan([t(type)], options(r));
        expect(report.origins[0].status).toBe('ok');
        expect(report.origins[0].facts?.endpoints[0]).toMatchObject({ address: '::1', family: 6 });
      }
      // CloudFront's default IP address type is IPv4: an AAAA-only name gets it nowhere.
      const [byDefault] = (await runScan([t()], options(r))).origins;
      expect(byDefault.status).toBe('critical');
      expect(byDefault.findings[0]).toMatchObject({ code: 'DNS_UNRESOLVABLE', evidence: { ipAddressType: 'ipv4', addresses: ['::1'] } });
      expect(byDefault.findings[0].message).toContain('no A record');
    } finally {
      await v6.close();
    }
  });

  it('asks a TLS 1.3-only origin once by default, and without TLS 1.3 (TLS13_ONLY, an info) only when asked', async () => {
    const healthy = fleet.byId('healthy');
    const leaf = await fleet.pki.issueLeaf({ dnsNames: [healthy.name] });
    let connections = 0;
    const only13 = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, fleet.pki.intermediate), minVersion: 'TLSv1.3' }, '127.0.0.1', {
      onSecureConnection: (s) => s.end(),
    });
    only13.server.on('connection', () => connections++);
    try {
      const t = target('healthy', { httpsPort: only13.port, ports: [{ port: only13.port, tls: true }], allowedVersions: ['TLSv1.2'] });
      const r = resolver({ [healthy.name]: { v4: ['127.0.0.1'] } });
      const [plain] = (await runScan([t], options(r))).origins;
      expect(plain.status).toBe('ok');
      expect(plain.findings.map((f) => f.code)).toEqual([]);
      expect(plain.facts?.endpoints[0].details).toBeUndefined();
      expect(connections).toBe(1);

      for (const check of [true, () => true] as const) {
        connections = 0;
        const [asked] = (await runScan([t], options(r, { checkWithoutTls13: check }))).origins;
        expect(asked.status).toBe('ok');
        expect(asked.findings.map((f) => f.code)).toEqual(['TLS13_ONLY']);
        expect(connections).toBe(2);
      }
    } finally {
      await only13.close();
    }
  });

  it('uses only the addresses of the family CloudFront uses (IPv4 by default)', async () => {
    const healthy = fleet.byId('healthy');
    const r = resolver({ [healthy.name]: { v4: ['127.0.0.1'], v6: ['::1'] } });
    const [o] = (await runScan([target('healthy')], options(r))).origins;
    expect(o.facts?.endpoints.map((e) => e.address)).toEqual(['127.0.0.1']);
  });

  it('says a failing primary fails over to a healthy secondary, keeping its severity', async () => {
    const groups = (role: 'primary' | 'secondary', partner: string) => [{ groupId: 'g1', role, partnerOriginId: partner }];
    const primary = target('expired', { originGroups: groups('primary', 'healthy'), resolveOverride: ['127.0.0.1'] });
    const secondary = target('healthy', { originGroups: groups('secondary', 'expired'), resolveOverride: ['127.0.0.1'] });
    const report = await runScan([primary, secondary], options(resolver({})));
    expect(report.origins[0].status).toBe('critical');
    expect(report.origins[0].originGroups?.[0]).toMatchObject({ failsOver: true, partnerStatus: 'ok' });
  });

  it('keeps scanning when one origin cannot be probed, and says why on that origin (unchecked: never a quiet skip)', async () => {
    const broken = target('expired', { key: 'E1/broken', originId: 'broken', allowedVersions: [], resolveOverride: ['127.0.0.1'] });
    const report = await runScan([broken, target('healthy', { resolveOverride: ['127.0.0.1'] })], options(resolver({}), { profile: getProfile('cloudfront-legacy') }));
    expect(report.origins[0]).toMatchObject({ status: 'unchecked', uncheckedReason: "could not be probed: cloudfront-legacy offers none of the origin's SSL protocols (none)" });
    expect(report.summary).toMatchObject({ unchecked: 1, skipped: 0 });
    expect(report.origins[1].status).toBe('ok');

    const exploding = await runScan([target('healthy', { resolveOverride: ['127.0.0.1'] }), target('expired', { resolveOverride: ['127.0.0.1'] })], {
      ...options(resolver({})),
      deps: { hello: async (r) => (r.port === fleet.byId('healthy').port ? Promise.reject(new Error('boom\nsecond line')) : defaultProbeDeps().hello(r)) },
    });
    expect(exploding.origins.map((o) => o.status)).toEqual(['unchecked', 'critical']);
    expect(exploding.origins[0].uncheckedReason).toBe('could not be probed: boom');
  });

  it('skips what it is told to skip, and says why', async () => {
    const report = await runScan([target('healthy', { skip: { reason: 'CloudFront connects to S3 itself' } })], options(resolver({})));
    expect(report.origins[0]).toMatchObject({ status: 'skipped', skippedReason: 'CloudFront connects to S3 itself', findings: [] });
  });

  it('an origin the inventory could not prepare is unchecked with its reason, without a probe; the others scanned', async () => {
    const hellos: number[] = [];
    const report = await runScan(
      [
        target('expired', { key: 'E2/*', distributionId: 'E2', resolveOverride: ['127.0.0.1'], unchecked: { reason: 'the distribution could not be read: ListDistributions page 1: nope' } }),
        target('healthy', { resolveOverride: ['127.0.0.1'] }),
      ],
      { ...options(resolver({})), deps: { hello: async (r) => (hellos.push(r.port), defaultProbeDeps().hello(r)) } },
    );
    expect(report.origins[0]).toMatchObject({ key: 'E2/*', status: 'unchecked', uncheckedReason: 'the distribution could not be read: ListDistributions page 1: nope', findings: [] });
    expect(report.origins[0].skippedReason).toBeUndefined();
    expect(report.origins[1].status).toBe('ok');
    expect(report.summary).toMatchObject({ origins: 2, ok: 1, unchecked: 1, skipped: 0 });
    // The healthy one was probed; the unchecked one never (it would be critical: expired).
    expect(hellos).toContain(fleet.byId('healthy').port);
    expect(hellos).not.toContain(fleet.byId('expired').port);
  });

  it('a VPC origin nothing checks: unchecked when the edge check is off (naming the switch); skipped when the edge check has no way in', async () => {
    const vpc = target('healthy', { key: 'E1/private', ports: [], sniNames: [], vpcOrigin: { id: 'vo_1' } });
    const off = await runScan([vpc], options(resolver({})));
    expect(off.origins[0]).toMatchObject({
      status: 'unchecked',
      uncheckedReason: 'VPC origin: private: not reachable from the internet, and the edge check is off: turn it on (drop --no-edge, or edgeCheck=true), or deploy the VPC probe (vpcProbe)',
    });
    // Edge check on, but no request through CloudFront reaches the origin (a disabled or staging distribution, no behavior).
    const noWayIn = await runScan([vpc], options(resolver({}), { edge: { probe: async () => Promise.reject(new Error('not sent')) } }));
    expect(noWayIn.origins[0]).toMatchObject({ status: 'skipped', skippedReason: expect.stringContaining('no request through CloudFront reaches it') });
    expect(noWayIn.summary).toMatchObject({ skipped: 1, unchecked: 0 });
  });

  it('starts nothing after the deadline and names what it did not reach', async () => {
    const targets = ['healthy', 'expired', 'wrong-name'].map((id) => target(id, { resolveOverride: ['127.0.0.1'] }));
    const report = await runScan(targets, options(resolver({}), { deadline: Date.now() - 1, concurrency: 1 }));
    expect(report.incomplete?.notScanned).toEqual(['E1/healthy', 'E1/expired', 'E1/wrong-name']);
    expect(report.origins.every((o) => o.status === 'skipped')).toBe(true);
    expect(report.summary).toMatchObject({ origins: 3, skipped: 0, notReached: 3 });
  });
});

describe('the cf-origin-monitor command', () => {
  it('runs from the checkout and exits 2 on a critical finding', async () => {
    const o = fleet.byId('self-signed');
    const result = await exec(
      process.execPath,
      ['bin/cf-origin-monitor.cjs', 'scan', '--origin', `${o.name}:${o.port}`, '--resolve', `${o.name}:${o.port}:127.0.0.1`, '--ca-file', fleet.caFile, '--format', 'json'],
      { cwd: `${__dirname}/..`, timeout: 20_000 },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).origins[0].findings[0].code).toBe('CERT_SELF_SIGNED');
  }, 30_000);
});
