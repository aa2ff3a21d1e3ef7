/** The DNS probe through Node's real resolver against a real DNS server on loopback. */
import { promises as dns } from 'node:dns';
import { probeDns } from '../../lambda/probe/dns';
import { startDnsServer } from '../support/dns-server';

let dnsServer: Awaited<ReturnType<typeof startDnsServer>>;
let resolver: dns.Resolver;

beforeAll(async () => {
  dnsServer = await startDnsServer({
    'dual.origins.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10'] },
    'v6.origins.test': { AAAA: ['2001:db8::20'] },
    'empty.origins.test': {},
    'broken.origins.test': { rcode: 'SERVFAIL' },
  });
  resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dnsServer.server]);
});
afterAll(() => dnsServer.close());

it('returns every A and AAAA record, each to be probed on its own', async () => {
  expect(await probeDns('dual.origins.test', resolver)).toMatchObject({
    status: 'ok',
    addresses: [
      { address: '192.0.2.10', family: 4 },
      { address: '192.0.2.11', family: 4 },
      { address: '2001:db8::10', family: 6 },
    ],
  });
  expect((await probeDns('v6.origins.test', resolver)).addresses).toEqual([{ address: '2001:db8::20', family: 6 }]);
});

it('tells NXDOMAIN, a name without addresses and a failing resolver apart, from real DNS answers', async () => {
  expect(await probeDns('missing.origins.test', resolver)).toMatchObject({ status: 'nxdomain', addresses: [] });
  expect(await probeDns('empty.origins.test', resolver)).toMatchObject({ status: 'no-address', addresses: [] });
  expect(await probeDns('broken.origins.test', resolver)).toMatchObject({ status: 'error', error: 'ESERVFAIL' });
});

it('calls a resolver that does not answer a resolver failure, not a missing name', async () => {
  const silent = new dns.Resolver({ timeout: 200, tries: 1 });
  silent.setServers(['127.0.0.1:9']); // discard port: nothing answers
  const facts = await probeDns('dual.origins.test', silent);
  expect(facts.status).toBe('error');
  expect(facts.error).toMatch(/^E[A-Z]+$/);
});
