/**
 * `cf-origin-monitor scan --origin` against real servers on loopback: one per condition, and a healthy twin.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startFleet, type Fleet, type FleetOrigin } from '../demo/fleet';
import { EXIT } from '../lambda/cli';
import type { ScanReport } from '../lambda/model';
import { cli } from './support/cli';
import { writeTempFiles } from './support/pki';

const run = promisify(execFile);

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

function scanArgs(o: FleetOrigin, extra: string[] = []): string[] {
  return [
    'scan',
    '--origin', `${o.name}:${o.port}`,
    '--resolve', `${o.name}:${o.port}:${o.address}`,
    '--ca-file', fleet.caFile,
    '--protocols', o.allowedVersions.join(','),
    '--connect-timeout', '1500',
    '--format', 'json',
    ...extra,
  ];
}

async function scanJson(o: FleetOrigin, extra: string[] = []): Promise<{ code: number; report: ScanReport }> {
  const { code, stdout, stderr } = await cli(scanArgs(o, extra));
  if (!stdout) throw new Error(`no report; stderr: ${stderr}`);
  return { code, report: JSON.parse(stdout) as ScanReport };
}

const CONDITIONS = [
  'expired', 'not-yet-valid', 'expiring', 'self-signed', 'private-ca', 'no-intermediate', 'wrong-order', 'wrong-name',
  'refused', 'firewalled', 'tls10-only', 'legacy-tls10', 'chacha-only', 'p521-only', 'plain-http', 'client-cert', 'tls13-only',
];

describe('scan --origin against real local servers', () => {
  it.each(['healthy', 'healthy-rsa'])('reports the %s origin as ok with no finding, exit 0', async (id) => {
    const { code, report } = await scanJson(fleet.byId(id));
    expect(report.schemaVersion).toBe(1);
    expect(report.origins[0].status).toBe('ok');
    expect(report.origins[0].findings).toEqual([]);
    expect(report.summary).toMatchObject({ origins: 1, ok: 1, critical: 0 });
    expect(code).toBe(EXIT.OK);
  });

  it.each(CONDITIONS)('%s: reports its condition with evidence, a why, a fix and a reproduce command', async (id) => {
    const origin = fleet.byId(id);
    // TLS13_ONLY (an info) needs the second, no-TLS-1.3 handshake, which a scan makes only when asked.
    const { code, report } = await scanJson(origin, id === 'tls13-only' ? ['--check-without-tls13'] : []);
    const [result] = report.origins;
    const finding = result.findings.find((f) => f.code === origin.expect);
    expect({ id, codes: result.findings.map((f) => f.code) }).toEqual({ id, codes: expect.arrayContaining([origin.expect]) });
    expect(Object.keys(finding!.evidence).length).toBeGreaterThan(0);
    expect(finding!.why).toMatch(/https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com|repost\.aws)/);
    expect(finding!.fix.length).toBeGreaterThan(10);
    expect(finding!.reproduce).toContain(String(origin.port));
    expect(finding!.message).not.toMatch(/\n/);
    const critical = result.findings.some((f) => f.severity === 'critical');
    expect(code).toBe(critical ? EXIT.CRITICAL : EXIT.OK);
    expect(result.status).toBe(critical ? 'critical' : result.findings.some((f) => f.severity === 'warning') ? 'warning' : 'ok');
  });

  it('names what the server chose or sent as evidence', async () => {
    const { report } = await scanJson(fleet.byId('wrong-name'));
    const f = report.origins[0].findings.find((x) => x.code === 'CERT_NAME_MISMATCH')!;
    expect(JSON.stringify(f.evidence)).toContain('other-site.test');
    const { report: r2 } = await scanJson(fleet.byId('chacha-only'));
    expect(JSON.stringify(r2.origins[0].findings[0].evidence)).toContain('CHACHA20');
  });

  it('checks every name CloudFront sends: the viewer Host forwarded as SNI must be on the certificate too', async () => {
    const o = fleet.byId('healthy');
    const { report } = await scanJson(o, ['--sni', o.name, '--sni', 'www.shop.test']);
    const mismatches = report.origins[0].findings.filter((f) => f.code === 'CERT_NAME_MISMATCH');
    expect(mismatches.map((f) => f.sniName)).toEqual(['www.shop.test']);
  });

  it('asks a TLS 1.3-only origin once unless --check-without-tls13: no TLS13_ONLY, status ok, exit 0', async () => {
    const { code, report } = await scanJson(fleet.byId('tls13-only'));
    expect(report.origins[0].findings).toEqual([]);
    expect(report.origins[0].facts?.endpoints[0].details).toBeUndefined();
    expect(code).toBe(EXIT.OK);
  });

  it('keeps the certificates (DER) in the JSON of origins with findings, and of healthy ones only with --full-chain', async () => {
    const certs = (r: ScanReport) => (r.origins[0].facts?.endpoints[0].hello?.outcome as { hello?: { certificates?: string[]; certificatesSent?: number } }).hello;
    const healthy = (await scanJson(fleet.byId('healthy'))).report;
    expect(certs(healthy)).toMatchObject({ certificatesSent: 2 });
    expect(certs(healthy)?.certificates).toBeUndefined();
    expect(healthy.origins[0].facts?.endpoints[0].chain?.certificates).toHaveLength(2);
    const full = (await scanJson(fleet.byId('healthy'), ['--full-chain'])).report;
    expect(certs(full)?.certificates).toHaveLength(2);
    expect(Buffer.from(certs(full)!.certificates![0], 'base64')[0]).toBe(0x30); // DER SEQUENCE
    const expired = (await scanJson(fleet.byId('expired'))).report;
    expect(certs(expired)?.certificates?.length).toBeGreaterThan(0);
  });

  it('reads --resolve entries from a file (--resolve-file), and names the file and line of a bad one', async () => {
    const o = fleet.byId('healthy');
    const files = writeTempFiles({
      'resolve.txt': `# addresses for the test\n\n${o.name}:${o.port}:${o.address}  # the healthy one\n`,
      'bad.txt': `${o.name}:${o.port}:${o.address}\nnot-an-entry\n`,
    });
    try {
      const args = scanArgs(o).filter((a, i, all) => a !== '--resolve' && all[i - 1] !== '--resolve');
      const { code, stdout } = await cli([...args, '--resolve-file', files.paths['resolve.txt']]);
      const report = JSON.parse(stdout) as ScanReport;
      expect(report.origins[0].status).toBe('ok');
      expect(report.origins[0].facts?.endpoints[0].address).toBe(o.address);
      expect(code).toBe(EXIT.OK);
      const bad = await cli([...args, '--resolve-file', files.paths['bad.txt']]);
      expect(bad.code).toBe(EXIT.FAILED);
      expect(bad.stderr.trim()).toMatch(/bad\.txt line 2: "not-an-entry" is not HOST:PORT:ADDRESS/);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stdout).toBe('');
    } finally {
      files.cleanup();
    }
  });

  it('judges a TLS 1.3-only origin critical under the legacy profile', async () => {
    const { code, report } = await scanJson(fleet.byId('tls13-only'), ['--profile', 'cloudfront-legacy']);
    expect(report.profile).toBe('cloudfront-legacy');
    expect(report.origins[0].findings.map((f) => f.code)).toContain('TLS_NO_COMMON_PROTOCOL');
    expect(code).toBe(EXIT.CRITICAL);
  });

  it('reports every chain problem at once, not only the first', async () => {
    const { report } = await scanJson(fleet.byId('wrong-name'), ['--sni', 'www.shop.test', '--expiry-warning-days', '365']);
    const codes = report.origins[0].findings.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['CERT_NAME_MISMATCH', 'CERT_EXPIRING_SOON']));
  });

  it('prints a table for people with the finding, its fix and its reproduce command', async () => {
    const o = fleet.byId('expired');
    const { code, stdout } = await cli(scanArgs(o).filter((a) => a !== 'json' && a !== '--format'));
    expect(code).toBe(EXIT.CRITICAL);
    expect(stdout).toContain('CRITICAL');
    expect(stdout).toContain('CERT_EXPIRED');
    expect(stdout).toContain('fix:');
    expect(stdout).toContain('reproduce: openssl s_client');
    expect(stdout).not.toContain('\x1b['); // no colour when not on a terminal
  });
});

describe('the reproduce commands reproduce', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  const maybe = hasOpenssl ? it : it.skip;

  maybe.each(['tls10-only', 'chacha-only'])('%s: the command fails where the healthy origin passes', async (id) => {
    const { report } = await scanJson(fleet.byId(id));
    const cmd = report.origins[0].findings[0].reproduce!;
    const failing = await run('bash', ['-c', cmd], { timeout: 10_000 }).then(() => 0, (e: { code: number }) => e.code);
    expect(failing).not.toBe(0);
    const healthy = fleet.byId('healthy');
    const twin = cmd.replace(`127.0.0.1:${fleet.byId(id).port}`, `127.0.0.1:${healthy.port}`).replace(/-servername \S+/, `-servername ${healthy.name}`);
    await expect(run('bash', ['-c', twin], { timeout: 10_000 })).resolves.toBeDefined();
  });
});

describe('bad input gets one clear line and exit 1', () => {
  it.each([
    [['scan', '--origin', 'a.test', '--protocols', 'TLSv1.4'], /TLSv1\.4/],
    [['scan', '--origin', 'a.test', '--resolve', 'nonsense'], /HOST:PORT:ADDRESS/],
    [['scan', '--origin', 'a.test', '--concurrency', 'many'], /whole number/],
    [['scan', '--origin', 'a.test', '--format', 'xml'], /xml/],
    [['scan', '--origin', 'a.test', '--ca-file', '/nonexistent/root.pem'], /nonexistent/],
    [['scan', '--origin', 'a.test', '--resolve-file', '/nonexistent/resolve.txt'], /--resolve-file \/nonexistent\/resolve.txt: no such file/],
  ])('%j', async (args, pattern) => {
    const { code, stderr } = await cli(args as string[]);
    expect(code).toBe(EXIT.FAILED);
    expect(stderr).toMatch(pattern);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
