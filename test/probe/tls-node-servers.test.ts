/**
 * The hand-built client against real OpenSSL servers (node:tls) on loopback.
 */
import type { TlsOptions } from 'node:tls';
import { CLOUDFRONT_SUITES, CLOUDFRONT_TLS13_SUITES } from '../../lambda/cloudfront/client-profile';
import type { HelloOffer, HelloOutcome, ServerHelloInfo } from '../../lambda/model';
import { probeHello } from '../../lambda/probe/tls-hello';
import { documentedOffer } from '../support/offers';
import { createPki, type IssuedCert, type Pki } from '../support/pki';
import { listenTls, type Listening } from '../support/servers';

const CLOUDFRONT_SUITE_CODES = CLOUDFRONT_SUITES.map((s) => s.code);
const RSA_PSS = [0x0804, 0x0805, 0x0806];

const offer = (versions: HelloOffer['versions'], extra: Partial<HelloOffer> = {}) => documentedOffer(versions, 'localhost', extra);
const TLS10_12 = offer(['TLSv1', 'TLSv1.1', 'TLSv1.2']);

/** Root -> intermediate (RSA) -> an RSA and an ECDSA P-256 leaf for localhost and 127.0.0.1. */
let pki: { root: IssuedCert; intermediate: IssuedCert; rsaLeaf: IssuedCert; ecLeaf: IssuedCert };
const servers: Listening[] = [];

beforeAll(async () => {
  const ca: Pki = await createPki({ keyType: 'rsa', name: 'probe test' });
  const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const [rsaLeaf, ecLeaf] = await Promise.all([ca.issueLeaf({ ...names, keyType: 'rsa' }), ca.issueLeaf({ ...names, keyType: 'ec' })]);
  pki = { root: ca.root, intermediate: ca.intermediate, rsaLeaf, ecLeaf };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A node:tls server on 127.0.0.1, port 0; it records the SNI names it is sent. */
async function tlsServer(options: TlsOptions): Promise<{ port: number; serverNames: (string | undefined)[] }> {
  const serverNames: (string | undefined)[] = [];
  const server = await listenTls({
    ...options,
    SNICallback: (name, cb) => {
      serverNames.push(name);
      cb(null);
    },
  });
  servers.push(server);
  return { port: server.port, serverNames };
}

async function probe(port: number, o: HelloOffer): Promise<HelloOutcome> {
  const result = await probeHello({ address: '127.0.0.1', port, offer: o, connectTimeoutMs: 2000, handshakeTimeoutMs: 3000 });
  return result.outcome;
}

function serverHello(outcome: HelloOutcome): ServerHelloInfo {
  if (outcome.kind !== 'server-hello') throw new Error(`expected a ServerHello, got ${JSON.stringify(outcome)}`);
  return outcome.hello;
}

describe('TLS 1.2 servers', () => {
  it('RSA: a CloudFront suite, the group of the ServerKeyExchange, the chain as configured', async () => {
    const { port, serverNames } = await tlsServer({
      cert: pki.rsaLeaf.certPem + pki.intermediate.certPem,
      key: pki.rsaLeaf.keyPem,
      maxVersion: 'TLSv1.2',
    });
    const hello = serverHello(await probe(port, TLS10_12));
    expect(hello).toMatchObject({ version: 'TLSv1.2', versionCode: 0x0303, group: 29, groupName: 'x25519' });
    expect(CLOUDFRONT_SUITE_CODES).toContain(hello.suite);
    expect(hello.suiteName).toMatch(/^TLS_ECDHE_RSA_/);
    expect(hello.certificates).toEqual([pki.rsaLeaf.der, pki.intermediate.der]);
    expect(hello.offerViolations).toBeUndefined();
    expect(hello.certificateRequested).toBeUndefined();
    expect(serverNames).toEqual(['localhost']);
  });

  it('ECDSA: an ECDSA suite and the group the server prefers (P-384)', async () => {
    const { port } = await tlsServer({
      cert: pki.ecLeaf.certPem + pki.intermediate.certPem,
      key: pki.ecLeaf.keyPem,
      maxVersion: 'TLSv1.2',
      ecdhCurve: 'P-384:P-256',
    });
    const hello = serverHello(await probe(port, TLS10_12));
    expect(hello.suiteName).toMatch(/^TLS_ECDHE_ECDSA_/);
    expect(CLOUDFRONT_SUITE_CODES).toContain(hello.suite);
    expect(hello.group).toBe(24);
    expect(hello.certificates).toEqual([pki.ecLeaf.der, pki.intermediate.der]);
  });

  it('sends no SNI for an IP literal', async () => {
    const { port, serverNames } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, maxVersion: 'TLSv1.2' });
    serverHello(await probe(port, { ...TLS10_12, serverName: '127.0.0.1' }));
    expect(serverNames).toEqual([]);
  });

  it('returns the chain in the order sent, even when wrong (leaf, root, intermediate)', async () => {
    const { port } = await tlsServer({
      cert: pki.rsaLeaf.certPem + pki.root.certPem + pki.intermediate.certPem,
      key: pki.rsaLeaf.keyPem,
      maxVersion: 'TLSv1.2',
    });
    expect(serverHello(await probe(port, TLS10_12)).certificates).toEqual([pki.rsaLeaf.der, pki.root.der, pki.intermediate.der]);
  });

  it('sees a client certificate demand', async () => {
    const { port } = await tlsServer({
      cert: pki.rsaLeaf.certPem,
      key: pki.rsaLeaf.keyPem,
      maxVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: true,
      ca: pki.root.certPem,
    });
    expect(serverHello(await probe(port, TLS10_12)).certificateRequested).toBe(true);
  });

  // In TLS 1.2 supported_groups also bounds the curve of an ECDSA certificate.
  it('ECDSA P-256 certificate and an offer without P-256: alert 40', async () => {
    const { port } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, maxVersion: 'TLSv1.2' });
    expect(await probe(port, offer(['TLSv1.2'], { groups: [24] }))).toMatchObject({ kind: 'alert', description: 40 });
  });

  it('no shared suite: alert 40', async () => {
    const { port } = await tlsServer({ cert: pki.rsaLeaf.certPem, key: pki.rsaLeaf.keyPem, maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256' });
    expect(await probe(port, TLS10_12)).toEqual({ kind: 'alert', level: 2, description: 40, descriptionName: 'handshake_failure' });
  });
});

describe('TLS 1.3 servers', () => {
  const TLS12_13 = offer(['TLSv1.2', 'TLSv1.3']);

  it.each(CLOUDFRONT_TLS13_SUITES.map((s) => [s.iana, s.code] as const))('%s: certificates decrypted, as served', async (name, code) => {
    const { port } = await tlsServer({
      cert: pki.ecLeaf.certPem + pki.intermediate.certPem,
      key: pki.ecLeaf.keyPem,
      minVersion: 'TLSv1.3',
      ciphers: name,
    });
    const hello = serverHello(await probe(port, TLS12_13));
    expect(hello).toMatchObject({ version: 'TLSv1.3', versionCode: 0x0304, suite: code, group: 23 }); // secp256r1: s2n's key share
    expect(hello.certificates).toEqual([pki.ecLeaf.der, pki.intermediate.der]);
    expect(hello.certificateError).toBeUndefined();
  });

  it('RSA certificate when RSA-PSS is offered', async () => {
    const { port } = await tlsServer({ cert: pki.rsaLeaf.certPem + pki.intermediate.certPem, key: pki.rsaLeaf.keyPem, minVersion: 'TLSv1.3' });
    const hello = serverHello(await probe(port, { ...TLS12_13, signatureSchemes: [...RSA_PSS, ...TLS12_13.signatureSchemes] }));
    expect(hello.certificates).toEqual([pki.rsaLeaf.der, pki.intermediate.der]);
  });

  // RFC 8446 4.2.3: RSA keys sign TLS 1.3 handshakes with RSA-PSS only, and CloudFront's documented schemes have none.
  it('RSA certificate and only the documented CloudFront schemes (no RSA-PSS): alert 40 from OpenSSL', async () => {
    const { port } = await tlsServer({ cert: pki.rsaLeaf.certPem, key: pki.rsaLeaf.keyPem, minVersion: 'TLSv1.3' });
    expect(await probe(port, TLS12_13)).toMatchObject({ kind: 'alert', description: 40 });
  });

  it('HelloRetryRequest for P-384: second hello on the same connection, then the certificates', async () => {
    const { port } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, minVersion: 'TLSv1.3', ecdhCurve: 'P-384' });
    const hello = serverHello(await probe(port, TLS12_13));
    expect(hello).toMatchObject({ helloRetried: true, group: 24, groupName: 'secp384r1', certificates: [pki.ecLeaf.der] });
  });

  it('HelloRetryRequest for P-521 when the offer lists it', async () => {
    const { port } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, minVersion: 'TLSv1.3', ecdhCurve: 'P-521' });
    expect(await probe(port, TLS12_13)).toMatchObject({ kind: 'alert', description: 40 });
    const hello = serverHello(await probe(port, { ...TLS12_13, groups: [29, 23, 24, 25] }));
    expect(hello).toMatchObject({ helloRetried: true, group: 25, certificates: [pki.ecLeaf.der] });
  });

  it('HelloRetryRequest for a group this client cannot compute (ffdhe2048)', async () => {
    const { port } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, minVersion: 'TLSv1.3', ecdhCurve: 'ffdhe2048' });
    expect(await probe(port, { ...TLS12_13, groups: [29, 0x0100] })).toMatchObject({
      kind: 'hello-retry-request', group: 0x0100, detail: expect.stringMatching(/cannot compute/),
    });
  });

  it('a TLS 1.3-only server answers a TLS 1.2 hello with alert 70', async () => {
    const { port } = await tlsServer({ cert: pki.ecLeaf.certPem, key: pki.ecLeaf.keyPem, minVersion: 'TLSv1.3' });
    expect(await probe(port, TLS10_12)).toEqual({ kind: 'alert', level: 2, description: 70, descriptionName: 'protocol_version' });
  });

  it('sees a client certificate demand in the encrypted flight', async () => {
    const { port } = await tlsServer({
      cert: pki.ecLeaf.certPem,
      key: pki.ecLeaf.keyPem,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: true,
      ca: pki.root.certPem,
    });
    expect(serverHello(await probe(port, TLS12_13))).toMatchObject({ certificateRequested: true, certificates: [pki.ecLeaf.der] });
  });
});
