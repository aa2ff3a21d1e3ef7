import fc from 'fast-check';
import { analyzeChain, dnsNameMatches, type AnalyzeChainOptions } from '../../lambda/probe/certificate-chain';
import { loadTrustStore, trustStoreFromPems, type TrustStore } from '../../lambda/probe/trust-store';
import { createPki, selfSigned, type IssuedCert, type Pki } from '../support/pki';

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const HOST = 'origin.example.test';

let pki: Pki;
let other: Pki;
let trust: TrustStore;
let leaf: IssuedCert;

beforeAll(async () => {
  [pki, other] = await Promise.all([createPki({ name: 'chain' }), createPki({ name: 'chain-other' })]);
  trust = trustStoreFromPems([pki.root.certPem], 'test roots');
  leaf = await pki.issueLeaf({ dnsNames: [HOST, 'www.example.test'] });
});

function analyze(certs: (IssuedCert | Buffer)[], opts: Partial<AnalyzeChainOptions> = {}) {
  return analyzeChain(
    certs.map((c) => (Buffer.isBuffer(c) ? c : c.der)),
    { serverName: HOST, now: NOW, trust, expiryWarningDays: 30, ...opts },
  );
}
const codes = (result: { problems: { code: string }[] }) => result.problems.map((p) => p.code).sort();

describe('healthy chains', () => {
  it('leaf + intermediate to a trusted root: no problem, every certificate described', () => {
    const result = analyze([leaf, pki.intermediate]);
    expect(result.problems).toEqual([]);
    expect(result.trustAnchor).toBe(pki.root.x509.subject.split('\n').join(', '));
    expect(result.trustStore).toBe('test roots: 1 root');
    expect(result.serverName).toBe(HOST);
    expect(result.unusedCertificates).toBeUndefined();
    expect(result.certificates).toEqual([
      {
        index: 0,
        subject: `CN=${HOST}, ${leaf.x509.subject.split('\n')[1]}`,
        issuer: pki.intermediate.x509.subject.split('\n').join(', '),
        serialNumber: leaf.x509.serialNumber,
        notBefore: new Date(leaf.x509.validFrom).toISOString(),
        notAfter: new Date(leaf.x509.validTo).toISOString(),
        dnsNames: [HOST, 'www.example.test'],
        ipAddresses: [],
        selfIssued: false,
        isCA: false,
        keyType: 'ec',
        keyBits: 256,
        curve: 'prime256v1',
        fingerprint256: leaf.x509.fingerprint256,
      },
      expect.objectContaining({ index: 1, isCA: true, selfIssued: false, dnsNames: [expect.stringContaining('intermediate')] }),
    ]);
  });

  it('with the root sent too, and an RSA chain', async () => {
    expect(analyze([leaf, pki.intermediate, pki.root]).problems).toEqual([]);
    const rsa = await createPki({ keyType: 'rsa', name: 'rsa' });
    const rsaLeaf = await rsa.issueLeaf({ dnsNames: [HOST] });
    const result = analyze([rsaLeaf, rsa.intermediate], { trust: trustStoreFromPems([rsa.root.certPem], 'rsa') });
    expect(result.problems).toEqual([]);
    expect(result.certificates[0]).toMatchObject({ keyType: 'rsa', keyBits: 2048 });
    expect(result.certificates[0].curve).toBeUndefined();
  });

  it('no serverName: no name check', () => {
    expect(analyze([leaf, pki.intermediate], { serverName: undefined }).problems).toEqual([]);
    expect(analyze([leaf, pki.intermediate], { serverName: 'elsewhere.test' }).problems.map((p) => p.code)).toEqual(['CERT_NAME_MISMATCH']);
  });
});

describe('each problem alone', () => {
  it('CERT_EXPIRED: the leaf', () => {
    const later = new Date(new Date(leaf.x509.validTo).getTime() + 1000);
    const result = analyze([leaf, pki.intermediate], { now: later });
    expect(result.problems).toEqual([
      {
        code: 'CERT_EXPIRED',
        certIndex: 0,
        detail: expect.stringMatching(/^the server certificate \(origin\.example\.test\) expired on \S+; renew it/),
        evidence: expect.objectContaining({ notAfter: new Date(leaf.x509.validTo).toISOString(), daysLeft: -1, fingerprint256: leaf.x509.fingerprint256 }),
      },
    ]);
  });

  it('CERT_EXPIRED: an intermediate', async () => {
    const expired = await pki.issueIntermediate({ notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
    const result = analyze([leaf, expired]);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'CERT_EXPIRED', certIndex: 1 })]);
  });

  it('CERT_NOT_YET_VALID', async () => {
    const future = await pki.issueLeaf({ dnsNames: [HOST], notBefore: new Date(NOW.getTime() + DAY) });
    expect(analyze([future, pki.intermediate]).problems).toEqual([
      expect.objectContaining({ code: 'CERT_NOT_YET_VALID', certIndex: 0, detail: expect.stringContaining('is not valid before') }),
    ]);
  });

  it('CERT_SELF_SIGNED, and nothing about trust; trusted when the store holds it (PARTIAL_CHAIN, as s2n)', async () => {
    const self = await selfSigned({ dnsNames: [HOST] });
    const result = analyze([self]);
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'CERT_SELF_SIGNED', certIndex: 0, detail: expect.stringContaining('not in the trust store, so CloudFront rejects it') }),
    ]);
    expect(result.certificates[0].selfIssued).toBe(true);
    expect(codes(analyze([self], { trust: trustStoreFromPems([self.certPem], 'self') }))).toEqual([]);
  });

  it('CERT_UNTRUSTED_ROOT: a full chain to a root the store lacks', () => {
    const result = analyze([leaf, pki.intermediate, pki.root], { trust: trustStoreFromPems([other.root.certPem], 'other') });
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'CERT_UNTRUSTED_ROOT', certIndex: 2, detail: expect.stringContaining('not in the trust store (other: 1 root)') }),
    ]);
    expect(result.trustAnchor).toBeUndefined();
  });

  it('CERT_CHAIN_INCOMPLETE: the intermediate is not sent', () => {
    const result = analyze([leaf]);
    expect(result.problems).toEqual([
      {
        code: 'CERT_CHAIN_INCOMPLETE',
        certIndex: 0,
        detail: expect.stringMatching(/^the certificate of CN=cfom test intermediate chain .*, which issued the server certificate \(origin\.example\.test\), is not sent and is not a trusted root; send the intermediate .*CloudFront will never trust it: use a public CA\)$/),
        evidence: expect.objectContaining({ missingIssuer: pki.intermediate.x509.subject.split('\n').join(', ') }),
      },
    ]);
  });

  it('CERT_UNTRUSTED_ROOT, not "append the intermediate": chain up to an intermediate of a private root that is not sent', () => {
    const result = analyze([leaf, pki.intermediate], { trust: trustStoreFromPems([other.root.certPem], 'other') });
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'CERT_UNTRUSTED_ROOT', certIndex: 1, detail: expect.stringContaining('which is not sent and is not a root CloudFront trusts (a private or unknown CA)') }),
    ]);
  });

  it('CERT_LEAF_NOT_FIRST: intermediate first (s2n takes the first certificate as the leaf)', () => {
    const result = analyze([pki.intermediate, leaf]);
    expect(result.problems).toEqual([
      {
        code: 'CERT_LEAF_NOT_FIRST',
        certIndex: 1,
        detail: expect.stringContaining('is sent at position 1, after cfom test intermediate'),
        evidence: expect.objectContaining({ leafIndex: 1, actualOrder: [result.certificates[0].subject, result.certificates[1].subject] }),
      },
    ]);
    expect(result.trustAnchor).toBeDefined();
  });

  it('CERT_CHAIN_ORDER (AWS documentation; s2n builds from any order): root before the intermediate', () => {
    const result = analyze([leaf, pki.root, pki.intermediate]);
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'CERT_CHAIN_ORDER',
        certIndex: 1,
        detail: expect.stringContaining('is sent before it (position 1); AWS documents a chain in the wrong order as a cause of 502, although s2n-tls'),
        evidence: expect.objectContaining({ pathIndexes: [0, 2, 1], s2nBuildsFromAnyOrder: true }),
      }),
    ]);
  });

  it('an unrelated extra certificate after the chain is allowed and noted', () => {
    const result = analyze([leaf, pki.intermediate, other.intermediate]);
    expect(result.problems).toEqual([]);
    expect(result.unusedCertificates).toEqual([2]);
  });

  it('CERT_NAME_MISMATCH with what the certificate covers', () => {
    const result = analyze([leaf, pki.intermediate], { serverName: 'api.example.test' });
    expect(result.problems).toEqual([
      {
        code: 'CERT_NAME_MISMATCH',
        certIndex: 0,
        detail: `the certificate of ${HOST} does not cover api.example.test: it covers ${HOST}, www.example.test; add api.example.test to its subject alternative names`,
        evidence: expect.objectContaining({ serverName: 'api.example.test', comparedWith: 'san', names: [HOST, 'www.example.test'] }),
      },
    ]);
  });

  it('CERT_EXPIRING_SOON for the leaf', () => {
    const notAfter = new Date(leaf.x509.validTo).getTime();
    const result = analyze([leaf, pki.intermediate], { now: new Date(notAfter - 10 * DAY - 3600_000) });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'CERT_EXPIRING_SOON',
        certIndex: 0,
        evidence: expect.objectContaining({ daysLeft: 10, notAfter: new Date(notAfter).toISOString(), fingerprint256: leaf.x509.fingerprint256 }),
      }),
    ]);
  });
});

describe('several problems at once', () => {
  it('expired + wrong order + name mismatch', () => {
    const later = new Date(new Date(leaf.x509.validTo).getTime() + DAY);
    const result = analyze([pki.intermediate, leaf], { now: later, serverName: 'other.example.test' });
    expect(codes(result)).toEqual(['CERT_EXPIRED', 'CERT_LEAF_NOT_FIRST', 'CERT_NAME_MISMATCH']);
    expect(result.problems.find((p) => p.code === 'CERT_EXPIRED')?.certIndex).toBe(1);
  });

  it('wrong order from an untrusted root is both', () => {
    const result = analyze([leaf, pki.root, pki.intermediate], { trust: trustStoreFromPems([other.root.certPem], 'other') });
    expect(codes(result)).toEqual(['CERT_CHAIN_ORDER', 'CERT_UNTRUSTED_ROOT']);
  });

  it('expired intermediate + missing root + expiring leaf', async () => {
    const expired = await pki.issueIntermediate({ notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
    const soon = await pki.issueLeaf({ dnsNames: [HOST], notAfter: new Date(NOW.getTime() + 5 * DAY) });
    const result = analyze([soon, expired], { trust: trustStoreFromPems([other.root.certPem], 'other') });
    expect(result.problems.map((p) => [p.code, p.certIndex]).sort()).toEqual([
      ['CERT_EXPIRED', 1],
      ['CERT_EXPIRING_SOON', 0],
      ['CERT_UNTRUSTED_ROOT', 1],
    ]);
  });
});

describe('names (s2n-tls: tls/s2n_x509_validator.c:229-419, tls/s2n_connection.c:222-252)', () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'A.Example.COM', true],
    ['*.example.com', 'A.Example.COM.', false], // the SNI as sent: no trailing-dot folding
    ['*.example.com.', 'a.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', '.example.com', true], // s2n compares from the SNI's first dot (CloudFront never sends this)
    ['*.com', 'example.com', true], // s2n has no minimum label count (no public CA issues *.com)
    ['a*.example.com', 'ab.example.com', false],
    ['*a.example.com', 'ba.example.com', false],
    ['*.*.example.com', 'a.b.example.com', false],
    ['Example.COM', 'example.com', true],
    ['Example.COM', 'example.com.', false],
    ['example.com', 'www.example.com', false],
    ['*.example.com', 'nodot', false],
  ])('%s vs %s -> %s', (pattern, host, expected) => {
    expect(dnsNameMatches(pattern, host)).toBe(expected);
  });

  it('a wildcard certificate', async () => {
    const wildcard = await pki.issueLeaf({ dnsNames: ['*.example.test'] });
    const check = (serverName: string) => codes(analyze([wildcard, pki.intermediate], { serverName }));
    expect(check('a.example.test')).toEqual([]);
    expect(check('A.EXAMPLE.TEST')).toEqual([]);
    expect(check('a.example.test.')).toEqual(['CERT_NAME_MISMATCH']); // the SNI as sent: a trailing dot is not stripped
    expect(check('example.test')).toEqual(['CERT_NAME_MISMATCH']);
    expect(check('a.b.example.test')).toEqual(['CERT_NAME_MISMATCH']);
  });

  it('agrees with OpenSSL (X509Certificate.checkHost) on generated host names', async () => {
    const cert = await pki.issueLeaf({ dnsNames: ['*.example.test', 'www.other.test', 'Mixed.Case.test'] });
    const label = fc.constantFrom('a', 'www', 'example', 'other', 'test', 'mixed', 'case', 'Example', 'xn--bcher-kva');
    const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
    fc.assert(
      fc.property(host, (name) => {
        const ours = analyze([cert, pki.intermediate], { serverName: name }).problems.length === 0;
        expect(ours).toBe(cert.x509.checkHost(name) !== undefined);
      }),
      { numRuns: 300 },
    );
  });

  it('CN only when there is no SAN dNSName', async () => {
    const cnOnly = await pki.issueLeaf({ dnsNames: [HOST], noSan: true });
    expect(analyze([cnOnly, pki.intermediate]).problems).toEqual([]);
    expect(analyze([cnOnly, pki.intermediate]).certificates[0].dnsNames).toEqual([HOST]);
    const sanWins = await pki.issueLeaf({ commonName: HOST, dnsNames: ['san.example.test'] });
    expect(codes(analyze([sanWins, pki.intermediate]))).toEqual(['CERT_NAME_MISMATCH']);
    // s2n: an IP (or URI) SAN is a name too, so the CN is not used.
    const ipOnlySan = await pki.issueLeaf({ commonName: HOST, ipAddresses: ['192.0.2.1'] });
    expect(codes(analyze([ipOnlySan, pki.intermediate]))).toEqual(['CERT_NAME_MISMATCH']);
  });

  it('IP addresses: IP SANs by their text, DNS SANs as strings', async () => {
    const ips = await pki.issueLeaf({ dnsNames: ['198.51.100.9'], ipAddresses: ['192.0.2.1', '2001:db8::1'] });
    const check = (serverName: string) => codes(analyze([ips, pki.intermediate], { serverName }));
    expect(check('192.0.2.1')).toEqual([]);
    expect(check('2001:db8::1')).toEqual([]);
    expect(check('2001:db8:0::1')).toEqual(['CERT_NAME_MISMATCH']); // s2n compares the inet_ntop text
    expect(check('192.0.2.2')).toEqual(['CERT_NAME_MISMATCH']);
    expect(check('198.51.100.9')).toEqual([]); // s2n compares a DNS entry as a string, whatever it holds
    expect(analyze([ips, pki.intermediate]).certificates[0].ipAddresses).toEqual(['192.0.2.1', '2001:db8::1']);
  });
});

describe('cross-signed roots', () => {
  let cross: IssuedCert;
  let expiredCross: IssuedCert;
  beforeAll(async () => {
    cross = await other.crossSign(pki.root);
    expiredCross = await other.crossSign(pki.root, { notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
  });
  const trustOther = () => trustStoreFromPems([other.root.certPem], 'other');

  it('reaches the other root through the cross-signature', () => {
    const result = analyze([leaf, pki.intermediate, cross], { trust: trustOther() });
    expect(result.problems).toEqual([]);
    expect(result.trustAnchor).toBe(other.root.x509.subject.split('\n').join(', '));
  });

  it('prefers the path to a trusted root among two sent issuers', () => {
    const result = analyze([leaf, pki.intermediate, pki.root, cross], { trust: trustOther() });
    expect(codes(result)).toEqual([]); // an extra certificate in between is ignored, as s2n does
    expect(result.unusedCertificates).toEqual([2]);
  });

  it('trusted first: an expired cross-signature beyond a trusted root does not count', () => {
    const result = analyze([leaf, pki.intermediate, expiredCross], { trust });
    expect(result.problems).toEqual([]);
    expect(result.unusedCertificates).toEqual([2]);
    expect(codes(analyze([leaf, pki.intermediate, expiredCross], { trust: trustOther() }))).toEqual(['CERT_EXPIRED']);
  });
});

describe('expiry warning boundaries', () => {
  const at = (notAfter: number, offsetMs: number) => new Date(notAfter + offsetMs);
  it.each([
    ['31 days left', -31 * DAY, []],
    ['30 days and 1 s left', -30 * DAY - 1000, []],
    ['exactly 30 days left', -30 * DAY, ['CERT_EXPIRING_SOON']],
    ['at notAfter', 0, ['CERT_EXPIRING_SOON']],
    ['1 s after notAfter', 1000, ['CERT_EXPIRED']],
  ])('%s', (_, offset, expected) => {
    const notAfter = new Date(leaf.x509.validTo).getTime();
    expect(codes(analyze([leaf, pki.intermediate], { now: at(notAfter, offset) }))).toEqual(expected);
  });

  it('warns for the leaf and the intermediate, not for a sent root', () => {
    // A window longer than every certificate's life: all of them are "expiring soon" but the root.
    const result = analyze([leaf, pki.intermediate, pki.root], { expiryWarningDays: 20 * 365 });
    expect(result.problems.map((p) => [p.code, p.certIndex])).toEqual([
      ['CERT_EXPIRING_SOON', 0],
      ['CERT_EXPIRING_SOON', 1],
    ]);
  });
});

describe('malformed input', () => {
  it('garbage DER is reported, never thrown', () => {
    const result = analyze([Buffer.from('not a certificate')]);
    expect(result.problems).toEqual([]);
    expect(result.certificates).toEqual([]);
    expect(result.certificateError).toMatch(/^certificate 0 \(17 bytes\) cannot be parsed: not an X\.509 certificate/);
  });

  it('a garbage certificate after a good chain leaves the chain judged', () => {
    const result = analyze([leaf, pki.intermediate, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])]);
    expect(result.problems).toEqual([]);
    expect(result.certificates.map((c) => c.index)).toEqual([0, 1]);
    expect(result.certificateError).toMatch(/^certificate 2 \(5 bytes\)/);
  });

  it('no certificate at all', () => {
    expect(analyze([]).certificateError).toBe('the server sent no certificate');
  });
});

describe('many chains against one store', () => {
  // How fast is measured by bench/chain.ts (speed is never asserted in a unit test; this one failed at 16 s under load).
  it('judges 1,000 chains against the full Mozilla store, every verdict the same', () => {
    const mozilla = loadTrustStore();
    const der = [leaf.der, pki.intermediate.der];
    const judge = () => analyzeChain(der, { serverName: HOST, now: NOW, trust: mozilla, expiryWarningDays: 30 });
    const first = judge();
    // Our test root is in no public store: the chain leads to no root Mozilla holds.
    expect(first.problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
    for (let i = 1; i < 1000; i++) expect(judge()).toEqual(first);
  });
});

