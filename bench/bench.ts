/**
 * `npm run bench [-- --origins N --latency-ms N --openssl-sample N --concurrency N --timeout-ms N --no-bundle]`
 *
 * Under tsx it bundles itself (esbuild) and runs the bundle with plain node, so RSS is the engine's, not tsx's.
 *
 * Starts N local origins (bench/fleet.ts, in a child process) behind latency relays (bench/relay.ts), scans them
 * with the engine (runScan), then runs the knowledge-center openssl method on a sample of the same origins, and
 * prints a short table; the figures go to bench/results.json.
 *
 * Round-trip floor. A full check needs: DNS (0 here: resolveOverride) + TCP connect (1 RTT) + ClientHello ->
 * server's first flight (1 RTT) = 2 RTT on a network. The relay cannot delay the TCP handshake (the kernel
 * completes it), so in this benchmark the floor is 1 RTT; the per-origin figures are given against the bench's
 * floor, and an estimate for a real network adds one RTT per sequential connection.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_PROFILE, getProfile } from '../lambda/cloudfront/client-profile';
import type { OriginReport, OriginTarget } from '../lambda/model';
import { DEFAULT_CONCURRENCY, runScan, type ScanOptions } from '../lambda/pipeline';
import { EXPECTED_CODE, startFleetProcess, type FleetOrigin } from './fleet';
import { opensslMethod, sameVerdict, type OpensslVerdict } from './openssl-method';
import { median } from './stats';

interface Args {
  origins: number;
  latencyMs: number;
  opensslSample: number;
  concurrency: number;
  timeoutMs: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    origins: 500,
    latencyMs: 25,
    opensslSample: 20,
    concurrency: DEFAULT_CONCURRENCY,
    timeoutMs: 2000,
    out: path.join(__dirname, 'results.json'),
  };
  const num = (flag: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} takes a number in ${min}..${max}, got ${v}`);
    return Math.floor(n);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--origins': args.origins = num(flag, value(), 1, 20_000); break;
      case '--latency-ms': args.latencyMs = num(flag, value(), 0, 1000); break;
      case '--openssl-sample': args.opensslSample = num(flag, value(), 0, 1000); break;
      case '--concurrency': args.concurrency = num(flag, value(), 1, 5000); break;
      case '--timeout-ms': args.timeoutMs = num(flag, value(), 100, 30_000); break;
      case '--out': args.out = value(); break;
      case '--no-bundle': break;
      case '--help': case '-h':
        console.log('npm run bench -- [--origins 500] [--latency-ms 25] [--openssl-sample 20] [--concurrency 64] [--timeout-ms 2000] [--out bench/results.json] [--no-bundle]');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown argument ${argv[i]} (try --help)`);
    }
  }
  return args;
}

function target(o: FleetOrigin, timeoutMs: number): OriginTarget {
  return {
    key: o.name,
    domainName: o.name,
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: o.port,
    ports: [{ port: o.port, tls: true, behaviors: ['*'] }],
    sniNames: [{ name: o.name, source: 'origin-domain', behaviors: ['*'] }],
    allowedVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
    connectionTimeoutMs: timeoutMs,
    connectionAttempts: 3,
    resolveOverride: [o.address],
  };
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const codes = (r: OriginReport) => r.findings.filter((f) => f.severity === 'critical').map((f) => f.code);

/** Samples this process's RSS until stopped (memoryUsage().rss every 20 ms; resourceUsage().maxRSS at the end). */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return { stop: () => (clearInterval(t), Math.max(peak, process.memoryUsage().rss)) };
}

function fdLimit(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : Infinity;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rttMs = 2 * args.latencyMs;
  // Scanner: 1 fd per connection; fleet child: 1 per relay listener + 3 per relayed connection (2 relay, 1 server).
  const limit = fdLimit();
  const needed = args.origins + 3 * args.concurrency * 4 + 200;
  if (needed > limit) throw new Error(`ulimit -n is ${limit}; ${args.origins} origins at concurrency ${args.concurrency} need about ${needed}`);

  const load0 = os.loadavg();
  console.log(`bench: ${args.origins} origins, ${args.latencyMs} ms each way (RTT ${rttMs} ms), concurrency ${args.concurrency}, ` +
    `timeout ${args.timeoutMs} ms; ${os.cpus().length} CPUs, load ${load0.map(r2).join(' ')}; ${underTsx ? 'under tsx' : 'bundled, plain node'}`);
  const tFleet = Date.now();
  const fleet = await startFleetProcess({ origins: args.origins, latencyMs: args.latencyMs });
  console.log(`fleet ready in ${((Date.now() - tFleet) / 1000).toFixed(1)} s (child process)`);

  try {
    const profile = getProfile(DEFAULT_PROFILE);
    const scanOptions = (concurrency: number): ScanOptions => ({
      profile,
      caFiles: [fleet.rootPemPath],
      expiryWarningDays: 30,
      concurrency,
      connectTimeoutMs: args.timeoutMs,
    });
    const targets = fleet.origins.map((o) => target(o, args.timeoutMs));

    // ---- the fleet scan -------------------------------------------------------------------------------------
    const fleetCpu0 = await fleet.stats();
    const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
    const rss = rssSampler();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const report = await runScan(targets, scanOptions(args.concurrency));
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const peakRssMb = rss.stop() / 2 ** 20;
    const fleetAfter = await fleet.stats();

    const byKey = new Map(report.origins.map((r) => [r.key, r]));
    const relayed = fleet.origins.filter((o) => o.relayed);
    const connections = relayed.reduce((n, o) => n + fleetAfter.connectionsPerOrigin[o.index] - fleetCpu0.connectionsPerOrigin[o.index], 0);
    const handshakesPerKind: Record<string, number[]> = {};
    const expectedOk: Record<string, { agree: number; total: number; got: Record<string, number> }> = {};
    for (const o of fleet.origins) {
      const r = byKey.get(o.name)!;
      (handshakesPerKind[o.kind] ??= []).push(fleetAfter.connectionsPerOrigin[o.index] - fleetCpu0.connectionsPerOrigin[o.index]);
      const exp = EXPECTED_CODE[o.kind];
      const agree = exp ? r.status === 'critical' && codes(r).some((c) => exp.includes(c)) : r.status === 'ok';
      const e = (expectedOk[o.kind] ??= { agree: 0, total: 0, got: {} });
      e.total++;
      if (agree) e.agree++;
      const label = `${r.status}:${codes(r).join('+') || '-'}`;
      e.got[label] = (e.got[label] ?? 0) + 1;
    }
    const kindByName = new Map(fleet.origins.map((o) => [o.name, o.kind]));
    const healthyMs = report.origins.filter((r) => kindByName.get(r.key) === 'healthy').map((r) => r.durationMs);

    // ---- one origin alone (warm), the latency of a full check -----------------------------------------------
    const solo = fleet.origins.find((o) => o.kind === 'healthy')!;
    const soloRuns: { ms: number; connections: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const before = (await fleet.stats()).connectionsPerOrigin[solo.index];
      const one = await runScan([target(solo, args.timeoutMs)], scanOptions(1));
      const after = (await fleet.stats()).connectionsPerOrigin[solo.index];
      soloRuns.push({ ms: one.origins[0].durationMs, connections: after - before });
    }
    const soloMs = median(soloRuns.map((s) => s.ms));
    const soloConns = median(soloRuns.map((s) => s.connections));
    const benchFloorRtt = 1; // TCP connect is free behind the relay; the hello costs one round trip
    const realFloorRtt = 2;

    // ---- the knowledge-center method on a sample ------------------------------------------------------------
    const sample = fleet.origins.slice(0, Math.min(args.opensslSample, fleet.origins.length));
    const opensslRows: { name: string; kind: string; opensslMs: number; engineMs: number; ratio: number; openssl: string; engine: string; same: boolean }[] = [];
    const tO = Date.now();
    for (const o of sample) {
      const v: OpensslVerdict = await opensslMethod({ address: o.address, port: o.port, serverName: o.name, caFile: fleet.rootPemPath }, args.timeoutMs);
      const r = byKey.get(o.name)!;
      opensslRows.push({
        name: o.name,
        kind: o.kind,
        opensslMs: r1(v.totalMs),
        engineMs: r.durationMs,
        ratio: r1(v.totalMs / Math.max(1, r.durationMs)),
        openssl: v.status === 'ok' ? 'ok' : `critical:${v.code}`,
        engine: `${r.status}:${codes(r).join('+') || '-'}`,
        same: sameVerdict({ status: r.status, codes: codes(r) }, v),
      });
    }
    const opensslWallS = (Date.now() - tO) / 1000;
    const fleetEnd = await fleet.stats();

    // ---- figures -------------------------------------------------------------------------------------------
    const perOriginThroughputMs = (wallS * 1000) / args.origins;
    const opensslPerOrigin = opensslRows.map((r) => r.opensslMs);
    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        openssl: spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim(),
        loadavgStart: load0.map(r2),
        loadavgEnd: os.loadavg().map(r2),
        /** `node (bundled)`: the default; `tsx`: with --no-bundle (about 50 MB more RSS). */
        runner: underTsx ? 'tsx' : 'node (bundled)',
      },
      params: { ...args, rttMs },
      scan: {
        wallS: r2(wallS),
        originsPerS: r1(args.origins / wallS),
        summary: report.summary,
        incomplete: report.incomplete ?? null,
        handshakesPerOrigin: r2(connections / Math.max(1, relayed.length)),
        handshakesPerOriginByKind: Object.fromEntries(Object.entries(handshakesPerKind).map(([k, v]) => [k, r2(v.reduce((a, b) => a + b, 0) / v.length)])),
        peakRssMb: r1(peakRssMb),
        /** The process before the scan started (node, tsx, the engine's modules loaded). */
        rssBeforeScanMb: r1(rssBeforeMb),
        maxRssMb: r1(process.resourceUsage().maxRSS / 1024),
        cpuS: r2((cpu.user + cpu.system) / 1e6),
        cpuUserS: r2(cpu.user / 1e6),
        cpuSystemS: r2(cpu.system / 1e6),
        healthyOriginMs: { median: median(healthyMs), p95: pct(healthyMs, 95) },
        healthyOriginRtt: { median: r1(median(healthyMs) / rttMs), p95: r1(pct(healthyMs, 95) / rttMs) },
        verdictsAsExpected: expectedOk,
      },
      fleetProcess: {
        cpuS: r2(fleetAfter.cpuUserS + fleetAfter.cpuSystemS - fleetCpu0.cpuUserS - fleetCpu0.cpuSystemS),
        maxRssMb: r1(fleetEnd.maxRssMb),
      },
      singleOrigin: {
        runs: soloRuns,
        medianMs: soloMs,
        medianRtt: r1(soloMs / rttMs),
        connections: soloConns,
        benchFloorRtt,
        realNetworkFloorRtt: realFloorRtt,
        overBenchFloorRtt: r1(soloMs / rttMs - benchFloorRtt),
        /** Upper bound: each connection's TCP handshake (free here) costs one RTT on a network if sequential. */
        realNetworkEstimateRtt: r1(soloMs / rttMs + soloConns),
        realNetworkOverFloorRttUpperBound: r1(soloMs / rttMs + soloConns - realFloorRtt),
      },
      openssl: {
        sample: opensslRows.length,
        wallS: r2(opensslWallS),
        perOriginMs: { median: median(opensslPerOrigin), mean: r1(opensslPerOrigin.reduce((a, b) => a + b, 0) / Math.max(1, opensslPerOrigin.length)) },
        /** openssl time per origin / the engine's time for the same origin (latency, one origin at a time). */
        ratioPerOriginLatency: { median: median(opensslRows.map((r) => r.ratio)), min: Math.min(...opensslRows.map((r) => r.ratio)) },
        /** openssl time per origin / the engine's wall time per origin in the fleet scan (throughput). */
        ratioPerOriginThroughput: r1(median(opensslPerOrigin) / perOriginThroughputMs),
        /** openssl time per origin / one origin scanned alone (the best latency the engine has). */
        ratioToSingleOrigin: r1(median(opensslPerOrigin) / soloMs),
        sameVerdicts: opensslRows.filter((r) => r.same).length,
        rows: opensslRows,
      },
      targets: {} as Record<string, { target: string; value: string; met: boolean | 'n/a' }>,
    };
    const scaled = args.origins >= 1000 && rttMs >= 50;
    results.targets = {
      scale: { target: '1,000 origins at 50 ms RTT within 10 s (2 cores)', value: `${args.origins} origins at ${rttMs} ms in ${r2(wallS)} s`, met: scaled ? wallS <= 10 : 'n/a' },
      openssl: {
        target: '>= 20x faster per origin than the openssl method, same verdicts',
        value: `throughput ratio ${results.openssl.ratioPerOriginThroughput}x (latency ratio ${results.openssl.ratioToSingleOrigin}x alone, ${results.openssl.ratioPerOriginLatency.median}x in the fleet), ${results.openssl.sameVerdicts}/${opensslRows.length} same`,
        met: opensslRows.length ? results.openssl.ratioPerOriginThroughput >= 20 && results.openssl.sameVerdicts === opensslRows.length : 'n/a',
      },
      rss: { target: 'peak RSS < 150 MB', value: `${results.scan.peakRssMb} MB (maxRSS ${results.scan.maxRssMb} MB)`, met: Math.max(peakRssMb, results.scan.maxRssMb) < 150 },
      floor: {
        target: "a single origin's full check within 4 RTT of the floor",
        value: `${results.singleOrigin.medianRtt} RTT vs bench floor ${benchFloorRtt} (+${results.singleOrigin.overBenchFloorRtt}); network estimate <= +${results.singleOrigin.realNetworkOverFloorRttUpperBound}`,
        met: results.singleOrigin.overBenchFloorRtt <= 4,
      },
    };
    writeFileSync(args.out, JSON.stringify(results, null, 2) + '\n');

    // ---- table ---------------------------------------------------------------------------------------------
    const rows: [string, string][] = [
      ['origins / RTT / concurrency', `${args.origins} / ${rttMs} ms / ${args.concurrency}`],
      ['wall time', `${r2(wallS)} s`],
      ['origins per second', `${results.scan.originsPerS}`],
      ['handshakes per origin', `${results.scan.handshakesPerOrigin} (${Object.entries(results.scan.handshakesPerOriginByKind).map(([k, v]) => `${k} ${v}`).join(', ')})`],
      ['peak RSS (scanner)', `${results.scan.peakRssMb} MB sampled, maxRSS ${results.scan.maxRssMb} MB (${results.scan.rssBeforeScanMb} MB before the scan)`],
      ['CPU (scanner)', `${results.scan.cpuS} s (user ${results.scan.cpuUserS}, sys ${results.scan.cpuSystemS})`],
      ['CPU (fleet+relays child)', `${results.fleetProcess.cpuS} s`],
      ['healthy origin in the fleet', `median ${results.scan.healthyOriginMs.median} ms = ${results.scan.healthyOriginRtt.median} RTT, p95 ${results.scan.healthyOriginRtt.p95} RTT`],
      ['one origin alone', `${soloMs} ms = ${results.singleOrigin.medianRtt} RTT, ${soloConns} connection(s); floor ${benchFloorRtt} RTT here (${realFloorRtt} on a network)`],
      ...(opensslRows.length === 0 ? [] : ([
      ['openssl method per origin', `median ${results.openssl.perOriginMs.median} ms (${opensslRows.length} origins, ${results.openssl.wallS} s)`],
      ['openssl / engine per origin', `throughput ${results.openssl.ratioPerOriginThroughput}x; latency: same origin in the fleet scan ${results.openssl.ratioPerOriginLatency.median}x (min ${results.openssl.ratioPerOriginLatency.min}x), one origin alone ${results.openssl.ratioToSingleOrigin}x`],
      ['same verdicts (engine, openssl)', `${results.openssl.sameVerdicts}/${opensslRows.length}`],
      ] as [string, string][])),
      ['verdicts as expected', Object.entries(expectedOk).map(([k, v]) => `${k} ${v.agree}/${v.total}`).join(', ')],
      ['load average (start -> end)', `${results.machine.loadavgStart.join(' ')} -> ${results.machine.loadavgEnd.join(' ')}`],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log('\n' + rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
    if (opensslRows.length) console.log('\nper origin (openssl sample):');
    for (const r of opensslRows) {
      console.log(`  ${r.name} ${r.kind.padEnd(16)} openssl ${String(r.opensslMs).padStart(7)} ms ${r.openssl.padEnd(28)} engine ${String(r.engineMs).padStart(5)} ms ${r.engine.padEnd(34)} ${String(r.ratio).padStart(6)}x ${r.same ? 'same' : 'DIFFERENT'}`);
    }
    console.log('\ntargets:');
    for (const t of Object.values(results.targets)) console.log(`  [${t.met === 'n/a' ? 'n/a' : t.met ? 'met' : 'NOT MET'}] ${t.target}: ${t.value}`);
    console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
    for (const [kind, e] of Object.entries(expectedOk)) if (e.agree < e.total) console.log(`  unexpected verdicts for ${kind}: ${JSON.stringify(e.got)}`);
  } finally {
    await fleet.close();
  }
}

/**
 * Under tsx (`npm run bench`), the bench bundles itself with esbuild and runs the bundle with plain node: tsx's
 * loader thread adds about 50 MB of RSS that the Lambda does not have. `--no-bundle` measures under tsx.
 */
async function viaBundle(): Promise<number> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfom-bench-'));
  try {
    const outfile = path.join(dir, 'bench.js');
    await build({ entryPoints: [__filename], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'warning', external: ['esbuild'] });
    const argv = process.argv.slice(2);
    if (!argv.some((a) => a === '--out' || a.startsWith('--out='))) argv.push('--out', path.join(__dirname, 'results.json'));
    const child = spawn(process.execPath, [outfile, ...argv], { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const underTsx = __filename.endsWith('.ts');
// Bundled, this file and the fleet's child entry are one script: the child must not run the bench.
if (!process.argv.includes('--fleet-child')) {
  const run = underTsx && !process.argv.includes('--no-bundle') ? viaBundle() : main().then(() => 0);
  run.then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
