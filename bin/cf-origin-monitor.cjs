#!/usr/bin/env node
// The `cf-origin-monitor` command. Installed from the package it runs the compiled CLI (dist/cli.js, built at
// `npm pack` by scripts/build-cli.cjs); in a checkout, where the TypeScript sources sit beside it, it runs them
// through tsx (a development dependency), so what runs is always the code as it is now.
const { existsSync } = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'lambda', 'cli.ts');
let cli;
if (existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require('../dist/cli.js');
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
