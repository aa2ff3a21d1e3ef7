/** test/setup-env.ts keeps every test on loopback: what it refuses, before anything leaves the machine. */
import { promises as dnsPromises } from 'node:dns';
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
