/**
 * DNS probe: every A and AAAA record of the origin name, as CloudFront sees it through public DNS.
 *
 * Only an answer is a verdict: NXDOMAIN (the name does not exist) and NOERROR without an address record are the
 * origin's problem (`DNS_UNRESOLVABLE`). A resolver that times out, answers SERVFAIL or refuses is the monitor's
 * problem: each look-up is retried with backoff, at most `maxInFlight` look-ups are in flight at once (a busy
 * resolver drops what it cannot handle), and a look-up that still fails leaves the origin "not checked: resolver
 * failed" (status `error` here), never an origin finding.
 *
 * The CLI can also read the hosts file first, as getaddrinfo does (`hosts.ts`); the Lambda never does.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import type { DnsFacts } from '../model';
import type { HostsLookup } from './hosts';

/** The two look-ups the probe needs; `dns.promises.Resolver` fits, tests and the demo pass their own. */
export interface Resolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

/** One try per query at the c-ares level: the retries (with backoff, outside the in-flight cap) are ours. */
export function createResolver(timeoutMs = 2500): Resolver {
  return new dnsPromises.Resolver({ timeout: timeoutMs, tries: 1 });
}

// ENOTFOUND is NXDOMAIN; ENODATA is a name without records of that type; EBADNAME a name DNS cannot carry. These
// are answers. Anything else (ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, ...) is the resolver failing.
const NO_SUCH_NAME = 'ENOTFOUND';
const NO_DATA = 'ENODATA';
const ANSWERS: ReadonlySet<string> = new Set([NO_SUCH_NAME, NO_DATA, 'EBADNAME']);

export interface ResolverPolicy {
  /** Look-ups (A and AAAA count apart) in flight at once. */
  maxInFlight: number;
  /** Tries per look-up, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each further try, with +-50% jitter. */
  backoffMs: number;
}

/**
 * At most 16 look-ups in flight keeps a stub resolver (systemd-resolved, dnsmasq: 150 by default) and the VPC resolver
 * (1,024 packets/s per interface) well inside their limits, and costs nothing: 1,000 names at 2 ms each take 0.1 s.
 */
export const DEFAULT_RESOLVER_POLICY: ResolverPolicy = { maxInFlight: 16, attempts: 4, backoffMs: 250 };

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? String(err);

/** What a look-up's failure was, and after how many tries: kept on the error the steady resolver throws. */
export interface ResolverFailure extends NodeJS.ErrnoException {
  attempts?: number;
}

/**
 * The look-ups in flight, as a window that adapts to the resolver: it starts at `max`, halves when a look-up fails
 * for the resolver's sake (a busy resolver drops or SERVFAILs what is over its capacity) and grows back by one per
 * window of successes, as TCP's congestion window does. So a resolver that handles fewer at once than `max` is
 * asked no more than it handles, after its first failures.
 */
class LookupWindow {
  private active = 0;
  private size: number;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {
    this.size = max;
  }

  /** Runs `task` in a slot; `unwanted` is asked once the slot is there: an error it returns is thrown instead. */
  async run<T>(task: () => Promise<T>, unwanted?: () => Error | undefined): Promise<T> {
    while (this.active >= Math.floor(this.size)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const skip = unwanted?.();
    if (skip) {
      this.waiting.shift()?.();
      throw skip;
    }
    this.active++;
    try {
      const result = await task();
      this.size = Math.min(this.max, this.size + 1 / this.size);
      return result;
    } catch (err) {
      if (!ANSWERS.has(errorCode(err))) this.size = Math.max(1, this.size / 2);
      else this.size = Math.min(this.max, this.size + 1 / this.size);
      throw err;
    } finally {
      this.active--;
      for (let free = Math.floor(this.size) - this.active; free > 0 && this.waiting.length > 0; free--) this.waiting.shift()?.();
    }
  }
}

/**
 * Wraps a resolver: at most `maxInFlight` look-ups at once (fewer while the resolver is failing), and a failure
 * that is not an answer is tried again after a backoff (the slot is given back while waiting). The error of the
 * last try is thrown, with `attempts`.
 */
export function steadyResolver(
  inner: Resolver,
  policy: ResolverPolicy = DEFAULT_RESOLVER_POLICY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  random: () => number = Math.random,
): Resolver {
  const window = new LookupWindow(Math.max(1, policy.maxInFlight));
  const attempts = Math.max(1, policy.attempts);
  // A resolver that is down would otherwise cost every remaining look-up all its tries, one window at a time (1,000
  // names x 2 types x 4 tries x 2.5 s): after BREAKER tries in a row timed out with nothing else between them, the
  // look-ups fail at once, except one in BREAKER, tried once to see whether it is back. Any other outcome closes it.
  const breaker = Math.max(8, policy.maxInFlight);
  let failedInARow = 0;
  let lastError: unknown;
  let skipped = 0;
  const open = () => failedInARow >= breaker;
  const notAsked = (attempt: number) => {
    const code = errorCode(lastError);
    return Object.assign(new Error(`${code} (resolver not answering: ${failedInARow} tries in a row failed; not asked)`), { code, attempts: attempt, notAsked: true });
  };
  const ask = async (lookup: () => Promise<string[]>): Promise<string[]> => {
    let tries = attempts;
    let probing = false;
    if (open()) {
      if (++skipped % breaker !== 0) throw notAsked(0);
      tries = 1;
      probing = true;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        // The breaker may have opened while this look-up waited for a slot.
        const answer = await window.run(lookup, () => (open() && !probing ? notAsked(attempt - 1) : undefined));
        failedInARow = 0;
        return answer;
      } catch (err) {
        if ((err as { notAsked?: boolean }).notAsked) throw err;
        const answered = ANSWERS.has(errorCode(err));
        // Only time-outs open the breaker: they are what costs time. SERVFAIL or a refusal comes back at once
        // (and SERVFAIL is the resolver answering, for that name): the others are still asked.
        if (errorCode(err) === 'ETIMEOUT') {
          failedInARow++;
          lastError = err;
        } else failedInARow = 0;
        if (answered || attempt >= tries || open()) {
          if (err && typeof err === 'object') (err as ResolverFailure).attempts = attempt;
          throw err;
        }
        await sleep(Math.round(policy.backoffMs * 2 ** (attempt - 1) * (0.5 + random())));
        if (open()) throw notAsked(attempt);
      }
    }
  };
  return {
    resolve4: (name) => ask(() => inner.resolve4(name)),
    resolve6: (name) => ask(() => inner.resolve6(name)),
  };
}

type Answer = { addresses: string[] } | { error: string; attempts?: number };

async function ask(lookup: () => Promise<string[]>): Promise<Answer> {
  try {
    return { addresses: await lookup() };
  } catch (err) {
    const attempts = (err as ResolverFailure)?.attempts;
    return { error: errorCode(err), ...(attempts !== undefined ? { attempts } : {}) };
  }
}

function isLocalhost(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}

export interface DnsOptions {
  /** Addresses from --resolve. */
  override?: string[];
  /** The hosts file, read as the system's resolver reads it (CLI only). */
  hosts?: HostsLookup;
}

export async function probeDns(name: string, resolver: Resolver, optionsOrOverride?: string[] | DnsOptions): Promise<DnsFacts> {
  const options: DnsOptions = Array.isArray(optionsOrOverride) ? { override: optionsOrOverride } : (optionsOrOverride ?? {});
  const started = Date.now();
  const done = (facts: Omit<DnsFacts, 'name' | 'durationMs'>): DnsFacts => ({
    name,
    ...facts,
    durationMs: Date.now() - started,
  });
  const { override, hosts } = options;
  if (override && override.length > 0) {
    return done({ status: 'override', addresses: override.map((a) => ({ address: a, family: isIP(a) === 6 ? 6 : 4 })) });
  }
  const literal = isIP(name);
  if (literal) return done({ status: 'literal', addresses: [{ address: name, family: literal === 6 ? 6 : 4 }] });

  const fromHostsFile = (): DnsFacts | undefined => {
    const entry = hosts?.lookup(name);
    if (!entry) return undefined;
    return done({
      status: 'hosts-file',
      addresses: entry.addresses.map((a) => ({ address: a, family: isIP(a) === 6 ? 6 : 4 })),
      hostsFile: entry.file,
    });
  };
  if (hosts?.order === 'files-first') {
    const local = fromHostsFile();
    if (local) return local;
  }
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

  const failures = [v4, v6].flatMap((a) => ('error' in a ? [a] : []));
  const failure = failures.find((e) => !ANSWERS.has(e.error));
  if (failure) {
    return done({ status: 'error', addresses: [], error: failure.error, ...(failure.attempts !== undefined ? { attempts: failure.attempts } : {}) });
  }
  // DNS says the name has no address; a hosts file read after DNS ("hosts: dns files") may still have one.
  if (hosts?.order === 'dns-first') {
    const local = fromHostsFile();
    if (local) return local;
  }
  const errors = failures.map((f) => f.error);
  if (errors.includes(NO_SUCH_NAME)) return done({ status: 'nxdomain', addresses: [], error: NO_SUCH_NAME });
  if (errors.includes('EBADNAME')) return done({ status: 'nxdomain', addresses: [], error: 'EBADNAME' });
  return done({ status: 'no-address', addresses: [], error: errors[0] ?? NO_DATA });
}
