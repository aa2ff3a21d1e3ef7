/**
 * A local fleet of origins on loopback: a healthy one and one for each condition that yields a 502 and that a
 * real server on this machine can show. Used by `npm run demo` and by the end-to-end tests of `scan`.
 *
 * Certificates come from a throwaway PKI made at start-up (never written anywhere but a temp dir). Its root
 * plays the part of a publicly trusted CA: the scan is told to trust it (--ca-file), as CloudFront trusts Mozilla's.
 */
import { spawn } from 'node:child_process';
import type { Server as NetServer } from 'node:net';
import { Server as TlsServer, type TlsOptions } from 'node:tls';
import type { OriginSslProtocol } from '../lambda/model';
import { chainPem, createPki, selfSigned, writeTempFiles, type IssuedCert, type Pki, type TempFiles } from './pki';
import { freePort, listenRaw, listenTls } from './servers';

const DAY = 86_400_000;

export interface FleetOrigin {
  /** Short label, e.g. `expired`. */
  id: string;
  /** The origin's domain name, `<id>.<domain>` (default `<id>.origins.test`, resolved to `address` by override). */
  name: string;
  address: string;
  port: number;
  /** The finding code this origin shows, or `ok`. */
  expect: string;
  description: string;
  /** The distribution's OriginSslProtocols for this origin. */
  allowedVersions: OriginSslProtocol[];
}

export interface Fleet {
  origins: FleetOrigin[];
  /** PEM file of the fleet's root CA, to pass as --ca-file. */
  caFile: string;
  pki: Pki;
  byId(id: string): FleetOrigin;
  /** Replaces an origin's certificate with a healthy one (the operator renews it). */
  renew(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Names are `<id>.<domain>`. Default `origins.test` (reserved TLD, resolved by override); `origins.localhost`
   * resolves to 127.0.0.1 and ::1 with no DNS (RFC 6761), for a scan that cannot be given overrides (the Lambda). */
  domain?: string;
  /** Address the servers listen on. Default `127.0.0.1`; `::` listens on both 127.0.0.1 and ::1 (dual-stack),
   * except the `firewalled` origin, whose listener is IPv4 only. */
  host?: string;
}

interface Spec {
  id: string;
  expect: string;
  description: string;
  allowedVersions?: OriginSslProtocol[];
  start(name: string): Promise<{ port: number; close(): Promise<void>; server?: NetServer }>;
}

/**
 * A port that drops connection attempts, so the connect times out as behind a firewall. Node accepts every
 * connection it can, so a tiny Python listener that never accepts, its backlog filled, does it: Linux then drops
 * further SYNs. The listener exits when its stdin closes: at close(), or when this process dies.
 */
async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const script = [
    'import socket, sys',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]',
    'fill = []',
    'for _ in range(4):',
    '    c = socket.socket(); c.setblocking(False)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    '    fill.append(c)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined); // EPIPE when it is gone already
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.once('error', (err) => reject(new Error(`the firewalled origin needs python3: ${err.message}`)));
      child.once('exit', (code, signal) => reject(new Error(`python3 exited (${signal ?? code}) before it printed its port`)));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    child.on('error', () => undefined);
    return {
      port,
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin.end();
        child.kill('SIGKILL');
        await exited;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const domain = options.domain ?? 'origins.test';
  const host = options.host ?? '127.0.0.1';
  const pki = await createPki({ name: 'Origin Monitor Demo' });
  const otherPki = await createPki({ name: 'Private Corp' });
  const files: TempFiles = writeTempFiles({ 'root.pem': pki.root.certPem });
  const now = Date.now();

  const leaf = (name: string, extra: Parameters<Pki['issueLeaf']>[0] = {}) => pki.issueLeaf({ dnsNames: [name], ...extra });
  const serve = (cert: IssuedCert, chain: (IssuedCert | string)[], extra: TlsOptions = {}) =>
    listenTls({ key: cert.keyPem, cert: chainPem(cert, ...chain), ...extra }, host);

  const specs: Spec[] = [
    { id: 'healthy', expect: 'ok', description: 'full chain, TLS 1.2 and 1.3', start: async (n) => serve(await leaf(n), [pki.intermediate]) },
    {
      id: 'healthy-rsa',
      expect: 'ok',
      description: 'an RSA certificate, TLS 1.2 and 1.3 (RSA-PSS signatures under TLS 1.3)',
      start: async (n) => serve(await leaf(n, { keyType: 'rsa' }), [pki.intermediate]),
    },
    {
      id: 'expired',
      expect: 'CERT_EXPIRED',
      description: 'the certificate expired 3 days ago',
      start: async (n) => serve(await leaf(n, { notBefore: new Date(now - 90 * DAY), notAfter: new Date(now - 3 * DAY) }), [pki.intermediate]),
    },
    {
      id: 'not-yet-valid',
      expect: 'CERT_NOT_YET_VALID',
      description: 'the certificate starts tomorrow',
      start: async (n) => serve(await leaf(n, { notBefore: new Date(now + DAY), notAfter: new Date(now + 90 * DAY) }), [pki.intermediate]),
    },
    {
      id: 'expiring',
      expect: 'CERT_EXPIRING_SOON',
      description: 'the certificate expires in 10 days',
      start: async (n) => serve(await leaf(n, { notBefore: new Date(now - 80 * DAY), notAfter: new Date(now + 10 * DAY + 3_600_000) }), [pki.intermediate]),
    },
    { id: 'self-signed', expect: 'CERT_SELF_SIGNED', description: 'a self-signed certificate', start: async (n) => serve(await selfSigned({ dnsNames: [n] }), []) },
    {
      id: 'private-ca',
      expect: 'CERT_UNTRUSTED_ROOT',
      description: "a chain to a private CA's root",
      start: async (n) => serve(await otherPki.issueLeaf({ dnsNames: [n] }), [otherPki.intermediate, otherPki.root]),
    },
    { id: 'no-intermediate', expect: 'CERT_CHAIN_INCOMPLETE', description: 'the intermediate is not sent', start: async (n) => serve(await leaf(n), []) },
    {
      id: 'wrong-order',
      expect: 'CERT_CHAIN_ORDER',
      description: 'the chain is sent leaf, root, intermediate',
      start: async (n) => serve(await leaf(n), [pki.root, pki.intermediate]),
    },
    {
      id: 'wrong-name',
      expect: 'CERT_NAME_MISMATCH',
      description: 'the certificate is for another name',
      start: async () => serve(await leaf('other-site.test'), [pki.intermediate]),
    },
    { id: 'refused', expect: 'PORT_REFUSED', description: 'nothing listens on the port', start: async () => ({ port: await freePort(host), close: async () => undefined }) },
    { id: 'firewalled', expect: 'PORT_TIMEOUT', description: 'connection attempts are dropped', start: () => silentPort() },
    {
      id: 'tls10-only',
      expect: 'TLS_NO_COMMON_PROTOCOL',
      description: 'speaks only TLS 1.0; the distribution allows TLSv1.2',
      start: async (n) => serve(await leaf(n), [pki.intermediate], { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' }),
    },
    {
      id: 'legacy-tls10',
      expect: 'TLS_LEGACY_ONLY',
      description: 'speaks only TLS 1.0; the distribution still allows TLSv1',
      allowedVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
      start: async (n) => serve(await leaf(n), [pki.intermediate], { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' }),
    },
    {
      id: 'chacha-only',
      expect: 'TLS_NO_COMMON_CIPHER',
      description: 'TLS 1.2 with ChaCha20 only (CloudFront offers no ChaCha20 below TLS 1.3)',
      start: async (n) => serve(await leaf(n), [pki.intermediate], { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }),
    },
    {
      id: 'p521-only',
      expect: 'TLS_NO_COMMON_CIPHER',
      description: 'key exchange only over P-521, a group CloudFront does not offer',
      start: async (n) => serve(await leaf(n), [pki.intermediate], { ecdhCurve: 'P-521' }),
    },
    {
      id: 'plain-http',
      expect: 'TLS_HANDSHAKE_FAILED',
      description: 'plain HTTP on the HTTPS port',
      start: () => listenRaw((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')), host),
    },
    {
      id: 'client-cert',
      expect: 'TLS_HANDSHAKE_FAILED',
      description: 'requires a client certificate',
      start: async (n) => serve(await leaf(n), [pki.intermediate], { requestCert: true, rejectUnauthorized: true, ca: [pki.root.certPem] }),
    },
    {
      id: 'tls13-only',
      expect: 'TLS13_ONLY',
      description: 'speaks only TLS 1.3 (fine since 2025-11; a 502 under the legacy profile)',
      start: async (n) => serve(await leaf(n), [pki.intermediate], { minVersion: 'TLSv1.3' }),
    },
  ];

  const settled = await Promise.allSettled(
    specs.map(async (spec) => {
      const name = `${spec.id}.${domain}`;
      const started = await spec.start(name);
      return { spec, name, started };
    }),
  );
  const running = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Nothing left running (nor a temp dir) when one origin cannot start.
    await Promise.all(running.map((r) => r.started.close()));
    files.cleanup();
    throw failed.reason;
  }
  const origins: FleetOrigin[] = running.map(({ spec, name, started }) => ({
    id: spec.id,
    name,
    address: '127.0.0.1',
    port: started.port,
    expect: spec.expect,
    description: spec.description,
    allowedVersions: spec.allowedVersions ?? ['TLSv1.2'],
  }));

  const byId = (id: string) => {
    const o = origins.find((x) => x.id === id);
    if (!o) throw new Error(`no fleet origin ${id}`);
    return o;
  };

  return {
    origins,
    caFile: files.paths['root.pem'],
    pki,
    byId,
    async renew(id: string) {
      const entry = running.find((r) => r.spec.id === id);
      const server = entry?.started.server;
      if (!entry || !(server instanceof TlsServer)) throw new Error(`origin ${id} has no certificate to renew`);
      const fresh = await leaf(entry.name);
      server.setSecureContext({ key: fresh.keyPem, cert: chainPem(fresh, pki.intermediate) });
    },
    async close() {
      await Promise.all(running.map((r) => r.started.close()));
      files.cleanup();
    },
  };
}
