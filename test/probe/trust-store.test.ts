import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { loadTrustStore, trustStoreFromPems } from '../../lambda/probe/trust-store';
import { chainPem, createPki, writeTempFiles, type Pki, type TempFiles } from '../support/pki';

const ISRG_ROOT_X1 = 'C=US\nO=Internet Security Research Group\nCN=ISRG Root X1';

let pki: Pki;
let other: Pki;
let files: TempFiles;

beforeAll(async () => {
  [pki, other] = await Promise.all([createPki({ name: 'trust-a' }), createPki({ name: 'trust-b' })]);
  files = writeTempFiles({
    'two.pem': chainPem(pki.root, other.root),
    'garbage.pem': 'not a certificate\n',
    'bad-block.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  });
});
afterAll(() => files.cleanup());

describe('loadTrustStore', () => {
  it("node's bundled roots only, named with the runtime, parsed once per process", () => {
    const store = loadTrustStore();
    expect(store.describe).toBe(`node ${process.version} tls.rootCertificates, ${tls.rootCertificates.length} roots`);
    expect(store.size).toBe(tls.rootCertificates.length);
    const isrg = store.anchorsNamed(ISRG_ROOT_X1);
    expect(isrg).toHaveLength(1);
    expect(loadTrustStore().anchorsNamed(ISRG_ROOT_X1)[0]).toBe(isrg[0]);
    expect(store.anchorsNamed(pki.root.x509.subject)).toEqual([]);
  });

  it('adds --ca-file bundles and says so', () => {
    const store = loadTrustStore({ caFiles: [files.paths['two.pem']] });
    expect(store.describe).toBe(
      `node ${process.version} tls.rootCertificates, ${tls.rootCertificates.length} roots + 2 from --ca-file ${files.paths['two.pem']}`,
    );
    expect(store.size).toBe(tls.rootCertificates.length + 2);
    expect(store.anchorsNamed(pki.root.x509.subject).map((c) => c.fingerprint256)).toEqual([pki.root.x509.fingerprint256]);
    expect(store.anchorFor(pki.root.x509)?.fingerprint256).toBe(pki.root.x509.fingerprint256);
    expect(store.anchorFor(pki.intermediate.x509)).toBeUndefined();
  });

  it('without system roots holds only the given files', () => {
    const store = loadTrustStore({ caFiles: [files.paths['two.pem']], includeSystemRoots: false });
    expect(store.describe).toBe(`2 from --ca-file ${files.paths['two.pem']}`);
    expect(store.size).toBe(2);
    expect(store.anchorsNamed(ISRG_ROOT_X1)).toEqual([]);
  });

  it('a cross-signed copy of an anchor (same subject and key) is that anchor', async () => {
    const store = trustStoreFromPems([pki.root.certPem], 'test');
    const cross = await other.crossSign(pki.root);
    expect(cross.x509.fingerprint256).not.toBe(pki.root.x509.fingerprint256);
    expect(store.anchorFor(cross.x509)?.fingerprint256).toBe(pki.root.x509.fingerprint256);
    expect(store.anchorFor(other.root.x509)).toBeUndefined();
  });

  it.each([
    ['missing', '/nonexistent/cfom-ca.pem', /^--ca-file \/nonexistent\/cfom-ca\.pem: cannot read it \(ENOENT\)$/],
    ['garbage', 'garbage.pem', /^--ca-file \S+garbage\.pem: no PEM certificate found/],
    ['bad PEM block', 'bad-block.pem', /^--ca-file \S+bad-block\.pem: certificate 1 is not a valid X\.509 certificate/],
  ])('a %s --ca-file throws one actionable line naming it', (_, file, message) => {
    const path = files.paths[file] ?? file;
    expect(() => loadTrustStore({ caFiles: [path] })).toThrow(message);
    try {
      loadTrustStore({ caFiles: [path] });
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('ignores NODE_EXTRA_CA_CERTS: only Mozilla (as Node bundles it) and --ca-file count', () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      process.env.NODE_EXTRA_CA_CERTS = files.paths['two.pem'];
      const store = loadTrustStore();
      expect(store.describe).toBe(`node ${process.version} tls.rootCertificates, ${tls.rootCertificates.length} roots`);
      expect(store.anchorFor(other.root.x509)).toBeUndefined();
      expect(loadTrustStore({ includeSystemRoots: false }).describe).toBe('empty trust store');
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it('says which roots a --ca-file added (and which anchor it made trusted)', () => {
    const store = loadTrustStore({ caFiles: [files.paths['two.pem']] });
    expect(store.caFileRoots).toEqual([{ file: files.paths['two.pem'], roots: 2 }]);
    const anchor = store.anchorFor(other.root.x509)!;
    expect(store.addedBy(anchor)).toBe(`--ca-file ${files.paths['two.pem']}`);
    expect(store.addedBy(store.anchorsNamed(ISRG_ROOT_X1)[0])).toBeUndefined();
  });
});

describe('trustStoreFromPems', () => {
  it('holds exactly the given certificates, bundles included, without duplicates', () => {
    const store = trustStoreFromPems([chainPem(pki.root, other.root), pki.root.certPem], 'fixture');
    expect(store.describe).toBe('fixture: 2 roots');
    expect(store.size).toBe(2);
    expect(store.anchorsNamed(other.root.x509.subject)[0]).toBeInstanceOf(X509Certificate);
  });

  it('rejects a broken PEM block', () => {
    expect(() => trustStoreFromPems(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'], 'bad')).toThrow(
      /^bad: certificate 1 is not a valid X\.509 certificate/,
    );
  });
});
