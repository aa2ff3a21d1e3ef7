/**
 * One origin described by CLI flags (`scan --origin HOST[:PORT]`), turned into the same OriginTarget the
 * inventory builds from a distribution. Pure; throws an Error with one actionable line on bad input.
 */
import type { IpAddressType, OriginProtocolPolicy, OriginSslProtocol, OriginTarget, TargetPort } from '../model';

export interface SingleOriginFlags {
  origin: string;
  sni?: string[];
  protocols?: string;
  policy?: string;
  httpPort?: string | number;
  httpsPort?: string | number;
  connectionTimeoutMs?: number;
  ipAddressType?: string;
}

const PROTOCOLS: readonly OriginSslProtocol[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];
const POLICIES: readonly OriginProtocolPolicy[] = ['https-only', 'http-only', 'match-viewer'];
const IP_ADDRESS_TYPES: readonly IpAddressType[] = ['ipv4', 'ipv6', 'dualstack'];

export function parsePort(value: string | number, flag: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${flag}: "${value}" is not a port number (1-65535)`);
  return n;
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
export function parseHostPort(value: string, flag: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1], ...(bracketed[2] ? { port: parsePort(bracketed[2], flag) } : {}) };
  const parts = value.split(':');
  if (parts.length > 2) return { host: value }; // bare IPv6
  const [host, port] = parts;
  if (!host || !/^[A-Za-z0-9.*_-]+$/.test(host)) throw new Error(`${flag}: "${value}" is not HOST or HOST:PORT`);
  return { host, ...(port !== undefined ? { port: parsePort(port, flag) } : {}) };
}

export function parseProtocols(value: string | undefined): OriginSslProtocol[] {
  if (!value) return ['TLSv1.2'];
  const list = value.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of list) {
    if (!PROTOCOLS.includes(p as OriginSslProtocol)) {
      throw new Error(`--protocols: "${p}" is not one of ${PROTOCOLS.join(', ')} (CloudFront's OriginSslProtocols)`);
    }
  }
  if (list.length === 0) throw new Error('--protocols: give at least one of SSLv3, TLSv1, TLSv1.1, TLSv1.2');
  return list as OriginSslProtocol[];
}

export function singleOriginTarget(flags: SingleOriginFlags): OriginTarget {
  const { host, port } = parseHostPort(flags.origin, '--origin');
  const policy = (flags.policy ?? 'https-only') as OriginProtocolPolicy;
  if (!POLICIES.includes(policy)) throw new Error(`--policy: "${flags.policy}" is not one of ${POLICIES.join(', ')}`);
  const ipAddressType = (flags.ipAddressType ?? 'ipv4') as IpAddressType;
  if (!IP_ADDRESS_TYPES.includes(ipAddressType)) {
    throw new Error(`--ip-address-type: "${flags.ipAddressType}" is not one of ${IP_ADDRESS_TYPES.join(', ')}`);
  }
  const httpsPort = flags.httpsPort !== undefined ? parsePort(flags.httpsPort, '--https-port') : policy !== 'http-only' && port ? port : 443;
  const httpPort = flags.httpPort !== undefined ? parsePort(flags.httpPort, '--http-port') : policy === 'http-only' && port ? port : 80;
  const ports: TargetPort[] =
    policy === 'http-only'
      ? [{ port: httpPort, tls: false }]
      : policy === 'https-only'
        ? [{ port: httpsPort, tls: true }]
        : [{ port: httpsPort, tls: true }, { port: httpPort, tls: false }];
  const names = flags.sni && flags.sni.length > 0 ? [...new Set(flags.sni)] : [host];
  return {
    key: `${host}:${policy === 'http-only' ? httpPort : httpsPort}`,
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
}

export function parseResolve(value: string): ResolveEntry {
  const m = /^([^:]+):(\d+|\*):(.+)$/.exec(value);
  if (!m) throw new Error(`--resolve: "${value}" is not HOST:PORT:ADDRESS (e.g. origin.example.com:443:203.0.113.10)`);
  const addresses = m[3].split(',').map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
  for (const a of addresses) {
    if (!/^[0-9.]+$/.test(a) && !a.includes(':')) throw new Error(`--resolve: "${a}" in "${value}" is not an IP address`);
  }
  return { host: m[1].toLowerCase(), port: m[2] === '*' ? '*' : parsePort(m[2], '--resolve'), addresses };
}

/** Applies --resolve entries to targets whose domain and one of whose ports match. */
export function applyResolve(targets: OriginTarget[], entries: ResolveEntry[]): OriginTarget[] {
  if (entries.length === 0) return targets;
  return targets.map((t) => {
    const entry = entries.find((e) => e.host === t.domainName.toLowerCase() && (e.port === '*' || t.ports.some((p) => p.port === e.port)));
    return entry ? { ...t, resolveOverride: entry.addresses } : t;
  });
}
