/**
 * The scan command's flags, checked as a whole before any network I/O: a typing mistake is one line and exit 1,
 * never a probe whose failure is blamed on an origin, and never a silently wider or narrower scan.
 *
 * Three modes: one origin (`--origin`), a saved listing (`--inventory`), the account (neither). A flag that does not
 * apply to the chosen mode is an error, as is an empty value anywhere.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { hostNameProblem, parseOrigin, parseProtocols, parseResolve, parseSniName, quote, type ResolveEntry } from './inventory/single-origin';

export type ScanMode = 'origin' | 'inventory' | 'account';

/** Flags that describe the one origin of --origin; the inventory gives them for every other origin. */
export const ORIGIN_ONLY = ['sni', 'protocols', 'policy', 'httpPort', 'httpsPort', 'ipAddressType'] as const;
/** Flags that read or filter a listing, or steer the edge check (which needs a distribution); meaningless for one origin. */
export const LISTING_ONLY = ['distribution', 'excludeDistribution', 'skipDisabled', 'edge', 'connectTo'] as const;
export const INVENTORY_ONLY = ['policies', 'details'] as const;

/** `camelCase` option key -> `--kebab-case` flag. */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Commander argument parsers: each rejects an empty value and whatever its flag cannot hold, in one line. */
function parser<T>(flag: string, parse: (v: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message.replace(new RegExp(`^${flag}: `), ''));
    }
  };
}

export const nonEmpty = (flag: string, example: string) =>
  parser(flag, (v) => {
    if (!v.trim()) throw new Error(`${flag}: empty; give ${example}`);
    return v;
  });

export const originValue = parser('--origin', (v) => {
  // Commander would quote the value in its error; a URL's password must not be printed: that one is checked later.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*@/.test(v.trim())) return v;
  parseOrigin(v);
  return v;
});
export const sniValue = parser('--sni', parseSniName);
export const protocolsValue = parser('--protocols', (v) => {
  if (!v.trim()) throw new Error('--protocols: empty; give e.g. TLSv1.2 or TLSv1.2,TLSv1.1');
  parseProtocols(v);
  return v;
});
export const resolveValue = parser('--resolve', parseResolve);
// The edge check's module (and node:https with it) loads only when --connect-to is given, not for every --help.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const connectToValue = parser('--connect-to', (v) => (require('./probe/edge') as typeof import('./probe/edge')).parseConnectTo(v));

/** CloudFront distribution ids: upper-case letters and digits (E2QWRUHEXAMPLE). */
export const distributionId = (flag: string) =>
  parser(flag, (v) => {
    const id = v.trim();
    if (!id) throw new Error(`${flag}: empty; give a distribution id (e.g. E2QWRUHEXAMPLE)`);
    if (!/^[A-Za-z0-9]{1,64}$/.test(id)) throw new Error(`${flag}: ${quote(v)} is not a CloudFront distribution id (e.g. E2QWRUHEXAMPLE)`);
    return id.toUpperCase();
  });

/** `--dns-server ADDRESS[:PORT]` (`[v6]:port` for IPv6 with a port): as `dns.Resolver.setServers` takes them. */
export const dnsServerValue = parser('--dns-server', (v) => {
  const s = v.trim();
  if (!s) throw new Error('--dns-server: empty; give an IP address, e.g. 1.1.1.1 or [2606:4700:4700::1111]:53');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : isIP(s) === 6 ? [s, undefined] : [s.split(':')[0], s.split(':')[1]];
  if (!isIP(host)) {
    const hint = hostNameProblem(host) ? '' : ' (a resolver is given by address, not by name)';
    throw new Error(`--dns-server: ${quote(s)} is not an IP address${hint}`);
  }
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) throw new Error(`--dns-server: ${quote(s)}: the port is not 1-65535`);
  return s;
});

export interface ModeFlags {
  origin?: string;
  inventory: string[];
  dns?: string;
  hostsFile?: string;
}

/**
 * The mode, and every flag given that does not apply to it, as one line. `given(key)` says whether the user typed
 * the flag (commander's defaults do not count).
 */
export function checkMode(flags: ModeFlags, given: (key: string) => boolean): ScanMode {
  if (flags.origin !== undefined && flags.inventory.length > 0) throw new Error('give either --origin or --inventory, not both');
  const mode: ScanMode = flags.origin !== undefined ? 'origin' : flags.inventory.length > 0 ? 'inventory' : 'account';
  const wrong: string[] = [];
  if (mode !== 'origin') wrong.push(...ORIGIN_ONLY.filter(given).map((k) => `${flagName(k)} applies only with --origin (the listing gives each origin's own)`));
  if (mode === 'origin') {
    const why = (k: string) =>
      k === 'edge' || k === 'connectTo'
        ? `${k === 'edge' ? '--no-edge' : '--connect-to'} does not apply with --origin (the edge check needs a distribution; it is off for one origin)`
        : `${flagName(k)} does not apply with --origin (it filters a listing)`;
    wrong.push(...LISTING_ONLY.filter(given).map(why));
  }
  if (mode !== 'inventory') {
    const why: Record<(typeof INVENTORY_ONLY)[number], string> = {
      policies: '--policies applies only with --inventory (an account scan reads the policies itself)',
      details: '--details goes with --inventory (a live scan looks staging policies and tenants up itself)',
    };
    wrong.push(...INVENTORY_ONLY.filter(given).map((k) => why[k]));
  }
  if (flags.dns === 'public' && given('hostsFile')) wrong.push('--hosts-file does not apply with --dns public (public DNS never reads a hosts file)');
  if (wrong.length > 0) throw new Error(wrong.join('; '));
  return mode;
}

/** `--resolve` entries naming one host and port twice: the second would be silently ignored. */
export function checkResolveEntries(entries: ResolveEntry[]): void {
  const seen = new Map<string, string>();
  for (const e of entries) {
    const k = `${e.host}:${e.port}`;
    const before = seen.get(k);
    if (before) throw new Error(`--resolve ${quote(e.text)} and ${quote(before)} name the same host and port; give the addresses in one entry (HOST:PORT:ADDR,ADDR)`);
    seen.set(k, e.text);
  }
}
