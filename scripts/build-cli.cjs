#!/usr/bin/env node
/**
 * Builds the installable command (`npm pack` runs it as `prepack`): lambda/cli.ts and everything it imports into one
 * CommonJS file, dist/cli.js, for Node.js 20+, and dist/THIRD-PARTY-NOTICES.txt. Plain JavaScript, so building needs
 * no TypeScript runner.
 *
 * What is bundled and what stays a package (README, "Speed"): the packages every scan loads (commander, the ASN.1
 * libraries) are bundled, so that start-up reads and compiles one file instead of some 90 (about 50-70 ms of CPU
 * for a scan of TLS origins), and bin/cf-origin-monitor.cjs can keep one V8 code cache for it. The packages only
 * some runs load stay packages (`dependencies` in package.json; test/package.e2e.test.ts checks the two agree),
 * each required at first use: the AWS SDK clients (the live inventory), zod (settings) and @peculiar/x509 (the
 * demo's certificates). The bundled packages' licences go to dist/THIRD-PARTY-NOTICES.txt.
 */
const { build } = require('esbuild');
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** Left as packages: what package.json names, and cron-validate, which lib/settings.ts requires only at synth. */
const external = [...Object.keys(pkg.dependencies), 'cron-validate'].flatMap((name) => [name, `${name}/*`]);

/** The esbuild options of the installed command (the bench builds it with these too). */
function cliBuildOptions(outfile) {
  return {
    entryPoints: [path.join(root, 'lambda', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    sourcemap: false,
    legalComments: 'none', // the licences, whole: THIRD-PARTY-NOTICES.txt
    metafile: true,
    logLevel: 'warning',
  };
}

/** The licence texts of the packages the bundle holds, from their metafile inputs. */
function notices(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (m) dirs.add(m[1]);
  }
  const parts = [...dirs].sort().map((dir) => {
    const p = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(path.join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? readFileSync(path.join(root, dir, file), 'utf8').trim() : `License: ${p.license} (no licence file in the package)`;
    return `${p.name}@${p.version} (${p.license})\n\n${text}\n`;
  });
  return `dist/cli.js bundles these packages; their licences follow.\n\n${parts.join(`\n${'-'.repeat(78)}\n\n`)}`;
}

/** Builds `outfile` and the notices beside it; resolves to the esbuild result. */
async function buildCli(outfile = path.join(root, 'dist', 'cli.js')) {
  const result = await build(cliBuildOptions(outfile));
  writeFileSync(path.join(path.dirname(outfile), 'THIRD-PARTY-NOTICES.txt'), notices(result.metafile));
  return result;
}

module.exports = { buildCli, cliBuildOptions };

if (require.main === module) {
  buildCli().catch((err) => {
    process.stderr.write(`build failed: ${err.message}\n`);
    process.exit(1);
  });
}
