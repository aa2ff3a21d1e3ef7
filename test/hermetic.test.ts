/**
 * test/setup-env.ts keeps every test on loopback (demo/loopback-only.cjs): what it refuses, before anything leaves
 * the machine, in the jest process and in the processes the tests start.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import dns, { promises as dnsPromises } from 'node:dns';
import { join } from 'node:path';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

describe('hermetic tests', () => {
  it('refuse a connection to anything but loopback, by address or by name', () => {
    expect(() => net.connect(443, '192.0.2.1')).toThrow('hermetic tests: no connection to 192.0.2.1');
    expect(() => tls.connect({ host: 'd111111abcdef8.cloudfront.net', port: 443 })).toThrow(/no connection to d111111abcdef8\.cloudfront\.net/);
    expect(() => https.request({ host: 'example.com', port: 443 })).toThrow(/no HTTPS request to example\.com/);
  });

  it('allow loopback', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('close', r));
    await new Promise((r) => server.close(r));
  });

  it("refuse DNS asked of the machine's resolver, allow a resolver on loopback", () => {
    const system = new dnsPromises.Resolver();
    system.setServers(['192.0.2.53']);
    expect(() => system.resolve4('example.com')).toThrow(/no DNS query to 192\.0\.2\.53/);
    const local = new dnsPromises.Resolver({ timeout: 50, tries: 1 });
    local.setServers(['127.0.0.1:1']);
    return expect(local.resolve4('example.test')).rejects.toMatchObject({ code: expect.any(String) });
  });
});

describe('hermetic tests: the processes they start', () => {
  const ROOT = join(__dirname, '..');
  /** Spawns the CLI with an environment of its own (no NODE_OPTIONS given): the guard is added to it anyway. */
  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/cf-origin-monitor.cjs', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('refuse name look-ups of anything but loopback names in this process too', () => {
    expect(() => dns.lookup('example.com', () => undefined)).toThrow(/hermetic tests: no name look-up of example\.com/);
    return expect(dnsPromises.lookup('d111111abcdef8.cloudfront.net')).rejects.toThrow(/no name look-up of d111111abcdef8\.cloudfront\.net/);
  });

  it('a spawned CLI trying to reach a non-loopback address is refused there: the origin is not checked, nothing is sent', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737, documentation only): were the guard ever broken, the SYN would go nowhere.
    const { code, stdout } = await cli(['scan', '--origin', '192.0.2.1:443', '--format', 'json', '--no-progress', '--connect-timeout', '500']);
    const report = JSON.parse(stdout) as { origins: { status: string; uncheckedReason?: string }[] };
    expect(report.origins).toEqual([expect.objectContaining({ status: 'unchecked', uncheckedReason: expect.stringContaining('hermetic tests: no connection to 192.0.2.1 (only loopback)') })]);
    expect(code).toBe(1);
  }, 30_000);

  it('a spawned CLI asking a non-loopback resolver is refused there (a name with no --resolve)', async () => {
    // TEST-NET-1 (RFC 5737) and a reserved name: were the guard ever broken, nothing would reach a real resolver.
    const { code, stdout } = await cli(['scan', '--origin', 'www.example.invalid', '--dns-server', '192.0.2.53', '--format', 'json', '--no-progress']);
    const report = JSON.parse(stdout) as { origins: { status: string; uncheckedReason?: string }[] };
    expect(report.origins[0]).toMatchObject({ status: 'unchecked', uncheckedReason: expect.stringMatching(/hermetic tests: no DNS query to /) });
    expect(code).toBe(1);
  }, 30_000);

  it('a spawned CLI on loopback works as ever (the guard refuses only what leaves the machine)', async () => {
    const { code, stdout } = await cli(['scan', '--origin', '127.0.0.1:1', '--format', 'json', '--no-progress']);
    expect(JSON.parse(stdout).origins[0].findings.map((f: { code: string }) => f.code)).toEqual(['PORT_REFUSED']);
    expect(code).toBe(2);
  }, 30_000);

  it('refuse other programs named with a non-loopback address, a URL to one, or a DNS tool without a loopback server', () => {
    expect(() => spawn('openssl', ['s_client', '-connect', '192.0.2.1:443'])).toThrow(/hermetic tests: no child process .*names 192\.0\.2\.1/);
    expect(() => spawn('openssl', ['s_client', '-connect', 'example.com:443'])).toThrow(/openssl -connect example\.com:443/);
    expect(() => execFile('sh', ['-c', "curl -sS 'https://example.com/' | head -1"])).toThrow(/names https:\/\/example\.com/);
    expect(() => execFile('sh', ['-c', 'host -t A retired-api.origins.test'])).toThrow(/a DNS tool without a loopback server/);
    expect(() => spawnSync('nc', ['-vz', '2001:db8::1', '443'])).toThrow(/names 2001:db8::1/);
    expect(() => spawnSync('dig', ['@1.1.1.1', 'example.com'])).toThrow(/names 1\.1\.1\.1/);
  });

  it('allow them on loopback: openssl to 127.0.0.1, curl sent to loopback by --connect-to, host asking 127.0.0.1', async () => {
    const ran = (cmd: string) => new Promise<number | null>((resolve) => execFile('sh', ['-c', cmd], { timeout: 10_000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0)));
    // Nothing listens on port 1: each fails at once, on loopback.
    expect(await ran('openssl s_client -connect 127.0.0.1:1 </dev/null')).not.toBe(0);
    expect(await ran("curl -sS --max-time 5 --connect-to d111111abcdef8.cloudfront.net:443:127.0.0.1:1 'https://d111111abcdef8.cloudfront.net/'")).not.toBe(0);
    expect(await ran('host -W 1 -p 1 -t A example.test 127.0.0.1')).not.toBe(0);
    expect(spawnSync(process.execPath, ['-e', 'process.stdout.write(process.env.NODE_OPTIONS ?? "")'], { env: {} }).stdout.toString()).toContain('loopback-only.cjs');
  }, 30_000);
});
