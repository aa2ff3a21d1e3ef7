/**
 * One origin described by CLI flags (`scan --origin HOST[:PORT]`), turned into the same OriginTarget the
 * inventory builds from a distribution. Pure; throws an Error with one actionable line on bad input, so a typing
 * mistake is never probed and blamed on the origin.
 */
import { isIP } from 'node:net';
import type { IpAddressType, OriginProtocolPolicy, OriginSslProtocol, OriginTarget, TargetPort } from '../model';

export interface SingleOriginFlags {
  origin: string;
  sni?: string[];
  protocols?: string;
  /** The protocol policy; from the URL's scheme when --origin is a URL and no policy is given. */
  policy?: string;
  httpPort?: string | number;
  httpsPort?: string | number;
  connectionTimeoutMs?: number;
  ipAddressType?: string;
}

const PROTOCOLS: readonly OriginSslProtocol[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];
const POLICIES: readonly OriginProtocolPolicy[] = ['https-only', 'http-only', 'match-viewer'];
const IP_ADDRESS_TYPES: readonly IpAddressType[] = ['ipv4', 'ipv6', 'dualstack'];

/** A value quoted in an error: at most 80 characters, control characters escaped (it may be pasted garbage). */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

export function parsePort(value: string | number, flag: string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${flag}: ${quote(String(value))} is not a port number (1-65535)`);
  return n;
}

/**
 * Why `name` cannot be a DNS host name, or undefined when it can: at most 253 characters, labels of 1-63 letters,
 * digits, `-` or `_` (not starting or ending with `-`), an optional final dot. All-numeric names are not names
 * (`300.1.1.1` is a mistyped address, not a host).
 */
export function hostNameProblem(name: string): string | undefined {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (!n) return 'is empty';
  if (n.length > 253) return `is ${n.length} characters long; a DNS name has at most 253`;
  const labels = n.split('.');
  const long = labels.find((l) => l.length > 63);
  if (long) return `has a label of ${long.length} characters; DNS labels have at most 63`;
  if (labels.some((l) => l.length === 0)) return 'has an empty label (two dots in a row)';
  if (labels.some((l) => !/^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(l))) return 'holds a character a host name cannot (letters, digits, - and _ only)';
  if (/^[0-9.]+$/.test(n)) return 'is neither an IPv4 address nor a host name';
  return undefined;
}

export interface ParsedOrigin {
  host: string;
  port?: number;
  /** Set when the value was a URL. */
  scheme?: 'http' | 'https';
}

/**
 * `--origin`: a host, `host:port`, an IPv4 address (with a port or not), an IPv6 address bare or in brackets
 * (`[v6]:port` for a port), or a URL (`https://host:port/...`: scheme, host and port are taken, the path ignored).
 */
export function parseOrigin(value: string, flag = '--origin'): ParsedOrigin {
  const v = value.trim();
  if (!v) throw new Error(`${flag}: empty; give a host, HOST:PORT, an IP address or a URL (e.g. ${flag} api.example.com)`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v)) return parseOriginUrl(v, flag);
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(v);
  if (bracketed) {
    if (isIP(bracketed[1]) !== 6) throw new Error(`${flag}: ${quote(bracketed[1])} in brackets is not an IPv6 address`);
    return { host: bracketed[1].toLowerCase(), ...(bracketed[2] !== undefined ? { port: parsePort(bracketed[2], flag) } : {}) };
  }
  if (isIP(v) === 6) return { host: v.toLowerCase() };
  const colons = v.split(':').length - 1;
  if (colons > 1) throw new Error(`${flag}: ${quote(v)} is not an IPv6 address (write [ADDRESS]:PORT for one with a port)`);
  const [host, port] = colons === 1 ? [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)] : [v, undefined];
  checkHost(host, flag, v);
  return { host: host.toLowerCase().replace(/\.$/, ''), ...(port !== undefined ? { port: parsePort(port, flag) } : {}) };
}

function checkHost(host: string, flag: string, whole: string): void {
  if (isIP(host) === 4) return;
  const problem = hostNameProblem(host);
  if (problem) throw new Error(`${flag}: ${quote(host || whole)} ${problem}`);
}

function parseOriginUrl(v: string, flag: string): ParsedOrigin {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`${flag}: not a valid URL (e.g. https://api.example.com:8443)`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`${flag}: a URL must be http:// or https:// (CloudFront speaks nothing else to an origin), not ${scheme}://`);
  // Never quoted back: a user name and password are secrets.
  if (url.username || url.password) throw new Error(`${flag}: the URL holds a user name or password; give the origin without them`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 6) checkHost(host, flag, v);
  return { host: host.toLowerCase().replace(/\.$/, ''), ...(url.port ? { port: Number(url.port) } : {}), scheme };
}

/** `--sni`: a DNS name CloudFront can send (SNI carries no addresses; an IP literal means no SNI, as for an IP origin). */
export function parseSniName(value: string): string {
  const v = value.trim();
  if (!v) throw new Error('--sni: empty; give the name CloudFront sends (the origin domain, or a forwarded viewer Host)');
  if (isIP(v)) return v;
  if (v.startsWith('*.')) throw new Error(`--sni: ${quote(v)} is a wildcard; CloudFront sends a concrete name (e.g. ${v.replace(/^\*/, 'www')})`);
  const problem = hostNameProblem(v);
  if (problem) throw new Error(`--sni: ${quote(v)} ${problem}`);
  return v.toLowerCase().replace(/\.$/, '');
}

export function parseProtocols(value: string | undefined): OriginSslProtocol[] {
  if (value === undefined) return ['TLSv1.2'];
  const list = value.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of list) {
    if (!PROTOCOLS.includes(p as OriginSslProtocol)) {
      throw new Error(`--protocols: ${quote(p)} is not one of ${PROTOCOLS.join(', ')} (CloudFront's OriginSslProtocols)`);
    }
  }
  if (list.length === 0) throw new Error('--protocols: give at least one of SSLv3, TLSv1, TLSv1.1, TLSv1.2');
  return list as OriginSslProtocol[];
}

export function singleOriginTarget(flags: SingleOriginFlags): OriginTarget {
  const { host, port, scheme } = parseOrigin(flags.origin);
  const fromScheme: OriginProtocolPolicy | undefined = scheme === 'http' ? 'http-only' : scheme === 'https' ? 'https-only' : undefined;
  const policy = (flags.policy ?? fromScheme ?? 'https-only') as OriginProtocolPolicy;
  if (!POLICIES.includes(policy)) throw new Error(`--policy: ${quote(String(flags.policy))} is not one of ${POLICIES.join(', ')}`);
  if (scheme && flags.policy && policy !== 'match-viewer' && policy !== fromScheme) {
    throw new Error(`--origin ${scheme}://... and --policy ${policy} disagree; drop one`);
  }
  const ipAddressType = (flags.ipAddressType ?? 'ipv4') as IpAddressType;
  if (!IP_ADDRESS_TYPES.includes(ipAddressType)) {
    throw new Error(`--ip-address-type: ${quote(String(flags.ipAddressType))} is not one of ${IP_ADDRESS_TYPES.join(', ')}`);
  }
  // Which port the --origin port is: the URL's scheme says; otherwise HTTPS unless the policy is http-only.
  const portIsHttp = scheme ? scheme === 'http' : policy === 'http-only';
  const given = { https: flags.httpsPort !== undefined ? parsePort(flags.httpsPort, '--https-port') : undefined, http: flags.httpPort !== undefined ? parsePort(flags.httpPort, '--http-port') : undefined };
  if (port !== undefined) {
    const other = portIsHttp ? given.http : given.https;
    if (other !== undefined && other !== port) throw new Error(`--origin port ${port} and --${portIsHttp ? 'http' : 'https'}-port ${other} disagree; drop one`);
  }
  // A port CloudFront never uses under this policy would be silently ignored: a mistake.
  if (policy === 'http-only' && given.https !== undefined) throw new Error('--https-port: the origin is HTTP only (--policy http-only or an http:// URL); CloudFront never connects to its HTTPS port');
  if (policy === 'https-only' && given.http !== undefined) throw new Error('--http-port: the origin is HTTPS only (--policy https-only); CloudFront never connects to its HTTP port');
  const httpsPort = given.https ?? (!portIsHttp && port ? port : 443);
  const httpPort = given.http ?? (portIsHttp && port ? port : 80);
  const ports: TargetPort[] =
    policy === 'http-only'
      ? [{ port: httpPort, tls: false }]
      : policy === 'https-only'
        ? [{ port: httpsPort, tls: true }]
        : [{ port: httpsPort, tls: true }, { port: httpPort, tls: false }];
  const names = flags.sni && flags.sni.length > 0 ? [...new Set(flags.sni.map(parseSniName))] : [host];
  if (policy === 'http-only' && flags.sni && flags.sni.length > 0) throw new Error('--sni: the origin is HTTP only (--policy http-only or an http:// URL): no TLS, no SNI');
  return {
    key: `${host.includes(':') ? `[${host}]` : host}:${policy === 'http-only' ? httpPort : httpsPort}`,
    domainName: host,
    protocolPolicy: policy,
    httpPort,
    httpsPort,
    ports,
    sniNames: ports.some((p) => p.tls)
      ? names.map((name) => ({ name, source: name === host ? 'origin-domain' : 'viewer-host', behaviors: [] }))
      : [],
    allowedVersions: parseProtocols(flags.protocols),
    connectionTimeoutMs: flags.connectionTimeoutMs ?? 10_000,
    connectionAttempts: 3,
    ipAddressType,
  };
}

/** curl's `--resolve HOST:PORT:ADDRESS[,ADDRESS]`: addresses to use for HOST (PORT `*` for any port). */
export interface ResolveEntry {
  host: string;
  port: number | '*';
  addresses: string[];
  /** The value as given, for error messages. */
  text: string;
}

export function parseResolve(value: string): ResolveEntry {
  const v = value.trim();
  if (!v) throw new Error('--resolve: empty; give HOST:PORT:ADDRESS (e.g. origin.example.com:443:203.0.113.10)');
  if (/^[+-]/.test(v)) throw new Error(`--resolve: ${quote(v)}: curl's +/- prefixes are not supported; give HOST:PORT:ADDRESS`);
  const m = /^([^:[\]]+):(\d+|\*):(.+)$/.exec(v);
  if (!m) throw new Error(`--resolve: ${quote(v)} is not HOST:PORT:ADDRESS (e.g. origin.example.com:443:203.0.113.10)`);
  const problem = hostNameProblem(m[1]);
  if (problem) throw new Error(`--resolve: the host ${quote(m[1])} ${problem}`);
  const addresses = m[3].split(',').map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
  for (const a of addresses) {
    if (!isIP(a)) throw new Error(`--resolve: ${quote(a)} in ${quote(v)} is not an IP address`);
  }
  return { host: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] === '*' ? '*' : parsePort(m[2], '--resolve'), addresses: [...new Set(addresses)], text: v };
}

const matches = (t: OriginTarget, e: ResolveEntry) =>
  e.host === t.domainName.toLowerCase() && (e.port === '*' || t.ports.some((p) => p.port === e.port));

/**
 * Applies --resolve entries to targets whose domain and one of whose ports match (the first such entry wins). An
 * entry that matches no target is a mistake (a typo would silently probe DNS's addresses instead): an error naming
 * it. Indexed by host, so that thousands of entries over thousands of targets stay linear.
 */
export function applyResolve(targets: OriginTarget[], entries: ResolveEntry[]): OriginTarget[] {
  if (entries.length === 0) return targets;
  const targetsByHost = new Map<string, OriginTarget[]>();
  for (const t of targets) {
    const host = t.domainName.toLowerCase();
    const list = targetsByHost.get(host);
    if (list) list.push(t);
    else targetsByHost.set(host, [t]);
  }
  const unused = entries.filter((e) => !(targetsByHost.get(e.host) ?? []).some((t) => matches(t, e)));
  if (unused.length > 0) {
    const origins = [...new Set(targets.map((t) => `${t.domainName}:${t.ports.map((p) => p.port).join('/')}`))];
    const shown = origins.length > 5 ? `${origins.slice(0, 5).join(', ')} and ${origins.length - 5} more` : origins.join(', ') || 'none';
    const named = unused.length > 5 ? `${unused.slice(0, 5).map((e) => e.text).join(', ')} and ${unused.length - 5} more` : unused.map((e) => e.text).join(', ');
    throw new Error(`--resolve ${named}: matches no origin of the scan (origins: ${shown})`);
  }
  const entriesByHost = new Map<string, ResolveEntry[]>();
  for (const e of entries) {
    const list = entriesByHost.get(e.host);
    if (list) list.push(e);
    else entriesByHost.set(e.host, [e]);
  }
  return targets.map((t) => {
    const entry = entriesByHost.get(t.domainName.toLowerCase())?.find((e) => matches(t, e));
    return entry ? { ...t, resolveOverride: entry.addresses } : t;
  });
}

/**
 * A file of --resolve entries, one `HOST:PORT:ADDRESS[,ADDRESS]` a line; blank lines and `#` comments are skipped.
 * For thousands of entries, where flags would overflow the command line.
 */
export function parseResolveFile(text: string, file: string): ResolveEntry[] {
  const entries: ResolveEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim();
    if (!line) continue;
    try {
      entries.push(parseResolve(line));
    } catch (err) {
      throw new Error(`${file} line ${i + 1}: ${(err as Error).message.replace(/^--resolve: /, '')}`);
    }
  }
  return entries;
}
