/**
 * `npx tsx bench/chain.ts [-- --origins N]`: the certificate-chain verdict's own cost per origin, without the network.
 *
 * Each origin gets its own leaf (as in a real account) under one of a few shared intermediates, judged against a
 * trust store parsed once, as the scan does. Prints the median and p95 of the per-chain time, and
 * the total for N origins: the figure to compare with a scan's wall time (npm run bench).
 */
import '../demo/reflect-metadata-shim';
import { analyzeChain } from '../lambda/probe/chain';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { createPki } from '../demo/pki';
import { median } from './stats';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--origins');
  const origins = i > 0 ? Number(process.argv[i + 1]) : 300;
  const pkis = await Promise.all([0, 1, 2].map((n) => createPki({ name: `bench-${n}` })));
  const leaves = await Promise.all(
    Array.from({ length: origins }, (_, n) => pkis[n % 3].issueLeaf({ dnsNames: [`o${n}.bench.test`, `www.o${n}.bench.test`] })),
  );
  const trust = trustStoreFromPems(pkis.map((p) => p.root.certPem), 'bench roots');
  const now = new Date();
  const times: number[] = [];
  const started = performance.now();
  leaves.forEach((leaf, n) => {
    const t = performance.now();
    const result = analyzeChain([leaf.der, pkis[n % 3].intermediate.der], { serverName: `o${n}.bench.test`, now, trust, expiryWarningDays: 30 });
    times.push(performance.now() - t);
    if (result.problems.length > 0 || result.certificateError) throw new Error(`unexpected verdict for origin ${n}: ${JSON.stringify(result.problems)}`);
  });
  const total = performance.now() - started;
  const sorted = [...times].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)];
  console.log(`chain verdict: ${origins} origins, median ${median(times).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, total ${total.toFixed(0)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
