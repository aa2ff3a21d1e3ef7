/** The test PKI makes real certificates: node:tls accepts them for the right name and rejects them otherwise. */
import { once } from 'node:events';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { chainPem, createPki, selfSigned, writeTempFiles, type IssuedCert } from '../support/pki';
import { listenTls } from '../support/servers';

interface Verdict {
  authorized: boolean;
  error?: string;
}

async function handshake(server: { cert: string; key: string }, client: { ca: string; servername: string }): Promise<Verdict> {
  const srv = await listenTls({ cert: server.cert, key: server.key }, '127.0.0.1', { onSecureConnection: (socket) => socket.end() });
  try {
    const { port } = srv;
    // No SNI for an IP (RFC 6066); node then checks the IP against the host connected to.
    const servername = isIP(client.servername) ? undefined : client.servername;
    const socket = tls.connect({ host: '127.0.0.1', port, ca: client.ca, servername, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    // node checks the host name too: a mismatch shows as ERR_TLS_CERT_ALTNAME_INVALID.
    const verdict = { authorized: socket.authorized, error: socket.authorizationError?.toString() };
    socket.destroy();
    return verdict;
  } finally {
    await srv.close();
  }
}

const serve = (leaf: IssuedCert, ...chain: IssuedCert[]) => ({ cert: chainPem(leaf, ...chain), key: leaf.keyPem });

describe.each(['ec', 'rsa'] as const)('test PKI (%s keys)', (keyType) => {
  it('leaf + intermediate verifies against the root with the right host name', async () => {
    const pki = await createPki({ keyType, name: 'pki-test' });
    const leaf = await pki.issueLeaf({ dnsNames: ['origin.example.test'] });
    expect(leaf.x509.checkIssued(pki.intermediate.x509)).toBe(true);
    expect(leaf.x509.verify(pki.intermediate.x509.publicKey)).toBe(true);
    expect(pki.intermediate.x509.checkIssued(pki.root.x509)).toBe(true);
    expect(pki.root.x509.ca).toBe(true);
    expect(leaf.x509.ca).toBe(false);
    expect(leaf.x509.publicKey.asymmetricKeyType).toBe(keyType);

    const ok = await handshake(serve(leaf, pki.intermediate), { ca: pki.root.certPem, servername: 'origin.example.test' });
    expect(ok).toEqual({ authorized: true, error: undefined });

    const wrongName = await handshake(serve(leaf, pki.intermediate), { ca: pki.root.certPem, servername: 'other.example.test' });
    expect(wrongName.authorized).toBe(false);
    expect(wrongName.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('test PKI variants', () => {
  it('names are unique per PKI and serials are random', async () => {
    const [a, b] = await Promise.all([createPki({ name: 'same' }), createPki({ name: 'same' })]);
    expect(a.root.x509.subject).not.toBe(b.root.x509.subject);
    expect(a.intermediate.x509.subject).not.toBe(b.intermediate.x509.subject);
    expect(a.root.x509.serialNumber).not.toBe(b.root.x509.serialNumber);
  });

  it('a missing intermediate and an unknown root are rejected', async () => {
    const pki = await createPki({ name: 'reject' });
    const leaf = await pki.issueLeaf({ dnsNames: ['a.example.test'] });
    const missing = await handshake(serve(leaf), { ca: pki.root.certPem, servername: 'a.example.test' });
    expect(missing.error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const other = await createPki({ name: 'other' });
    const unknownRoot = await handshake(serve(leaf, pki.intermediate), { ca: other.root.certPem, servername: 'a.example.test' });
    expect(unknownRoot.authorized).toBe(false);
  });

  it('self-signed leaf, leaf from the root, IP SAN, no SAN', async () => {
    const self = await selfSigned({ dnsNames: ['self.example.test'] });
    // checkIssued is false: OpenSSL wants keyCertSign in the issuer, and a leaf has none. The signature is its own.
    expect(self.x509.issuer).toBe(self.x509.subject);
    expect(self.x509.verify(self.x509.publicKey)).toBe(true);
    const selfVerdict = await handshake(serve(self), { ca: (await createPki()).root.certPem, servername: 'self.example.test' });
    expect(selfVerdict.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    const pki = await createPki({ name: 'variants' });
    const direct = await pki.issueLeaf({ issuer: 'root', ipAddresses: ['127.0.0.1'] });
    expect(direct.x509.checkIssued(pki.root.x509)).toBe(true);
    expect(direct.x509.subjectAltName).toBe('IP Address:127.0.0.1');
    expect((await handshake(serve(direct), { ca: pki.root.certPem, servername: '127.0.0.1' })).authorized).toBe(true);

    const noSan = await pki.issueLeaf({ dnsNames: ['cn-only.example.test'], noSan: true });
    expect(noSan.x509.subjectAltName).toBeUndefined();
    expect(noSan.x509.subject).toContain('CN=cn-only.example.test');
  });

  it('re-issued intermediate keeps the key; cross-signed root chains to the other root', async () => {
    const pki = await createPki({ name: 'reissue' });
    const leaf = await pki.issueLeaf({ dnsNames: ['r.example.test'] });
    const expired = await pki.issueIntermediate({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
    expect(leaf.x509.verify(expired.x509.publicKey)).toBe(true);
    expect(expired.x509.validTo).toBe('Jan  1 00:00:00 2021 GMT');
    const verdict = await handshake(serve(leaf, expired), { ca: pki.root.certPem, servername: 'r.example.test' });
    expect(verdict.error).toBe('CERT_HAS_EXPIRED');

    const other = await createPki({ name: 'cross' });
    const cross = await other.crossSign(pki.root);
    expect(cross.x509.subject).toBe(pki.root.x509.subject);
    expect(cross.x509.checkIssued(other.root.x509)).toBe(true);
    const viaCross = await handshake(serve(leaf, pki.intermediate, cross), { ca: other.root.certPem, servername: 'r.example.test' });
    expect(viaCross.authorized).toBe(true);
  });

  it('writeTempFiles writes PEMs and cleans up', async () => {
    const fs = await import('node:fs');
    const pki = await createPki();
    const files = writeTempFiles({ 'root.pem': pki.root.certPem, 'key.pem': pki.root.keyPem });
    expect(fs.readFileSync(files.paths['root.pem'], 'utf8')).toBe(pki.root.certPem);
    expect(fs.readFileSync(files.paths['key.pem'], 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    files.cleanup();
    expect(fs.existsSync(files.dir)).toBe(false);
  });
});
