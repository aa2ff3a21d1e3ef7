#!/usr/bin/env node
// The `cf-origin-monitor` command from a checkout: runs the TypeScript CLI through tsx.
require('tsx/cjs');
require('../lambda/cli.ts');
