/**
 * A throwaway PKI for the TLS client tests, made with the `openssl` CLI in a temporary directory:
 * root -> intermediate -> leaves (RSA 2048 and ECDSA P-256) for `localhost`. Nothing is written to the repo.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  der: Buffer;
}

export interface TestPki {
  dir: string;
  root: TestCert;
  intermediate: TestCert;
  rsaLeaf: TestCert;
  ecLeaf: TestCert;
  cleanup(): void;
}

const CA_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
const LEAF_EXT = 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function load(dir: string, name: string): TestCert {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const certPem = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, certPem, keyPem: readFileSync(keyFile, 'utf8'), der: new X509Certificate(certPem).raw };
}

function issue(dir: string, name: string, subject: string, keyArgs: string[], issuer: string, ext: string): TestCert {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial',
    String(Date.now()), '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`,
  ]);
  return load(dir, name);
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tls-probe-test-'));
  const rsa = ['-newkey', 'rsa:2048'];
  openssl(dir, [
    'req', '-x509', ...rsa, '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=Probe Test Root',
    '-days', '30', '-sha256', '-extensions', 'v3_ca',
  ]);
  const root = load(dir, 'root');
  const intermediate = issue(dir, 'intermediate', '/CN=Probe Test Intermediate', rsa, 'root', CA_EXT);
  const rsaLeaf = issue(dir, 'rsa-leaf', '/CN=localhost', rsa, 'intermediate', LEAF_EXT);
  const ecLeaf = issue(dir, 'ec-leaf', '/CN=localhost', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'intermediate', LEAF_EXT);
  return { dir, root, intermediate, rsaLeaf, ecLeaf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
