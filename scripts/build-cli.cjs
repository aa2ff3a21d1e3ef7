#!/usr/bin/env node
/**
 * Builds the installable command (`npm pack` runs it as `prepack`): lambda/cli.ts and everything it imports from
 * this repository (the pipeline, the demo) into one CommonJS file, dist/cli.js, for Node.js 20+. The packages it
 * uses stay outside (`dependencies` in package.json; test/package.e2e.test.ts checks the two agree). Plain
 * JavaScript, so building needs no TypeScript runner.
 */
const { build } = require('esbuild');
const path = require('node:path');

const root = path.join(__dirname, '..');
build({
  entryPoints: [path.join(root, 'lambda', 'cli.ts')],
  outfile: path.join(root, 'dist', 'cli.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
}).catch((err) => {
  process.stderr.write(`build failed: ${err.message}\n`);
  process.exit(1);
});
