#!/usr/bin/env node
// The `cf-origin-monitor` command. Installed from the package it runs the compiled CLI (dist/cli.js, built at
// `npm pack` by scripts/build-cli.cjs); in a checkout, where the TypeScript sources sit beside it, it runs them
// through tsx (a development dependency), so what runs is always the code as it is now.
//
// The compiled CLI is compiled by V8 once, not at every run: its code cache is kept in the user's cache directory
// (README, "Speed"). Node 22.1+ keeps it itself (module.enableCompileCache); on Node 20 this file does, with
// vm.Script's cachedData, in a file named by the bundle's content hash, the Node version and the command. A cache that cannot be
// read or written costs only the compile; V8 rejects one that does not fit. CF_ORIGIN_MONITOR_NO_CODE_CACHE=1 turns
// it off.
const { existsSync } = require('node:fs');
const path = require('node:path');

/** The code cache file's first bytes (then the CPU ms of the run that wrote it, then V8's data). */
const HEADER = 'cfom-v8cache1';

const source = path.join(__dirname, '..', 'lambda', 'cli.ts');
let cli;
if (existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = loadCompiled(path.join(__dirname, '..', 'dist', 'cli.js'));
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

function cacheDir() {
  const os = require('node:os');
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined) || path.join(os.homedir(), '.cache');
  return path.join(base, 'cloudfront-origin-monitor');
}

function loadCompiled(file) {
  if (process.env.CF_ORIGIN_MONITOR_NO_CODE_CACHE) return require(file);
  const Module = require('node:module');
  if (typeof Module.enableCompileCache === 'function') {
    try {
      Module.enableCompileCache(path.join(cacheDir(), 'node-compile-cache'));
    } catch {
      // no cache: compiled as usual
    }
    return require(file);
  }
  const fs = require('node:fs');
  let text;
  let cacheFile;
  let cached;
  try {
    text = fs.readFileSync(file, 'utf8');
    const hash = require('node:crypto').createHash('sha256').update(text).update(`${process.version} ${process.arch}`).digest('hex').slice(0, 32);
    // One per command: a cache holds the functions the run that wrote it compiled (a scan's are not --help's).
    const command = ['scan', 'demo'].includes(process.argv[2]) ? process.argv[2] : 'other';
    cacheFile = path.join(cacheDir(), `cli-${hash}-${command}.v8cache`);
    cached = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  if (text === undefined) return require(file);
  // The file: 'cfom-v8cache1', the CPU ms of the run that wrote it (uint32 LE), then V8's cached data.
  let writtenByCpuMs = 0;
  if (cached && cached.length > HEADER.length + 4 && cached.toString('latin1', 0, HEADER.length) === HEADER) {
    writtenByCpuMs = cached.readUInt32LE(HEADER.length);
    cached = cached.subarray(HEADER.length + 4);
  } else {
    cached = undefined;
  }
  const vm = require('node:vm');
  const script = new vm.Script(Module.wrap(text), {
    filename: file,
    ...(cached ? { cachedData: cached } : {}),
    // import() inside the bundle resolves as in any CommonJS module (Node 20.16+ has the constant).
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const mod = new Module(file, module);
  mod.filename = file;
  require.cache[file] = mod;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  // Written when the run ends, so that it holds the functions this run compiled; written again by a run that took
  // more than 1.5 times the CPU of the one that wrote it (an empty scan's cache lacks the handshake's functions), so at
  // most a few times. Serialising costs about 2-12 ms, so not at every run.
  process.once('exit', () => {
    const cpuMs = Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000);
    if (cached && !script.cachedDataRejected && cpuMs <= 1.5 * writtenByCpuMs) return;
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const header = Buffer.alloc(HEADER.length + 4);
      header.write(HEADER);
      header.writeUInt32LE(Math.min(cpuMs, 0xffffffff), HEADER.length);
      fs.writeFileSync(tmp, Buffer.concat([header, script.createCachedData()]));
      fs.renameSync(tmp, cacheFile);
    } catch {
      // a read-only home: no cache
    }
  });
  return mod.exports;
}
