/**
 * The hosts file, read as the system's resolver (getaddrinfo, so curl and openssl) reads it: the CLI resolves a
 * name the way the machine it runs on does. The Lambda never reads it: CloudFront resolves origins in public DNS.
 *
 * - hosts(5): `ADDRESS NAME [ALIAS...]`, `#` comments, names case-insensitive. A name listed there gets exactly the
 *   addresses of every line naming it, and DNS is not asked (glibc's `files` source returns on success; so do musl
 *   and macOS). `dns.lookup(name, { all: true })` gives the same answer.
 * - The order comes from the `hosts:` line of /etc/nsswitch.conf: `files` (or systemd's `resolve`, which serves
 *   the hosts file itself) before `dns` reads the file first; `dns files` reads it only when DNS has no address; no
 *   `files` at all means the file is not used. Without nsswitch.conf (musl, macOS, Windows) the file comes first.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface HostsEntry {
  addresses: string[];
  file: string;
}

export interface HostsLookup {
  file: string;
  order: 'files-first' | 'dns-first';
  lookup(name: string): HostsEntry | undefined;
}

export function defaultHostsFile(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  return platform === 'win32' ? join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts') : '/etc/hosts';
}

const canonical = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

/** hosts(5) text -> name -> addresses, in file order, each address once. */
export function parseHosts(text: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [address, ...names] = line.split(/\s+/);
    if (!isIP(address.replace(/%.*$/, '')) || names.length === 0) continue;
    for (const n of names) {
      const name = canonical(n);
      const list = table.get(name) ?? [];
      if (!list.includes(address)) list.push(address);
      table.set(name, list);
    }
  }
  return table;
}

/** The order of the `hosts:` line of nsswitch.conf; `undefined` when the hosts file is not a source at all. */
export function hostsOrder(nsswitch: string | undefined): HostsLookup['order'] | undefined {
  if (nsswitch === undefined) return 'files-first';
  const line = nsswitch
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .find((l) => /^hosts\s*:/.test(l));
  if (!line) return 'files-first';
  const sources = line
    .replace(/^hosts\s*:/, '')
    .replace(/\[[^\]]*\]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const files = sources.findIndex((s) => s === 'files' || s === 'resolve');
  const dns = sources.indexOf('dns');
  if (files < 0) return undefined;
  return dns >= 0 && dns < files ? 'dns-first' : 'files-first';
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export interface LoadHostsOptions {
  /** Default: the system's hosts file. A file given here must exist. */
  hostsFile?: string;
  /** Default: /etc/nsswitch.conf (absent on most systems other than glibc Linux). */
  nsswitchFile?: string;
  /** The order, instead of nsswitch.conf's (a hosts file given by name is read first). */
  order?: HostsLookup['order'];
}

/** The system's hosts file as a lookup, or `undefined` when the system does not use one. */
export function loadHosts(options: LoadHostsOptions = {}): HostsLookup | undefined {
  const file = options.hostsFile ?? defaultHostsFile();
  const order = options.order ?? hostsOrder(readOptional(options.nsswitchFile ?? '/etc/nsswitch.conf'));
  if (!order) return undefined;
  const text = readOptional(file);
  if (text === undefined) {
    if (options.hostsFile) throw new Error(`${file}: cannot read the file (ENOENT)`);
    return undefined;
  }
  const table = parseHosts(text);
  return {
    file,
    order,
    lookup: (name) => {
      const addresses = table.get(canonical(name));
      return addresses ? { addresses, file } : undefined;
    },
  };
}
