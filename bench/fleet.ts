/**
 * N origins for the benchmark, cheaply, and honest about connections.
 *
 * - One TLS server per *kind* of origin (healthy, expired, name mismatch, self-signed, chain incomplete) and one
 *   silent server, each listening on 0.0.0.0 of the benchmark's own network namespace (bench/delay-line/netns.ts),
 *   ECDSA P-256 certificates from test/support/pki.ts.
 * - One address per origin (given by the caller: every address of a local route of that namespace): the scanner
 *   sees N distinct endpoints, and the servers count each origin's connections by the address they arrived on.
 * - A `refused` origin is its address on a port nothing listens on: the kernel answers RST (through the delay line).
 *
 * Run in a child process (`startFleetProcess`, inside the origins' namespace) so that the servers' CPU is not the
 * scanner's: the benchmark reports both. Files of certificates go to a temp dir and are removed by close().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { listenRaw, listenTls, type Listening } from '../test/support/servers';

export type OriginKind = 'healthy' | 'expired' | 'name-mismatch' | 'self-signed' | 'chain-incomplete' | 'refused' | 'silent';

/** Out of every 20 origins: 14 healthy (70%), one of each failure. Deterministic, so a sample of 20 has them all. */
const PATTERN: OriginKind[] = [
  'healthy', 'expired', 'healthy', 'name-mismatch', 'healthy', 'self-signed', 'healthy', 'chain-incomplete',
  'healthy', 'refused', 'healthy', 'silent', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy',
  'healthy', 'healthy',
];

export function kindOf(index: number): OriginKind {
  return PATTERN[index % PATTERN.length];
}

/** The finding code the engine should report for a kind (the first critical one), undefined for healthy. */
export const EXPECTED_CODE: Record<OriginKind, string[] | undefined> = {
  healthy: undefined,
  expired: ['CERT_EXPIRED'],
  'name-mismatch': ['CERT_NAME_MISMATCH'],
  'self-signed': ['CERT_SELF_SIGNED'],
  'chain-incomplete': ['CERT_CHAIN_INCOMPLETE'],
  refused: ['PORT_REFUSED'],
  silent: ['PORT_TIMEOUT', 'TLS_HANDSHAKE_FAILED'],
};

export const FLEET_DOMAIN = 'bench.test';

export interface FleetOrigin {
  index: number;
  kind: OriginKind;
  /** The origin's DNS name (resolved through resolveOverride: no DNS traffic). */
  name: string;
  address: string;
  port: number;
  /** False for refused origins (nothing listens). */
  relayed: boolean;
}

export interface FleetStats {
  /** Connections accepted for each origin (index -> count); 0 for refused ones. */
  connectionsPerOrigin: number[];
  cpuUserS: number;
  cpuSystemS: number;
  maxRssMb: number;
  /** Connections open now. */
  open: number;
}

export interface FleetOptions {
  origins: number;
  /** The address of each origin (all local in the fleet's namespace). */
  addresses: string[];
  /** 'mixed' (default): the pattern of 20 (14 healthy, one of each failure); 'healthy': every origin healthy. */
  mix?: 'mixed' | 'healthy';
  /** Closed after this long whatever happens (default 15 min). */
  maxLifetimeMs?: number;
}

export interface Fleet {
  origins: FleetOrigin[];
  /** PEM file of the fleet's root CA, for ScanOptions.caFiles and `openssl -CAfile`. */
  rootPemPath: string;
  stats(): Promise<FleetStats>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// In-process fleet
// ---------------------------------------------------------------------------------------------------------------

/** Connections are dropped after this long whatever happens. */
const CONNECTION_LIFETIME_MS = 60_000;
/** Many origins connect at once through their relays. */
const BACKLOG = 1024;

/**
 * A TLS server with these options, or with none a silent one (reads, never answers); on 0.0.0.0 of the fleet's
 * own namespace, port 0. `onConnection` gets the address each connection arrived on.
 */
async function startKindServer(tlsOptions: tls.TlsOptions | undefined, onConnection: (localAddress: string) => void): Promise<Listening> {
  const server = tlsOptions
    ? await listenTls({ ...tlsOptions, handshakeTimeout: 30_000 }, '0.0.0.0', {
        backlog: BACKLOG,
        onSecureConnection: (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
      })
    : await listenRaw((s) => s.resume(), '0.0.0.0', { backlog: BACKLOG });
  server.server.on('connection', (s: net.Socket) => {
    onConnection(s.localAddress ?? '');
    s.setTimeout(CONNECTION_LIFETIME_MS, () => s.destroy());
  });
  return server;
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  // Loaded lazily: pki.ts pulls in @peculiar/x509.
  const { createPki, selfSigned, chainPem, writeTempFiles } = await import('../test/support/pki');
  const pki = await createPki({ keyType: 'ec', name: 'bench fleet' });
  const wildcard = `*.${FLEET_DOMAIN}`;
  const DAY = 86_400_000;
  const [healthy, expired, mismatch, self] = await Promise.all([
    pki.issueLeaf({ dnsNames: [wildcard] }),
    pki.issueLeaf({ dnsNames: [wildcard], notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 10 * DAY) }),
    pki.issueLeaf({ dnsNames: ['other.example.net'] }),
    selfSigned({ dnsNames: [wildcard] }),
  ]);
  const files = writeTempFiles({ 'root.pem': pki.root.certPem });
  const tlsFor: Partial<Record<OriginKind, tls.TlsOptions>> = {
    healthy: { key: healthy.keyPem, cert: chainPem(healthy, pki.intermediate) },
    expired: { key: expired.keyPem, cert: chainPem(expired, pki.intermediate) },
    'name-mismatch': { key: mismatch.keyPem, cert: chainPem(mismatch, pki.intermediate) },
    'self-signed': { key: self.keyPem, cert: self.certPem },
    'chain-incomplete': { key: healthy.keyPem, cert: healthy.certPem },
  };
  const indexOf = new Map(opts.addresses.map((a, i) => [a, i]));
  const connections = new Array<number>(opts.origins).fill(0);
  let open = 0;
  const onConnection = (address: string) => {
    const i = indexOf.get(address);
    if (i !== undefined) connections[i]++;
  };
  const servers = new Map<OriginKind, Listening>();
  const kindAt = (i: number): OriginKind => (opts.mix === 'healthy' ? 'healthy' : kindOf(i));
  for (const kind of new Set(Array.from({ length: Math.min(opts.origins, PATTERN.length) }, (_, i) => kindAt(i)))) {
    if (kind === 'refused') continue;
    const server = await startKindServer(tlsFor[kind], onConnection);
    server.server.on('connection', (sock: net.Socket) => {
      open++;
      sock.once('close', () => open--);
    });
    servers.set(kind, server);
  }

  const origins: FleetOrigin[] = [];
  for (let i = 0; i < opts.origins; i++) {
    const kind = kindAt(i);
    const address = opts.addresses[i];
    const name = `o${String(i).padStart(5, '0')}.${FLEET_DOMAIN}`;
    // Port 1 (tcpmux), where nothing listens: the kernel refuses.
    if (kind === 'refused') origins.push({ index: i, kind, name, address, port: 1, relayed: false });
    else origins.push({ index: i, kind, name, address, port: servers.get(kind)!.port, relayed: true });
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    await Promise.all([...servers.values()].map((s) => s.close()));
    files.cleanup();
  };
  const lifetime = setTimeout(() => void close(), opts.maxLifetimeMs ?? 15 * 60_000);
  lifetime.unref();

  return {
    origins,
    rootPemPath: files.paths['root.pem'],
    stats: async () => {
      const cpu = process.cpuUsage();
      return {
        connectionsPerOrigin: [...connections],
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        open,
      };
    },
    close,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The fleet in a child process
// ---------------------------------------------------------------------------------------------------------------

type ParentMessage = { cmd: 'start'; opts: FleetOptions } | { cmd: 'stats'; id: number } | { cmd: 'stop' };
type ChildMessage =
  | { type: 'ready'; origins: FleetOrigin[]; rootPemPath: string }
  | { type: 'stats'; id: number; stats: FleetStats }
  | { type: 'error'; message: string };

/**
 * Runs this file as a child process running the fleet, inside the network namespace `ns` (`ip netns exec`); the
 * same interface as `startFleet`.
 */
export function startFleetProcess(opts: FleetOptions, ns: string): Promise<Fleet> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, __filename, '--fleet-child'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pending = new Map<number, (s: FleetStats) => void>();
    let nextId = 1;
    let ready = false;
    const timer = setTimeout(() => {
      if (!ready) {
        child.kill();
        reject(new Error('fleet child did not start within 120 s'));
      }
    }, 120_000);
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        ready = true;
        clearTimeout(timer);
        resolve({
          origins: m.origins,
          rootPemPath: m.rootPemPath,
          stats: () =>
            new Promise((res) => {
              const id = nextId++;
              pending.set(id, res);
              child.send({ cmd: 'stats', id } satisfies ParentMessage);
            }),
          close: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
              child.once('exit', () => {
                clearTimeout(kill);
                res();
              });
              child.send({ cmd: 'stop' } satisfies ParentMessage);
            }),
        });
      } else if (m.type === 'stats') {
        pending.get(m.id)?.(m.stats);
        pending.delete(m.id);
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`fleet child: ${m.message}`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`fleet child exited with ${code}`));
    });
    child.send({ cmd: 'start', opts } satisfies ParentMessage);
  });
}

function runChild(): void {
  let fleet: Fleet | undefined;
  const send = (m: ChildMessage) => process.send?.(m);
  const stop = async () => {
    await fleet?.close();
    process.exit(0);
  };
  process.on('disconnect', () => void stop()); // the parent died: do not linger
  process.on('message', async (m: ParentMessage) => {
    try {
      if (m.cmd === 'start') {
        fleet = await startFleet(m.opts);
        send({ type: 'ready', origins: fleet.origins, rootPemPath: fleet.rootPemPath });
      } else if (m.cmd === 'stats' && fleet) {
        send({ type: 'stats', id: m.id, stats: await fleet.stats() });
      } else if (m.cmd === 'stop') {
        await stop();
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  });
}

if (require.main === module && process.argv.includes('--fleet-child')) runChild();
