/**
 * The hand-built client against `openssl s_server` speaking only TLS 1.0, which node:tls cannot serve.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { HelloOffer } from '../../lambda/model';
import { probeHello } from '../../lambda/probe/tls-hello';
import { documentedOffer } from '../support/offers';
import { createPki, writeTempFiles, type IssuedCert, type TempFiles } from '../support/pki';

const offer = (versions: HelloOffer['versions']) => documentedOffer(versions, 'localhost');

let leaf: IssuedCert;
let intermediate: IssuedCert;
let files: TempFiles | undefined;
let server: ChildProcess | undefined;
let port: number;

/**
 * Starts s_server (its `-accept` on port 0) and resolves with the port its `ACCEPT <host>:<port>` line names. The
 * child is assigned before anything is awaited, so afterAll kills it whatever happens. Its stdin stays open: on EOF
 * it exits.
 */
function startServer(args: string[]): Promise<number> {
  const child = spawn('openssl', ['s_server', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const accept = /^ACCEPT (?:\[[^\]]*\]|[^\s:]+):(\d+)\s*$/m.exec(out);
      if (accept) resolve(Number(accept[1]));
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`openssl s_server exited (${code}): ${out}`)));
  });
}

beforeAll(async () => {
  const pki = await createPki({ keyType: 'rsa', name: 'probe test' });
  leaf = await pki.issueLeaf({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  intermediate = pki.intermediate;
  files = writeTempFiles({ 'leaf.pem': leaf.certPem, 'leaf.key': leaf.keyPem, 'intermediate.pem': intermediate.certPem });
  port = await startServer([
    '-tls1', '-cipher', 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0', '-accept', '127.0.0.1:0',
    '-cert', files.paths['leaf.pem'], '-key', files.paths['leaf.key'], '-cert_chain', files.paths['intermediate.pem'],
  ]);
});

afterAll(() => {
  server?.kill();
  files?.cleanup();
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
        group: 23, // secp256r1: first in s2n's group order
        certificates: [leaf.der, intermediate.der],
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
