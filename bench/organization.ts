/**
 * `npm run bench:org`: the organization's reduce step on a simulated organization (default 200 accounts x 50
 * distributions x 2 origins = 20,000 origins), in three runs:
 *
 *   1. first run, 10% of origins failing and 5 accounts whose member role is missing (news: 2,000 + 5)
 *   2. the same again (no news: nothing sent)
 *   3. every failing origin fixed (news: 2,000 RESOLVED)
 *   4. the worst case: every origin failing on a first run (news: 20,000)
 *
 * Every origin is a TLS 1.3 origin whose re-check time the items report (run 1 and 4 ask them all: their times
 * change, and the reduce step writes every account's copy), and the run lock is taken and released as in Lambda.
 * For each: the reduce step's wall time, heap growth and peak RSS, and the digest against SNS's limits (256 KB
 * message, 100-character subject), with how many items were listed in full and how many summarised per account.
 * Targets: the reduce step in well under its 10-minute timeout (< 30 s) and 1 GB (< 512 MB heap), the digest
 * always within 256 KB with a subject <= 100 characters.
 *
 *   npm run bench:org -- --accounts 500 --distributions 100
 */
import { MemoryStateStore } from '../lambda/alerting/state-store';
import type { PublishableDigest } from '../lambda/alerting/publish';
import { SNS_MAX_BYTES, SUBJECT_MAX } from '../lambda/alerting/digest';
import { reduceRun } from '../lambda/organization/reduce';
import { MemoryRunLock } from '../lambda/organization/run-lock';
import { simulateOrganization } from '../test/support/org-simulation';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const ACCOUNTS = arg('accounts', 200);
const DISTRIBUTIONS = arg('distributions', 50);
const ORIGINS = arg('origins', 2);

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const metrics = { addMetric: () => undefined, publishStoredMetrics: () => undefined };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main() {
  const originState = new MemoryStateStore();
  const accountState = new MemoryStateStore();
  const rows: string[][] = [];
  let ok = true;

  const scenarios: { name: string; failing: (a: number, d: number, o: number) => boolean; unreadable?: (a: number) => boolean; fresh?: boolean }[] = [
    { name: '1 first run, 10% failing, 5 roles missing', failing: (a, d, o) => (a * 7 + d * 3 + o) % 10 === 0, unreadable: (a) => a % 40 === 39 },
    { name: '2 same again (no news)', failing: (a, d, o) => (a * 7 + d * 3 + o) % 10 === 0, unreadable: (a) => a % 40 === 39 },
    { name: '3 all fixed, roles deployed', failing: () => false },
    { name: '4 worst: everything failing, first run', failing: () => true, fresh: true },
  ];

  let t = Date.parse('2026-01-01T00:00:00Z');
  const firstRun = new Date(t + 15 * 60_000).toISOString();
  for (const s of scenarios) {
    t += 15 * 60_000;
    const runId = `bench-${rows.length + 1}`;
    const sim = simulateOrganization({
      accounts: ACCOUNTS,
      distributionsPerAccount: DISTRIBUTIONS,
      originsPerDistribution: ORIGINS,
      failing: s.failing,
      ...(s.unreadable ? { unreadable: s.unreadable } : {}),
      runId,
      startedAt: new Date(t).toISOString(),
      // Asked without TLS 1.3 on the first run (and the fresh worst case), not again within the day.
      tls13CheckedAt: s.fresh ? new Date(t).toISOString() : firstRun,
    });
    const lock = new MemoryRunLock();
    await lock.acquire(runId, new Date(t), new Date(t + 20 * 60_000), new Date(t));
    const writesBefore = sim.store.objects.size;
    const states = s.fresh ? { origin: new MemoryStateStore(), account: new MemoryStateStore() } : { origin: originState, account: accountState };
    const published: PublishableDigest[] = [];
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
    const started = process.hrtime.bigint();
    const result = await reduceRun(
      { runId, itemsKey: sim.itemsKey },
      {
        // confirmRuns 1: the mismatch findings are not reachability findings anyway, and alert on the first run.
        settings: { profile: 'cloudfront-2025', confirmRuns: 2, reminderHours: 24, suppressions: [], stateMachineName: 'org-scan' },
        store: sim.store,
        originState: states.origin,
        accountState: states.account,
        publisher: { publish: async (d) => (published.push(d), { messageId: 'm' }) },
        logger: quiet,
        metrics,
        now: () => new Date(t + 10 * 60_000),
        lock,
      },
    );
    const copies = sim.store.objects.size - writesBefore - 1; // less the account sizes
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const d = published[0];
    const bytes = d ? Buffer.byteLength(d.envelope) : 0;
    if (d && (bytes > SNS_MAX_BYTES || d.subject.length > SUBJECT_MAX)) ok = false;
    if (ms > 30_000) ok = false;
    rows.push([
      s.name,
      String(sim.origins),
      String(result.news + result.accountNews),
      `${ms.toFixed(0)} ms`,
      mb(heapGrowth),
      mb(peakRss),
      d ? `${(bytes / 1024).toFixed(1)} KB` : '-',
      d ? `${result.included}/${result.brief}/${result.omitted}` : '-',
      d ? String(d.subject.length) : '-',
      String(copies),
    ]);
    if (d && process.argv.includes('--show')) process.stdout.write(`\n--- ${s.name}\nSubject: ${d.subject}\n\n${d.text.slice(0, 3000)}\n...\n${d.text.slice(-2500)}\n`);
  }

  const head = ['scenario', 'origins', 'news', 'reduce', 'heap +', 'peak RSS', 'digest', 'full/brief/counted', 'subject', 'tls13 copies'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`Organization reduce step: ${ACCOUNTS} accounts x ${DISTRIBUTIONS} distributions x ${ORIGINS} origins, node ${process.version}, load average ${require('node:os').loadavg()[0].toFixed(1)}\n`);
  process.stdout.write(`Targets: reduce < 30 s, digest <= ${SNS_MAX_BYTES / 1024} KB, subject <= ${SUBJECT_MAX} characters\n\n`);
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n\n${ok ? 'All within targets.' : 'OUT OF TARGET.'}\n`);
  if (!ok) process.exitCode = 1;
}

void main();
