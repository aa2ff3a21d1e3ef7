/**
 * N origins for the benchmark, cheaply, and honest about connections.
 *
 * - One TLS server per *kind* of origin (healthy, expired, name mismatch, self-signed, chain incomplete) and one
 *   silent server, all on 127.0.0.1, ECDSA P-256 certificates from test/support/pki.ts.
 * - One latency relay per origin, each on its own loopback address (127.10.x.y) and port: the scanner sees N
 *   distinct endpoints and every handshake crosses the relay (which counts it) with the round-trip cost.
 * - A `refused` origin is an address with no listener at all (the kernel answers RST), not behind a relay: a
 *   relay would have to accept first, which turns "refused" into "reset".
 *
 * Run in a child process (`startFleetProcess`) so that the servers' and relays' CPU is not the scanner's: the
 * benchmark reports both. Files of certificates go to a temp dir and are removed by close().
 */
import { fork, type ChildProcess } from 'node:child_process';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { listenRaw, listenTls, type Listening } from '../test/support/servers';
import { relayAddress, startRelay, type Relay } from './relay';

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
  /** False for refused origins (no relay). */
  relayed: boolean;
}

export interface FleetStats {
  /** Connections accepted by the relay of each origin (index -> count); 0 for refused ones. */
  connectionsPerOrigin: number[];
  cpuUserS: number;
  cpuSystemS: number;
  maxRssMb: number;
  relayOpen: number;
}

export interface FleetOptions {
  origins: number;
  latencyMs: number;
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

/** A TLS server with these options, or with none a silent one (reads, never answers); on 127.0.0.1, port 0. */
async function startKindServer(tlsOptions: tls.TlsOptions | undefined): Promise<Listening> {
  const server = tlsOptions
    ? await listenTls({ ...tlsOptions, handshakeTimeout: 30_000 }, '127.0.0.1', {
        backlog: BACKLOG,
        onSecureConnection: (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
      })
    : await listenRaw((s) => s.resume(), '127.0.0.1', { backlog: BACKLOG });
  server.server.on('connection', (s: net.Socket) => s.setTimeout(CONNECTION_LIFETIME_MS, () => s.destroy()));
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
  const servers = new Map<OriginKind, Listening>();
  for (const kind of new Set(Array.from({ length: Math.min(opts.origins, PATTERN.length) }, (_, i) => kindOf(i)))) {
    if (kind === 'refused') continue;
    servers.set(kind, await startKindServer(tlsFor[kind]));
  }

  const relays: (Relay | undefined)[] = [];
  const origins: FleetOrigin[] = [];
  for (let i = 0; i < opts.origins; i++) {
    const kind = kindOf(i);
    const address = relayAddress(i);
    const name = `o${String(i).padStart(5, '0')}.${FLEET_DOMAIN}`;
    if (kind === 'refused') {
      relays.push(undefined);
      // Port 1 (tcpmux) on an address nothing listens on: the kernel refuses.
      origins.push({ index: i, kind, name, address, port: 1, relayed: false });
      continue;
    }
    const relay = await startRelay({ host: '127.0.0.1', port: servers.get(kind)!.port }, { latencyMs: opts.latencyMs, host: address });
    relays.push(relay);
    origins.push({ index: i, kind, name, address, port: relay.port, relayed: true });
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    await Promise.all(relays.map((r) => r?.close()));
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
        connectionsPerOrigin: relays.map((r) => r?.stats.connections ?? 0),
        cpuUserS: cpu.user / 1e6,
        cpuSystemS: cpu.system / 1e6,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        relayOpen: relays.reduce((n, r) => n + (r?.stats.open ?? 0), 0),
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

/** Forks this file as a child process running the fleet; the same interface as `startFleet`. */
export function startFleetProcess(opts: FleetOptions): Promise<Fleet> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, ['--fleet-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
