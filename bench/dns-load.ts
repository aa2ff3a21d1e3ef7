/**
 * `npx tsx bench/dns-load.ts [--names N] [--capacity N] [--delay-ms N]`: N origin names looked up at once (as a
 * scan at its default concurrency does) against a busy DNS server on loopback, which handles `capacity` queries at
 * once and drops or SERVFAILs the rest. Prints how many names "did not resolve" with every look-up sent at once (the
 * old behaviour) and through the steady resolver (capped, adaptive, retried), and the time each took.
 */
import { promises as dns } from 'node:dns';
import { DEFAULT_RESOLVER_POLICY, probeDns, steadyResolver, type Resolver } from '../lambda/probe/dns';
import { startDnsServer } from '../test/support/dns-server';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

async function main() {
  const names = arg('names', 1000);
  const capacity = arg('capacity', 8);
  const delayMs = arg('delay-ms', 10);
  const zone = Object.fromEntries(Array.from({ length: names }, (_, i) => [`o${i}.busy.test`, { A: [`192.0.2.${i % 250}`] }]));
  for (const overload of ['servfail', 'drop'] as const) {
    for (const mode of ['all at once', 'steady'] as const) {
      const server = await startDnsServer(zone, { delayMs, capacity, overload });
      const inner = new dns.Resolver({ timeout: 2500, tries: 1 });
      inner.setServers([server.server]);
      const r: Resolver = mode === 'steady' ? steadyResolver(inner, DEFAULT_RESOLVER_POLICY) : inner;
      const started = Date.now();
      const facts = await Promise.all(Object.keys(zone).map((n) => probeDns(n, r)));
      const failed = facts.filter((f) => f.status !== 'ok').length;
      console.log(
        `${overload.padEnd(8)} ${mode.padEnd(11)} ${names} names: ${String(failed).padStart(4)} not resolved, ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `${server.stats.received} queries (${server.stats.dropped} dropped, ${server.stats.servfail} SERVFAIL), peak ${server.stats.peakInFlight} at once`,
      );
      await server.close();
    }
  }
}

void main();
