/**
 * DNS probe: every A and AAAA record of the origin name, as CloudFront sees it through public DNS.
 * NXDOMAIN, "exists but has no address" and "the resolver failed" are told apart.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import type { DnsFacts } from '../model';

/** The two look-ups the probe needs; `dns.promises.Resolver` fits, tests and the demo pass their own. */
export interface Resolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export function createResolver(timeoutMs = 3000): Resolver {
  return new dnsPromises.Resolver({ timeout: timeoutMs, tries: 2 });
}

type Answer = { addresses: string[] } | { error: string };

async function ask(lookup: () => Promise<string[]>): Promise<Answer> {
  try {
    return { addresses: await lookup() };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

// ENOTFOUND is NXDOMAIN; ENODATA is a name without records of that type. Anything else is the resolver failing.
const NO_SUCH_NAME = 'ENOTFOUND';
const NO_DATA = 'ENODATA';

function isLocalhost(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}

export async function probeDns(name: string, resolver: Resolver, override?: string[]): Promise<DnsFacts> {
  const started = Date.now();
  const done = (facts: Omit<DnsFacts, 'name' | 'durationMs'>): DnsFacts => ({
    name,
    ...facts,
    durationMs: Date.now() - started,
  });
  if (override && override.length > 0) {
    return done({ status: 'override', addresses: override.map((a) => ({ address: a, family: isIP(a) === 6 ? 6 : 4 })) });
  }
  const literal = isIP(name);
  if (literal) return done({ status: 'literal', addresses: [{ address: name, family: literal === 6 ? 6 : 4 }] });
  // RFC 6761: localhost names never reach DNS. Only useful on a laptop; CloudFront cannot reach them anyway.
  if (isLocalhost(name)) {
    return done({ status: 'ok', addresses: [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }] });
  }

  const [v4, v6] = await Promise.all([ask(() => resolver.resolve4(name)), ask(() => resolver.resolve6(name))]);
  const addresses = [
    ...('addresses' in v4 ? v4.addresses.map((a) => ({ address: a, family: 4 as const })) : []),
    ...('addresses' in v6 ? v6.addresses.map((a) => ({ address: a, family: 6 as const })) : []),
  ];
  if (addresses.length > 0) return done({ status: 'ok', addresses });

  const errors = [v4, v6].flatMap((a) => ('error' in a ? [a.error] : []));
  const failure = errors.find((e) => e !== NO_SUCH_NAME && e !== NO_DATA);
  if (failure) return done({ status: 'error', addresses: [], error: failure });
  if (errors.includes(NO_SUCH_NAME)) return done({ status: 'nxdomain', addresses: [], error: NO_SUCH_NAME });
  return done({ status: 'no-address', addresses: [], error: errors[0] ?? NO_DATA });
}
