'use strict';
/**
 * Loopback only: refuses, before anything leaves the machine, every connection, DNS query and child process that
 * would reach an address that is not loopback (127.0.0.0/8, ::1). The tests install it in the jest process
 * (test/setup-env.ts) and, through NODE_OPTIONS=--require, in every Node process they start (the CLI, npm, cdk);
 * the demo installs it in its own process. Plain CommonJS so that `node --require` loads it with no TypeScript.
 *
 * What it checks:
 * - net.Socket#connect (net, tls, http, https and the probes' raw sockets): the host must be a loopback address or
 *   `localhost`;
 * - dns.lookup (getaddrinfo) of any other name, and dns.Resolver queries to a server that is not on loopback;
 * - child processes: every child gets NODE_OPTIONS with this file (a Node child is guarded in turn), and a program
 *   named with a non-loopback IP address, a URL to a non-loopback host (unless --connect-to/--resolve send it to
 *   loopback), `openssl -connect` to a name, or a DNS tool (host, dig, nslookup) without a loopback server is refused.
 *   Non-Node programs are judged by their arguments only: a cheap guard, not a sandbox.
 *
 * `allowHosts`: names that may be reached anyway (the npm registry, for the package test's `npm install`).
 */
const childProcess = require('node:child_process');
const dns = require('node:dns');
const https = require('node:https');
const net = require('node:net');
const path = require('node:path');

const INSTALLED = Symbol.for('cloudfront-origin-monitor.loopback-only');

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', 'ip6-localhost', 'ip6-loopback']);

function isLoopbackAddress(host) {
  const h = String(host).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h);
  return false;
}

function installLoopbackOnly(label = 'loopback only', options = {}) {
  // Kept on the net module, which every jest test file shares (each has globals of its own): installed once.
  const state = net[INSTALLED];
  if (state) {
    for (const h of options.allowHosts ?? []) state.allowHosts.add(String(h).toLowerCase());
    return;
  }
  const allowHosts = new Set((options.allowHosts ?? []).map((h) => String(h).toLowerCase()));
  net[INSTALLED] = { allowHosts };
  const allowedHost = (host) => isLoopbackAddress(host) || LOOPBACK_NAMES.has(String(host).toLowerCase()) || allowHosts.has(String(host).toLowerCase());
  const refuse = (what) => new Error(`${label}: ${what} (only loopback)`);

  // HTTPS first, so that its message names the request (the socket's would name the host only).
  const realRequest = https.request;
  https.request = function request(...args) {
    const [first, second] = args;
    let host;
    if (typeof first === 'string' || first instanceof URL) host = new URL(String(first)).hostname;
    else {
      const o = first ?? second;
      host = o?.hostname ?? o?.host ?? 'localhost';
    }
    if (host && !allowedHost(host)) throw refuse(`no HTTPS request to ${host}`);
    return realRequest.apply(this, args);
  };

  const realConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(...args) {
    const [first, second] = args;
    const opts = Array.isArray(first) ? first[0] : first;
    let host;
    if (typeof opts === 'object' && opts !== null) host = opts.path !== undefined ? undefined : (opts.host ?? 'localhost');
    else if (typeof opts === 'number' || (typeof opts === 'string' && /^\d+$/.test(opts))) host = typeof second === 'string' ? second : 'localhost';
    if (host !== undefined && !allowedHost(host)) throw refuse(`no connection to ${host}`);
    return realConnect.apply(this, args);
  };

  // An address literal is no look-up (a server listening on "::" looks it up); a name is, unless loopback's.
  const lookupAllowed = (hostname) => !hostname || net.isIP(String(hostname)) !== 0 || allowedHost(hostname);
  const realLookup = dns.lookup;
  dns.lookup = function lookup(hostname, ...rest) {
    if (!lookupAllowed(hostname)) throw refuse(`no name look-up of ${hostname}`);
    return realLookup.call(this, hostname, ...rest);
  };
  const realPromiseLookup = dns.promises.lookup;
  dns.promises.lookup = function lookup(hostname, ...rest) {
    if (!lookupAllowed(hostname)) return Promise.reject(refuse(`no name look-up of ${hostname}`));
    return realPromiseLookup.call(this, hostname, ...rest);
  };

  const serverHost = (s) => s.replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1');
  for (const proto of [dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
    for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolvePtr', 'resolveNaptr', 'resolveSoa', 'resolveCaa', 'reverse']) {
      const real = proto[name];
      if (typeof real !== 'function') continue;
      proto[name] = function guarded(...a) {
        const servers = this.getServers();
        if (!servers.every((s) => isLoopbackAddress(serverHost(s)))) throw refuse(`no DNS query to ${servers.join(', ')}`);
        return real.apply(this, a);
      };
    }
  }

  // Child processes: this guard in every Node child, and the arguments of the others judged.
  // Only as this file (bundled into the CLI, __filename is the bundle: its children are judged, not preloaded).
  const self = path.basename(__filename) === 'loopback-only.cjs' ? __filename : undefined;
  const requireSelf = self && (/\s/.test(self) ? `--require "${self}"` : `--require ${self}`);
  const withGuard = (value) => (!requireSelf || (value && value.includes(self)) ? value : [value, requireSelf].filter(Boolean).join(' '));
  if (requireSelf) {
    process.env.NODE_OPTIONS = withGuard(process.env.NODE_OPTIONS);
    process.env.CFOM_LOOPBACK_LABEL = label;
    if (allowHosts.size) process.env.CFOM_LOOPBACK_ALLOW = [...allowHosts].join(',');
  }

  const check = (file, args) => {
    // A Node child is guarded itself (NODE_OPTIONS): its arguments may name what it will be refused.
    if (requireSelf && (file === process.execPath || path.basename(String(file)) === 'node')) return;
    const problem = childProblem(file, args ?? [], allowedHost);
    if (problem) throw refuse(`no child process ${JSON.stringify([path.basename(String(file)), ...(args ?? [])].join(' ').slice(0, 200))}: ${problem}`);
  };
  const guardEnv = (env) => {
    const e = { ...(env ?? process.env) };
    if (!requireSelf) return e;
    e.NODE_OPTIONS = withGuard(e.NODE_OPTIONS);
    e.CFOM_LOOPBACK_LABEL = label;
    if (allowHosts.size) e.CFOM_LOOPBACK_ALLOW = [...allowHosts].join(',');
    return e;
  };
  // spawn, exec, execFile and fork all end in ChildProcess#spawn, with the environment as envPairs.
  const realSpawn = childProcess.ChildProcess.prototype.spawn;
  childProcess.ChildProcess.prototype.spawn = function spawn(options) {
    check(options.file, (options.args ?? []).slice(1));
    if (!requireSelf) return realSpawn.call(this, options);
    const pairs = (options.envPairs ?? []).filter((p) => !/^(NODE_OPTIONS|CFOM_LOOPBACK_LABEL|CFOM_LOOPBACK_ALLOW)=/.test(p));
    const current = (options.envPairs ?? []).find((p) => p.startsWith('NODE_OPTIONS='));
    const extra = Object.entries(guardEnv({ NODE_OPTIONS: current ? current.slice('NODE_OPTIONS='.length) : undefined }))
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    return realSpawn.call(this, { ...options, envPairs: [...pairs, ...extra] });
  };
  // The synchronous ones do not: their options get the guarded environment.
  for (const name of ['spawnSync', 'execFileSync', 'execSync']) {
    const real = childProcess[name];
    childProcess[name] = function guarded(file, ...rest) {
      const args = name === 'execSync' ? ['-c', String(file)] : Array.isArray(rest[0]) ? rest[0] : [];
      check(name === 'execSync' ? '/bin/sh' : file, args);
      const optionsAt = name === 'execSync' ? 0 : Array.isArray(rest[0]) ? 1 : 0;
      const opts = rest[optionsAt] && typeof rest[optionsAt] === 'object' ? rest[optionsAt] : {};
      const next = [...rest];
      next[optionsAt] = { ...opts, env: guardEnv(opts.env) };
      return real.call(this, file, ...next);
    };
  }
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh']);
const DNS_TOOLS = new Set(['host', 'dig', 'nslookup', 'drill']);

/** The words a shell would run (roughly: split on blanks and operators, quotes removed). */
function shellWords(script) {
  return (String(script).match(/'[^']*'|"[^"]*"|[^\s;|&<>()]+/g) ?? []).map((w) => w.replace(/^['"]|['"]$/g, ''));
}

/** Why a child process named like this would leave the machine, or undefined. */
function childProblem(file, args, allowedHost) {
  const program = path.basename(String(file));
  let words = [program, ...args.map(String)];
  if (SHELLS.has(program)) {
    const c = args.indexOf('-c');
    if (c >= 0 && args[c + 1] !== undefined) words = [program, ...shellWords(args[c + 1])];
  }
  // Hosts sent to loopback by curl's --connect-to HOST:PORT:TO:PORT or --resolve HOST:PORT:ADDR.
  const mapped = new Set();
  words.forEach((w, i) => {
    const v = /^--(connect-to|resolve)=(.*)$/.exec(w)?.[2] ?? (w === '--connect-to' || w === '--resolve' ? words[i + 1] : undefined);
    const m = v && /^([^:]*):\d*:(\[[^\]]+\]|[^:]+)/.exec(v);
    if (m && isLoopbackAddress(m[2])) mapped.add(m[1].toLowerCase());
  });
  for (const w of words) {
    for (const m of w.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g)) {
      if (!isLoopbackAddress(m[1])) return `names ${m[1]}`;
    }
    const bare = w.replace(/^@/, '').replace(/^\[([^\]]+)\](:\d+)?$/, '$1');
    if (net.isIPv6(bare) && !isLoopbackAddress(bare)) return `names ${bare}`;
    const url = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^/:?#@]+)/i.exec(w);
    if (url && !allowedHost(url[1]) && !mapped.has(url[1].toLowerCase())) return `names ${url[0]}`;
  }
  if (words.some((w) => DNS_TOOLS.has(w))) {
    // Without a server on loopback, a DNS tool asks the machine's resolver.
    const servers = words.filter((w) => isLoopbackAddress(w.replace(/^@/, '')));
    if (servers.length === 0) return "a DNS tool without a loopback server would ask the machine's resolver";
  }
  for (const [i, w] of words.entries()) {
    if (w === '-connect' && words[i + 1] !== undefined) {
      const host = words[i + 1].replace(/:\d+$/, '');
      if (!allowedHost(host)) return `openssl -connect ${words[i + 1]}`;
    }
  }
  return undefined;
}

module.exports = { installLoopbackOnly, isLoopbackAddress, childProblem };

// Loaded with `node --require` (NODE_OPTIONS) in a child of a guarded process: guard it too, as its parent says.
if (process.env.CFOM_LOOPBACK_LABEL) {
  installLoopbackOnly(process.env.CFOM_LOOPBACK_LABEL, { allowHosts: (process.env.CFOM_LOOPBACK_ALLOW ?? '').split(',').filter(Boolean) });
}
