/** The DNS probe through Node's real resolver against a real DNS server on loopback. */
import { promises as dns } from 'node:dns';
import { DEFAULT_RESOLVER_POLICY, probeDns, steadyResolver } from '../../lambda/probe/dns';
import { startDnsServer, type DnsServer } from '../support/dns-server';

let dnsServer: DnsServer;
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

it('retries a failing look-up, with backoff, and says how many tries it made; an answer is never retried', async () => {
  const fast = { ...DEFAULT_RESOLVER_POLICY, backoffMs: 10 };
  const before = dnsServer.stats.received;
  expect(await probeDns('broken.origins.test', steadyResolver(resolver, fast))).toMatchObject({ status: 'error', error: 'ESERVFAIL', attempts: 4 });
  expect(dnsServer.stats.received - before).toBe(8); // A and AAAA, four tries each
  const again = dnsServer.stats.received;
  expect(await probeDns('missing.origins.test', steadyResolver(resolver, fast))).toMatchObject({ status: 'nxdomain' });
  expect(dnsServer.stats.received - again).toBe(2); // NXDOMAIN is an answer: asked once per type
});

describe('a busy resolver (a real DNS server on loopback that handles 8 queries at once)', () => {
  const NAMES = 300;
  const zone = Object.fromEntries(Array.from({ length: NAMES }, (_, i) => [`o${i}.busy.test`, { A: [`192.0.2.${i % 250}`] }]));
  const names = Object.keys(zone);

  async function lookAll(server: DnsServer, wrap: (r: dns.Resolver) => Parameters<typeof probeDns>[1]) {
    const r = new dns.Resolver({ timeout: 400, tries: 1 });
    r.setServers([server.server]);
    const wrapped = wrap(r);
    const facts = await Promise.all(names.map((n) => probeDns(n, wrapped)));
    const counts: Record<string, number> = {};
    for (const f of facts) counts[f.status] = (counts[f.status] ?? 0) + 1;
    return counts;
  }

  it.each(['servfail', 'drop'] as const)('overload answered by %s: every look-up at once fails many; capped and retried, none', async (overload) => {
    const busy = await startDnsServer(zone, { delayMs: 15, capacity: 8, overload });
    try {
      const raw = await lookAll(busy, (r) => r);
      // The old behaviour: hundreds of healthy names "do not resolve".
      expect(raw.error ?? 0).toBeGreaterThan(NAMES / 3);
      const steady = await lookAll(busy, (r) => steadyResolver(r, { ...DEFAULT_RESOLVER_POLICY, backoffMs: 50 }));
      expect(steady).toEqual({ ok: NAMES });
    } finally {
      await busy.close();
    }
  }, 30_000);

  it('keeps at most maxInFlight look-ups at the resolver', async () => {
    const busy = await startDnsServer(zone, { delayMs: 5, capacity: 1000, overload: 'drop' });
    try {
      expect(await lookAll(busy, (r) => steadyResolver(r, { maxInFlight: 6, attempts: 1, backoffMs: 0 }))).toEqual({ ok: NAMES });
      expect(busy.stats.peakInFlight).toBeLessThanOrEqual(6);
      expect(busy.stats.peakInFlight).toBeGreaterThan(1);
    } finally {
      await busy.close();
    }
  }, 30_000);

  it('a resolver that is down does not cost every look-up all its tries: after a run of failures the rest fail at once', async () => {
    const silent = await startDnsServer(zone, { delayMs: 1, capacity: 0, overload: 'drop' }); // answers nothing
    try {
      const counts = await lookAll(silent, (r) => steadyResolver(r, { ...DEFAULT_RESOLVER_POLICY, backoffMs: 20 }));
      expect(counts).toEqual({ error: NAMES });
      // Every look-up with all its tries would be 600 x 4 = 2,400 queries (60 s and more: bench/dns-load.ts times it).
      expect(silent.stats.received).toBeLessThan(200);
    } finally {
      await silent.close();
    }
  }, 30_000);

  it('closes the breaker again when the resolver answers', async () => {
    let down = true;
    const inner = {
      resolve4: async (n: string) => {
        if (down) throw Object.assign(new Error('ETIMEOUT'), { code: 'ETIMEOUT' });
        return [n.length > 0 ? '192.0.2.1' : ''];
      },
      resolve6: async () => {
        throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
      },
    };
    const r = steadyResolver(inner, { maxInFlight: 8, attempts: 2, backoffMs: 0 });
    for (let i = 0; i < 4; i++) await expect(r.resolve4(`a${i}`)).rejects.toMatchObject({ code: 'ETIMEOUT', attempts: 2 }); // 8 tries
    await expect(r.resolve4('b')).rejects.toMatchObject({ code: 'ETIMEOUT', attempts: 0 }); // not asked
    down = false;
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => r.resolve4(`c${i}`)));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1); // the one in eight asked
    await expect(r.resolve4('d')).resolves.toEqual(['192.0.2.1']); // closed again: every look-up asked
    expect((await probeDns('e', r)).status).toBe('ok');
  });
});
