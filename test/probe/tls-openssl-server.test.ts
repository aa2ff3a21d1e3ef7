/**
 * The hand-built client against `openssl s_server` speaking only TLS 1.0, which node:tls cannot serve.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLOUDFRONT_GROUPS, CLOUDFRONT_SIGNATURE_SCHEMES, CLOUDFRONT_SUITES, CLOUDFRONT_TLS13_SUITES } from '../../lambda/cloudfront/client-profile';
import type { HelloOffer } from '../../lambda/model';
import { probeHello } from '../../lambda/probe/tls-hello';
import { createTestPki, type TestPki } from './tls-test-certs';
import { closedPort } from './tls-test-bytes';

const offer = (versions: HelloOffer['versions']): HelloOffer => ({
  versions,
  suites: CLOUDFRONT_SUITES.map((s) => s.code),
  tls13Suites: CLOUDFRONT_TLS13_SUITES.map((s) => s.code),
  groups: CLOUDFRONT_GROUPS.map((g) => g.code),
  signatureSchemes: CLOUDFRONT_SIGNATURE_SCHEMES.map((s) => s.code),
  serverName: 'localhost',
});

let pki: TestPki;
let server: ChildProcess;
let port: number;

/** Starts s_server on a free port and resolves once it prints ACCEPT. Its stdin stays open: on EOF it exits. */
function startServer(args: string[]): Promise<ChildProcess> {
  const child = spawn('openssl', ['s_server', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ACCEPT')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`openssl s_server exited (${code}): ${out}`)));
  });
}

beforeAll(async () => {
  pki = createTestPki();
  port = await closedPort();
  server = await startServer([
    '-tls1', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', '-accept', `127.0.0.1:${port}`,
    '-cert', pki.rsaLeaf.certFile, '-key', pki.rsaLeaf.keyFile, '-cert_chain', pki.intermediate.certFile,
  ]);
});

afterAll(() => {
  server?.kill();
  pki.cleanup();
});

const probe = async (o: HelloOffer) =>
  (await probeHello({ address: '127.0.0.1', port, offer: o, connectTimeoutMs: 2000, handshakeTimeoutMs: 3000 })).outcome;

describe('openssl s_server -tls1', () => {
  it('answers CloudFront TLSv1-TLSv1.2 with TLS 1.0 and the chain', async () => {
    expect(await probe(offer(['TLSv1', 'TLSv1.1', 'TLSv1.2']))).toEqual({
      kind: 'server-hello',
      hello: expect.objectContaining({
        version: 'TLSv1',
        suite: 0xc013,
        group: 29,
        certificates: [pki.rsaLeaf.der, pki.intermediate.der],
      }),
    });
  });

  it('answers a TLS 1.2-only hello with TLS 1.0 anyway: version-not-offered', async () => {
    expect(await probe(offer(['TLSv1.2']))).toMatchObject({
      kind: 'server-hello',
      hello: { version: 'TLSv1', offerViolations: ['version-not-offered'] },
    });
  });

  it('answers a hello with supported_versions (1.2, 1.3) with alert 70', async () => {
    expect(await probe(offer(['TLSv1.2', 'TLSv1.3']))).toMatchObject({ kind: 'alert', description: 70 });
  });

  it('answers an SSLv3 hello with alert 40', async () => {
    expect(await probe(offer(['SSLv3']))).toMatchObject({ kind: 'alert', description: 40 });
  });
});
