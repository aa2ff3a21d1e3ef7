/**
 * The CLI's input, output and resolver behaviour with real parts: a TLS origin, a DNS server and a fake CloudFront
 * API on loopback, each counting what reaches it, so "checked before any network I/O" is measured, not assumed.
 */
import { spawn } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { EXIT } from '../lambda/cli';
import type { ScanReport } from '../lambda/model';
import { loadHosts } from '../lambda/probe/hosts';
import { hermeticChildEnv, HERMETIC_AWS_ENV, withEnv } from './support/aws-env';
import { cli } from './support/cli';
import { startDnsServer, type DnsServer } from './support/dns-server';
import { startFakeCloudFront, type FakeCloudFront } from './support/fake-cloudfront-api';
import { chainPem, createPki, writeTempFiles, type TempFiles } from './support/pki';
import { freePort, listenTls, type Listening } from './support/servers';
import { INVENTORY_FILE } from './inventory/fixtures';

const NAME = 'app.origins.test';
let origin: Listening;
let connections = 0;
let dnsServer: DnsServer;
let api: FakeCloudFront;
let files: TempFiles;
let restoreEnv: () => void;

beforeAll(async () => {
  const pki = await createPki();
  const leaf = await pki.issueLeaf({ dnsNames: [NAME] });
  origin = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate) });
  origin.server.on('connection', () => connections++);
  // The public DNS of this test: NAME does not exist there; flaky.origins.test's servers fail.
  dnsServer = await startDnsServer({ 'flaky.origins.test': { rcode: 'SERVFAIL' } });
  api = await startFakeCloudFront({ distributions: [] });
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint });
  files = writeTempFiles({
    'ca.pem': pki.root.certPem,
    hosts: `# a new origin, before DNS is cut over\n127.0.0.1   ${NAME.toUpperCase()} other-alias.test\n::1 ip6-only.test\n`,
    'inventory.json': readFileSync(INVENTORY_FILE, 'utf8'),
    'truncated.json': JSON.stringify({ ...JSON.parse(readFileSync(INVENTORY_FILE, 'utf8')), NextToken: 'eyJNYXJrZXIiOiBudWxsfQ==' }),
  });
}, 30_000);
afterAll(async () => {
  restoreEnv?.();
  await Promise.all([origin?.close(), dnsServer?.close(), api?.close()]);
  files?.cleanup();
});

/** Network I/O seen so far: DNS queries, TCP connections to the origin, CloudFront API requests. */
const io = () => ({ dns: dnsServer.stats.received, tcp: connections, api: api.requests.length });
const viaTestDns = () => ['--dns-server', dnsServer.server];

describe('every flag is checked before any network I/O: one line, exit 1', () => {
  const o = () => `${NAME}:${origin.port}`;
  it.each<[string, () => string[], RegExp]>([
    ['empty --origin (not an account scan)', () => ['--origin', ''], /--origin.*empty/],
    ['empty --sni (not a skipped name check)', () => ['--origin', o(), '--sni', ''], /--sni.*empty/],
    ['an oversized --sni', () => ['--origin', o(), '--sni', `${'a'.repeat(250)}.test`], /--sni.*at most 253/],
    ['a --sni label over 63', () => ['--origin', o(), '--sni', `${'a'.repeat(64)}.test`], /--sni.*at most 63/],
    ['a wildcard --sni', () => ['--origin', o(), '--sni', '*.shop.test'], /wildcard/],
    ['a URL of another scheme', () => ['--origin', 'ftp://files.test'], /http:\/\/ or https:\/\//],
    ['a URL with a password', () => ['--origin', 'https://user:hunter2@app.test/'], /user name or password/],
    ['brackets around a non-address', () => ['--origin', '[app.test]:443'], /not an IPv6 address/],
    ['too many colons', () => ['--origin', 'fe80::zz'], /not an IPv6 address/],
    ['a mistyped IPv4 address', () => ['--origin', '300.1.2.3'], /neither an IPv4 address nor a host name/],
    ['a bad port', () => ['--origin', `${NAME}:99999`], /not a port number/],
    ['--resolve to a name', () => ['--origin', o(), '--resolve', `${NAME}:${origin.port}:localhost`], /"localhost".*not an IP address/],
    ['--resolve to a short IPv4', () => ['--origin', o(), '--resolve', `${NAME}:${origin.port}:127.1`], /not an IP address/],
    ['--resolve for another host', () => ['--origin', o(), '--resolve', `othr.origins.test:${origin.port}:127.0.0.1`], /matches no origin of the scan \(origins: app\.origins\.test:\d+\)/],
    ['--resolve for another port', () => ['--origin', o(), '--resolve', `${NAME}:1:127.0.0.1`], /matches no origin/],
    ['--resolve twice for one host and port', () => ['--origin', o(), '--resolve', `${NAME}:${origin.port}:127.0.0.1`, '--resolve', `${NAME}:${origin.port}:127.0.0.2`], /same host and port/],
    ['--sni with an inventory', () => ['--inventory', files.paths['inventory.json'], '--sni', 'x.test'], /--sni applies only with --origin/],
    ['--protocols in an account scan', () => ['--protocols', 'TLSv1.2'], /--protocols applies only with --origin/],
    ['--distribution with --origin', () => ['--origin', o(), '--distribution', 'E2QWRUHEXAMPLE'], /--distribution does not apply with --origin/],
    ['--policies with --origin', () => ['--origin', o(), '--policies', files.paths['ca.pem']], /--policies applies only with --inventory/],
    ['an empty --distribution', () => ['--distribution', ''], /--distribution.*empty/],
    ['a --distribution that is not an id', () => ['--distribution', 'https://console.aws.amazon.com/x'], /not a CloudFront distribution id/],
    ['an http:// URL with --policy https-only', () => ['--origin', `http://${NAME}`, '--policy', 'https-only'], /disagree/],
    ['the URL port and --https-port', () => ['--origin', `https://${NAME}:8443`, '--https-port', '443'], /disagree/],
    ['--https-port for an HTTP-only origin', () => ['--origin', `http://${NAME}:8080`, '--https-port', '443'], /--https-port: the origin is HTTP only/],
    ['--http-port for an HTTPS-only origin', () => ['--origin', o(), '--http-port', '80'], /--http-port: the origin is HTTPS only/],
    ['--sni for an HTTP-only origin', () => ['--origin', `http://${NAME}`, '--sni', NAME], /HTTP only/],
    ['--hosts-file with --dns public', () => ['--origin', o(), '--dns', 'public', '--hosts-file', files.paths.hosts], /--hosts-file does not apply with --dns public/],
    ['a missing --hosts-file', () => ['--origin', o(), '--hosts-file', '/nonexistent/hosts'], /\/nonexistent\/hosts: cannot read/],
    ['a resolver by name', () => ['--origin', o(), '--dns-server', 'dns.google'], /not an IP address \(a resolver is given by address/],
    ['an empty --output', () => ['--origin', o(), '--output', ''], /--output.*empty/],
    ['--output in a missing directory', () => ['--origin', o(), '--output', '/nonexistent/dir/report.json'], /--output: cannot write .*does not exist/],
    ['--output naming the inventory', () => ['--inventory', files.paths['inventory.json'], '--output', files.paths['inventory.json']], /is the --inventory file/],
    ['--output naming a directory', () => ['--origin', o(), '--output', files.dir], /is a directory/],
    ['a truncated inventory (--max-items)', () => ['--inventory', files.paths['truncated.json']], /NextToken: the file holds the first page\(s\) only.*aws cloudfront list-distributions/],
    ['--origin and --inventory', () => ['--origin', o(), '--inventory', files.paths['inventory.json']], /either --origin or --inventory/],
  ])('%s', async (_what, args, pattern) => {
    const before = io();
    const inventoryBefore = readFileSync(files.paths['inventory.json'], 'utf8');
    const { code, stdout, stderr } = await cli(['scan', ...args(), ...viaTestDns(), '--ca-file', files.paths['ca.pem']]);
    expect({ code, stderr }).toEqual({ code: EXIT.FAILED, stderr: expect.stringMatching(pattern) });
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('hunter2');
    expect(stdout).toBe('');
    expect(io()).toEqual(before);
    expect(readFileSync(files.paths['inventory.json'], 'utf8')).toBe(inventoryBefore);
  });
});

describe('--origin forms', () => {
  const resolve = () => ['--resolve', `${NAME}:${origin.port}:127.0.0.1`, '--ca-file', files.paths['ca.pem'], '--format', 'json'];

  it('takes scheme, host and port from a URL (the path ignored)', async () => {
    const { code, stdout } = await cli(['scan', '--origin', `https://${NAME.toUpperCase()}:${origin.port}/health?x=1`, ...resolve()]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(report.origins[0]).toMatchObject({ domainName: NAME, status: 'ok', ports: [{ port: origin.port, tls: true }] });
    expect(code).toBe(EXIT.OK);
  });

  it('takes IPv4 and IPv6 literals, with and without brackets', async () => {
    const refused = await freePort();
    for (const [value, key] of [
      [`127.0.0.1:${refused}`, `127.0.0.1:${refused}`],
      [`[::1]:${refused}`, `[::1]:${refused}`],
      ['::1', '[::1]:443'],
      [`http://[::1]:${refused}/`, `[::1]:${refused}`],
    ]) {
      const { stdout } = await cli(['scan', '--origin', value, '--ip-address-type', 'dualstack', '--format', 'json', '--connect-timeout', '500']);
      const [o] = (JSON.parse(stdout) as ScanReport).origins;
      expect({ value, key: o.key, dns: o.facts?.dns.status }).toEqual({ value, key, dns: 'literal' });
    }
  });
});

describe('a resolver that fails is the monitor\'s fault: "not checked", exit 1', () => {
  it('reports the origin as not checked, never DNS_UNRESOLVABLE, and exits 1 (not 0, not 2)', async () => {
    const before = dnsServer.stats.received;
    const { code, stdout, stderr } = await cli(['scan', '--origin', `flaky.origins.test:${origin.port}`, '--dns', 'public', ...viaTestDns()]);
    expect(code).toBe(EXIT.FAILED);
    expect(stdout).toMatch(/^UNCHECKED\s+flaky\.origins\.test$/m);
    expect(stdout).toContain('not checked: resolver failed: ESERVFAIL after 4 tries');
    expect(stdout).toContain("1 not checked (the monitor's fault)");
    expect(stdout).not.toContain('DNS_UNRESOLVABLE');
    expect(stderr).toMatch(/^cf-origin-monitor: 1 origin\(s\) not checked: resolver failed: ESERVFAIL after 4 tries/);
    expect(dnsServer.stats.received - before).toBe(8); // A and AAAA, four tries each
  }, 20_000);

  it('a name that does not exist is still DNS_UNRESOLVABLE, exit 2', async () => {
    const { code, stdout } = await cli(['scan', '--origin', `gone.origins.test:${origin.port}`, '--dns', 'public', ...viaTestDns(), '--format', 'json']);
    const [o] = (JSON.parse(stdout) as ScanReport).origins;
    expect(o.findings.map((f) => f.code)).toEqual(['DNS_UNRESOLVABLE']);
    expect(code).toBe(EXIT.CRITICAL);
  });
});

describe('the hosts file, read as the system reads it', () => {
  const args = (...extra: string[]) => ['scan', '--origin', `${NAME}:${origin.port}`, '--ca-file', files.paths['ca.pem'], ...viaTestDns(), ...extra];

  it('finds a new origin in the hosts file before DNS knows it, and says the address came from there', async () => {
    const before = dnsServer.stats.received;
    const json = await cli(args('--hosts-file', files.paths.hosts, '--format', 'json'));
    const [o] = (JSON.parse(json.stdout) as ScanReport).origins;
    expect(o.status).toBe('ok');
    expect(o.facts?.dns).toMatchObject({ status: 'hosts-file', hostsFile: files.paths.hosts, addresses: [{ address: '127.0.0.1', family: 4 }] });
    expect(json.code).toBe(EXIT.OK);
    expect(dnsServer.stats.received).toBe(before); // a name in the hosts file never reaches DNS
    const table = await cli(args('--hosts-file', files.paths.hosts));
    expect(table.stdout).toContain(`addresses from the hosts file ${files.paths.hosts}: 127.0.0.1 (CloudFront uses public DNS; --dns public checks what it sees)`);
  });

  it('--dns public skips it: CloudFront would not find the name', async () => {
    const { code, stdout } = await cli(args('--dns', 'public', '--format', 'json'));
    expect((JSON.parse(stdout) as ScanReport).origins[0].findings.map((f) => f.code)).toEqual(['DNS_UNRESOLVABLE']);
    expect(code).toBe(EXIT.CRITICAL);
  });

  it("agrees with getaddrinfo (dns.lookup, as curl and openssl resolve) on this machine's own hosts file", async () => {
    const hosts = loadHosts();
    const entry = hosts?.lookup('localhost');
    if (!hosts || !entry || hosts.order !== 'files-first') return void expect(hosts === undefined || !entry || hosts.order === 'dns-first').toBe(true);
    const system = await dns.lookup('localhost', { all: true });
    expect(new Set(entry.addresses)).toEqual(new Set(system.map((a) => a.address)));
  });
});

describe('output', () => {
  it('writes --output atomically: the old file replaced whole (a new inode), no temporary file left', async () => {
    const out = `${files.dir}/report.json`;
    writeFileSync(out, 'old report');
    const inode = statSync(out).ino;
    const { code, stderr } = await cli(['scan', '--origin', `${NAME}:${origin.port}`, '--resolve', `${NAME}:${origin.port}:127.0.0.1`, '--ca-file', files.paths['ca.pem'], '--format', 'json', '--output', out]);
    expect(code).toBe(EXIT.OK);
    expect(stderr).toMatch(/^wrote .*report\.json: 1 origin\(s\), 1 ok/);
    expect((JSON.parse(readFileSync(out, 'utf8')) as ScanReport).summary.ok).toBe(1);
    expect(statSync(out).ino).not.toBe(inode);
    expect(readdirSync(files.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a reader that closes the pipe early (| head) ends the command quietly: no EPIPE, no stack trace', async () => {
    const refused = await freePort();
    const child = spawn(process.execPath, ['bin/cf-origin-monitor.cjs', 'scan', '--origin', `127.0.0.1:${refused}`, '--format', 'json', '--connect-timeout', '500'], {
      cwd: `${__dirname}/..`,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // closed before the report is written
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.CRITICAL); // the scan's own verdict (PORT_REFUSED)
  }, 30_000);
});

describe('the AWS API path from the command line', () => {
  it('no credentials: exactly one line, naming aws configure, AWS_PROFILE and --inventory (no SDK notice before it)', async () => {
    const env: Record<string, string> = { ...hermeticChildEnv(), PATH: process.env.PATH ?? '', HOME: files.dir, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint };
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const child = spawn(process.execPath, ['bin/cf-origin-monitor.cjs', 'scan'], { cwd: `${__dirname}/..`, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(/^cf-origin-monitor: no AWS credentials found: run `aws configure`.*AWS_PROFILE.*--inventory FILE.*\n$/);
    expect(stderr.split('\n')).toHaveLength(2);
    expect({ code, stdout }).toEqual({ code: EXIT.FAILED, stdout: '' });
    expect(existsSync(`${files.dir}/.aws`)).toBe(false);
  }, 30_000);
});
