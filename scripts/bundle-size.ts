/**
 * `npm run bundle-size`: bundles lambda/handler.ts as the CDK stack does (lib/origin-monitor.ts: NodejsFunction
 * with esbuild, platform node, target node24, format cjs, minify, source map, every dependency bundled including
 * @aws-sdk/*), prints the bundle's size (and gzipped, about what the deployment zip holds), then the cost of
 * loading it: `require()` of the bundle in a fresh node, 10 times, median (a proxy for the cold-start init cost;
 * the local node is not Lambda's node 24, say so when reporting).
 *
 *   npm run bundle-size -- [--runs 10] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { median } from '../bench/stats';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsArg = argv.indexOf('--runs');
  const runs = runsArg >= 0 ? Math.max(1, Math.min(100, Number(argv[runsArg + 1]) || 10)) : 10;
  const keep = argv.includes('--keep');
  const root = path.resolve(__dirname, '..');
  const outdir = mkdtempSync(path.join(tmpdir(), 'cfom-bundle-'));
  const outfile = path.join(outdir, 'index.js');
  try {
    const t0 = Date.now();
    const result = await build({
      entryPoints: [path.join(root, 'lambda/handler.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      external: ['cron-validate'], // as the stack: checks schedules at synth only
      outfile,
      metafile: true,
      logLevel: 'warning',
      absWorkingDir: root,
    });
    const buildMs = Date.now() - t0;
    const code = readFileSync(outfile);
    const mapBytes = statSync(outfile + '.map').size;
    const gz = gzipSync(code, { level: 9 }).length;

    // Largest inputs by bytes in the output: where the size comes from.
    const inputs = new Map<string, number>();
    for (const out of Object.values(result.metafile.outputs)) {
      for (const [file, info] of Object.entries(out.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
        const key = m ? m[1] : file.startsWith('lambda/') ? 'lambda/ (own code)' : file;
        inputs.set(key, (inputs.get(key) ?? 0) + info.bytesInOutput);
      }
    }
    const top = [...inputs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);

    // The stack sets NODE_OPTIONS=--enable-source-maps on the function (lib/origin-monitor.ts): measured both ways.
    const script = `const t=process.hrtime.bigint(); require(${JSON.stringify(outfile)}); console.log(Number(process.hrtime.bigint()-t)/1e6)`;
    const measure = (nodeOptions: string) => {
      const loads: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions }, timeout: 60_000 });
        if (r.status !== 0) throw new Error(`loading the bundle failed: ${r.stderr}`);
        loads.push(Number(r.stdout.trim()));
      }
      return { median: median(loads), min: Math.min(...loads), max: Math.max(...loads) };
    };
    const plain = measure('');
    const withMaps = measure('--enable-source-maps');

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`bundle      ${kb(code.length)} (${code.length} bytes), gzip -9 ${kb(gz)}, source map ${kb(mapBytes)}; built in ${buildMs} ms`);
    const fmt = (m: { median: number; min: number; max: number }) => `median ${m.median.toFixed(1)} ms (min ${m.min.toFixed(1)}, max ${m.max.toFixed(1)})`;
    console.log(`load time   ${fmt(plain)}; with --enable-source-maps as deployed ${fmt(withMaps)}`);
    console.log(`            ${runs} runs each, node ${process.version} here (Lambda runs node 24), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log('largest inputs:');
    for (const [name, bytes] of top) console.log(`  ${name.padEnd(40)} ${kb(bytes)}`);
    if (keep) console.log(`kept ${outfile}`);
  } finally {
    if (!keep) rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
