/**
 * The scan's certificate cache (lambda/probe/chain/cache.ts) saves parses and signature checks, and never changes a
 * verdict: every chain is judged the same with a warm cache as with none, and what depends on the clock or the name
 * is still judged per chain.
 */
import { analyzeChain, ChainCache, type AnalyzeChainOptions } from '../../lambda/probe/chain';
import { trustStoreFromPems, type TrustStore } from '../../lambda/probe/trust-store';
import { createPki, selfSigned, type IssuedCert, type Pki } from '../support/pki';

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

let pki: Pki;
let other: Pki;
let trust: TrustStore;
let leaves: IssuedCert[];
let chains: { name: string; der: Buffer[]; serverName: string }[];

beforeAll(async () => {
  [pki, other] = await Promise.all([createPki({ name: 'cache' }), createPki({ name: 'cache-other' })]);
  trust = trustStoreFromPems([pki.root.certPem], 'test roots');
  leaves = await Promise.all(Array.from({ length: 6 }, (_, i) => pki.issueLeaf({ dnsNames: [`o${i}.example.test`] })));
  const expiring = await pki.issueLeaf({ dnsNames: ['soon.example.test'], notAfter: new Date(Date.now() + 10 * DAY) });
  const foreign = await other.issueLeaf({ dnsNames: ['foreign.example.test'] });
  const self = await selfSigned({ dnsNames: ['self.example.test'] });
  const i = pki.intermediate.der;
  chains = [
    ...leaves.map((l, n) => ({ name: `healthy ${n}`, der: [l.der, i], serverName: `o${n}.example.test` })),
    { name: 'name mismatch', der: [leaves[0].der, i], serverName: 'other.example.test' },
    { name: 'incomplete', der: [leaves[1].der], serverName: 'o1.example.test' },
    { name: 'wrong order', der: [leaves[2].der, pki.root.der, i], serverName: 'o2.example.test' },
    { name: 'leaf not first', der: [i, leaves[3].der], serverName: 'o3.example.test' },
    { name: 'expiring', der: [expiring.der, i], serverName: 'soon.example.test' },
    { name: 'untrusted root', der: [foreign.der, other.intermediate.der, other.root.der], serverName: 'foreign.example.test' },
    { name: 'self-signed', der: [self.der], serverName: 'self.example.test' },
    { name: 'garbage', der: [Buffer.from('not a certificate')], serverName: 'o0.example.test' },
  ];
});

const judge = (der: Buffer[], opts: Partial<AnalyzeChainOptions> & { serverName: string }) =>
  analyzeChain(der, { now: NOW, trust, expiryWarningDays: 30, ...opts });

describe('the per-scan certificate cache', () => {
  it('every verdict is the same with one warm cache as with a fresh cache per chain, twice over', () => {
    const shared = new ChainCache();
    for (let round = 0; round < 2; round++) {
      for (const c of chains) {
        const cold = judge(c.der, { serverName: c.serverName, cache: new ChainCache() });
        const warm = judge(c.der, { serverName: c.serverName, cache: shared });
        expect({ name: c.name, ...warm }).toEqual({ name: c.name, ...cold });
      }
    }
    // The verdicts are not all alike: the fleet above is judged, not waved through.
    const verdicts = chains.map((c) => judge(c.der, { serverName: c.serverName, cache: shared }));
    const codes = verdicts.map((v) => v.problems.map((p) => p.code));
    expect(verdicts.filter((v) => v.problems.length === 0 && !v.certificateError)).toHaveLength(6);
    expect(verdicts.at(-1)?.certificateError).toMatch(/cannot be parsed/);
    expect(new Set(codes.flat())).toEqual(
      new Set(['CERT_NAME_MISMATCH', 'CERT_CHAIN_INCOMPLETE', 'CERT_CHAIN_ORDER', 'CERT_LEAF_NOT_FIRST', 'CERT_EXPIRING_SOON', 'CERT_UNTRUSTED_ROOT', 'CERT_SELF_SIGNED']),
    );
  });

  it('the shared intermediate is parsed once and its link to the root checked once; each leaf once', () => {
    const cache = new ChainCache();
    leaves.forEach((l, n) => expect(judge([l.der, pki.intermediate.der], { serverName: `o${n}.example.test`, cache }).problems).toEqual([]));
    // 6 leaves + 1 intermediate parsed; the intermediate 5 times from the cache.
    expect(cache.stats).toMatchObject({ parsed: 7, parseHits: 5 });
    // leaf <- intermediate per leaf (6), intermediate <- root once; the other 5 from the cache.
    expect(cache.stats.verified).toBe(7);
    expect(cache.stats.linkHits).toBeGreaterThanOrEqual(5);
  });

  it('canonical buffers: one per shared certificate, same bytes, never a slice of a larger buffer', () => {
    const cache = new ChainCache();
    judge([leaves[0].der, pki.intermediate.der], { serverName: 'o0.example.test', cache });
    // As a flight carries it: a slice of a larger buffer.
    const flight = Buffer.concat([Buffer.alloc(100), pki.intermediate.der, Buffer.alloc(100)]);
    const sent = flight.subarray(100, 100 + pki.intermediate.der.length);
    const a = cache.canonical(sent);
    expect(a.equals(pki.intermediate.der)).toBe(true);
    expect(a.buffer.byteLength).toBe(a.length);
    expect(cache.canonical(Buffer.from(pki.intermediate.der))).toBe(a);
    const unknown = cache.canonical(leaves[5].der);
    expect(unknown.equals(leaves[5].der)).toBe(true);
    expect(unknown.buffer.byteLength).toBe(unknown.length);
  });

  it('time-dependent checks stay per chain: the same cache, a later clock, a different verdict', () => {
    const cache = new ChainCache();
    const der = [leaves[4].der, pki.intermediate.der];
    expect(judge(der, { serverName: 'o4.example.test', cache }).problems).toEqual([]);
    const later = judge(der, { serverName: 'o4.example.test', cache, now: new Date(NOW.getTime() + 400 * DAY) });
    expect(later.problems.map((p) => p.code)).toContain('CERT_EXPIRED');
    expect(judge(der, { serverName: 'o4.example.test', cache, now: new Date(NOW.getTime() + 360 * DAY) }).problems.map((p) => p.code)).toEqual([
      'CERT_EXPIRING_SOON',
    ]);
    expect(judge(der, { serverName: 'o4.example.test', cache }).problems).toEqual([]);
  });

  it('a different trust store with the same cache: judged against that store', () => {
    const cache = new ChainCache();
    const der = [leaves[5].der, pki.intermediate.der];
    expect(judge(der, { serverName: 'o5.example.test', cache }).problems).toEqual([]);
    const otherTrust = trustStoreFromPems([other.root.certPem], 'other roots');
    expect(judge(der, { serverName: 'o5.example.test', cache, trust: otherTrust }).problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
  });
});
