/**
 * `npm run fuzz`: the property tests of test/fuzz/tls-parsers.fuzz.ts over the TLS record and handshake parsers
 * and the flight analyser, with enough runs for at least 100,000 inputs in total. Prints, per property, the runs,
 * the time, the largest single allocation seen against its limit, and any failure with its seed, replay path and
 * counterexample. Exits 1 when a property fails.
 *
 *   npm run fuzz -- [--runs N (per property; default: 100,000 in total)] [--seed S] [--path P] [--only TEXT]
 */
import { PROPERTIES, runProperty, type PropertyReport } from '../test/fuzz/tls-parsers.fuzz';

const TOTAL_INPUTS = 100_000;

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, not ${text}`);
  return n;
}

function main(): number {
  const argv = process.argv.slice(2);
  const only = option(argv, 'only');
  const properties = PROPERTIES.filter((p) => only === undefined || p.name.toLowerCase().includes(only.toLowerCase()));
  if (properties.length === 0) throw new Error(`no property matches --only ${only}; there are: ${PROPERTIES.map((p) => p.name).join('; ')}`);
  const runs = integer(option(argv, 'runs'), 'runs') ?? Math.ceil(TOTAL_INPUTS / PROPERTIES.length);
  if (runs < 1) throw new Error('--runs must be at least 1');
  // One seed for every property: printed, so that a run can be repeated exactly.
  const seed = integer(option(argv, 'seed'), 'seed') ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const path = option(argv, 'path');

  console.log(`fuzz: ${properties.length} properties x ${runs.toLocaleString('en')} runs, seed ${seed}${path ? `, path ${path}` : ''}`);
  const started = performance.now();
  const reports: PropertyReport[] = [];
  for (const property of properties) {
    const report = runProperty(property, { numRuns: runs, seed, ...(path !== undefined ? { path } : {}) });
    reports.push(report);
    const allocation = `largest allocation ${report.largestAllocation.bytes.toLocaleString('en')} B of ${report.limit.toLocaleString('en')} (${report.limitName})`;
    console.log(
      `${report.failure ? 'FAIL' : 'ok  '} ${report.name.padEnd(66)} ${report.runs.toLocaleString('en').padStart(7)} runs ${(report.ms / 1000).toFixed(1).padStart(6)} s  ${allocation}`,
    );
    console.log(`       via ${report.largestAllocation.via}`);
    if (report.failure) console.log(report.failure.replace("'<name>'", `'${report.name}'`).replace(/^/gm, '       '));
  }
  const total = reports.reduce((sum, r) => sum + r.runs, 0);
  const failed = reports.filter((r) => r.failure);
  console.log(
    `${total.toLocaleString('en')} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${seed}: ` +
      (failed.length === 0 ? 'no failure' : `${failed.length} failed (${failed.map((r) => r.name).join('; ')})`),
  );
  return failed.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}
