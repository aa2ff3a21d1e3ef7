#!/usr/bin/env node
// The `cf-origin-monitor` command from a checkout: runs the TypeScript CLI through tsx.
require('tsx/cjs');
const { main } = require('../lambda/cli.ts');
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
