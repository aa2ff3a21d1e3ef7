/**
 * The benchmark's network: network namespaces of its own, and a delay line between them that delays every IP
 * packet (the SYN and SYN-ACK too, so a TCP connect costs a full round trip, as on a network).
 *
 * With latency:
 *
 *   namespace <id>c (scanner, 10.201.0.1) --TUN--> tunfwd (latency each way) --TUN--> namespace <id>s (origins)
 *
 * The origins' namespace has 10.202.0.0/16 as a local route on its loopback (any address in it is local: one
 * address per origin, no per-address set-up), so its servers, listening on 0.0.0.0 there, answer on every one.
 * The kernel has no netem qdisc here (CONFIG_NET_SCH_NETEM is not set), so the delay line is tunfwd.c, built with
 * the system's cc on first use; it forwards packets between two TUN devices and exits when its stdin closes.
 *
 * Without latency (the loopback row): one namespace with only `lo`; origins on 127.10.0.0/16 (127/8 is local).
 *
 * Nothing here reaches another host: the namespaces have no other interface and no route out. Needs root (or
 * CAP_NET_ADMIN + CAP_SYS_ADMIN) and `ip` (iproute2).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface DelayLine {
  /** Namespace the scanner runs in, and the one the origins run in (the same one without latency). */
  scannerNs: string;
  originNs: string;
  latencyMs: number;
  /** The address of origin i (distinct per origin, so the per-address limit applies per origin). */
  originAddress(i: number): string;
  /** argv that runs `argv` inside a namespace. */
  inNs(ns: string, argv: string[]): string[];
  close(): Promise<void>;
}

const PREFIX = 'cfomb';

function ip(args: string[], input?: string): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message} (the benchmark needs iproute2)`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
}

/** Deletes namespaces a killed benchmark left behind (their pid is gone). */
function removeStale(): void {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)[cs])\\b`).exec(line);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      alive = false;
    }
    if (!alive) spawnSync('ip', ['netns', 'del', m[1]]);
  }
}

/** Builds tunfwd into a cache directory (once per source change). */
function buildForwarder(): string {
  const src = path.join(__dirname, 'tunfwd.c');
  const srcPath = existsSync(src) ? src : path.join(process.cwd(), 'bench', 'delay-line', 'tunfwd.c');
  const dir = path.join(os.tmpdir(), 'cfom-bench-bin');
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, `tunfwd-${Math.floor(statSync(srcPath).mtimeMs)}`);
  if (!existsSync(bin)) {
    const r = spawnSync('cc', ['-O2', '-Wall', '-o', bin, srcPath], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot build the delay line (cc ${srcPath}): ${r.error?.message ?? r.stderr.trim()}`);
  }
  return bin;
}

export async function startDelayLine(opts: { latencyMs: number }): Promise<DelayLine> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark makes network namespaces of its own (ip netns): run it as root, e.g. in a container or VM');
  removeStale();
  const id = `${PREFIX}${process.pid}`;
  const inNs = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', ns, ...argv];

  if (opts.latencyMs === 0) {
    const ns = `${id}c`;
    ip(['netns', 'add', ns]);
    try {
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      spawnSync('ip', ['netns', 'del', ns]);
      throw e;
    }
    return {
      scannerNs: ns,
      originNs: ns,
      latencyMs: 0,
      originAddress: (i) => `127.10.${(i + 1) >> 8}.${(i + 1) & 255}`,
      inNs,
      close: async () => void spawnSync('ip', ['netns', 'del', ns]),
    };
  }

  const bin = buildForwarder();
  const [c, s] = [`${id}c`, `${id}s`];
  const [tunC, tunS] = [`${id}a`, `${id}b`];
  let fwd: ChildProcess | undefined;
  const close = async () => {
    // Packets the kernel dropped at a device (its queue full): a delay line that drops is not a fair network.
    for (const [ns, dev] of [[c, tunC], [s, tunS]]) {
      const r = spawnSync('ip', ['-n', ns, '-s', 'link', 'show', 'dev', dev], { encoding: 'utf8' });
      const m = /TX:[^\n]*\n\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(r.stdout ?? '');
      if (m && Number(m[4]) > 0) console.error(`delay line: ${dev} dropped ${m[4]} of ${m[2]} packets`);
    }
    if (fwd && fwd.exitCode === null) {
      const exited = new Promise((r) => fwd!.once('exit', r));
      fwd.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (fwd.exitCode === null) fwd.kill('SIGKILL');
    }
    spawnSync('ip', ['netns', 'del', c]);
    spawnSync('ip', ['netns', 'del', s]);
  };
  try {
    ip(['netns', 'add', c]);
    ip(['netns', 'add', s]);
    fwd = spawn(bin, [tunC, tunS, String(opts.latencyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the delay line did not start within 5 s')), 5000);
      fwd!.once('exit', (code) => reject(new Error(`the delay line exited with ${code} (needs /dev/net/tun)`)));
      fwd!.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    ip(['link', 'set', tunC, 'netns', c]);
    ip(['link', 'set', tunS, 'netns', s]);
    ip(['-n', c, '-batch', '-'], [
      'link set lo up',
      `link set ${tunC} up mtu 1500 txqueuelen 20000`,
      `addr add 10.201.0.1/32 dev ${tunC}`,
      `route add 10.202.0.0/16 dev ${tunC} src 10.201.0.1`,
    ].join('\n') + '\n');
    ip(['-n', s, '-batch', '-'], [
      'link set lo up',
      `link set ${tunS} up mtu 1500 txqueuelen 20000`,
      `route add 10.201.0.1/32 dev ${tunS}`,
      'route add local 10.202.0.0/16 dev lo',
    ].join('\n') + '\n');
  } catch (e) {
    await close();
    throw e;
  }
  return {
    scannerNs: c,
    originNs: s,
    latencyMs: opts.latencyMs,
    originAddress: (i) => `10.202.${(i + 1) >> 8}.${(i + 1) & 255}`,
    inNs,
    close,
  };
}
