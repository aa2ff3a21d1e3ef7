// The AWS SDK's notice that releases after January 2027 need Node 22 is true but noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Hermetic: an HTTPS request to anything but loopback (the edge check sent to a real dxxxx.cloudfront.net by a test
// that forgot --no-edge or a fake edge, say) fails at once instead of leaving the machine.
import https from 'node:https';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;
const realRequest = https.request;
function hostOf(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (typeof first === 'string' || first instanceof URL) return new URL(String(first)).hostname;
  const o = (first ?? second) as { host?: string; hostname?: string } | undefined;
  return o?.hostname ?? o?.host ?? 'localhost';
}
(https as { request: unknown }).request = (...args: unknown[]) => {
  const host = hostOf(args);
  if (host && !LOOPBACK.test(host)) throw new Error(`hermetic tests: no HTTPS request to ${host} (only loopback)`);
  return (realRequest as (...a: unknown[]) => unknown)(...args);
};

// The same for every other connection (net, tls, http; the probes' own sockets) and for DNS asked of a resolver
// that is not on loopback (a test that forgot to pass its own resolver would ask the machine's): loopback only.
import dns from 'node:dns';
import net from 'node:net';

const loopbackHost = (host: string) => LOOPBACK.test(host) || /^::ffff:127\./i.test(host);
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const [first, second] = args;
  const opts = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number | string | undefined;
  let host: string | undefined;
  if (typeof opts === 'object' && opts !== null) host = opts.path !== undefined ? undefined : (opts.host ?? 'localhost');
  else if (typeof opts === 'number' || (typeof opts === 'string' && /^\d+$/.test(opts))) host = typeof second === 'string' ? second : 'localhost';
  if (host !== undefined && !loopbackHost(host)) throw new Error(`hermetic tests: no connection to ${host} (only loopback)`);
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const servedByLoopback = (r: { getServers(): string[] }) =>
  r.getServers().every((s) => loopbackHost(s.replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1')));
for (const proto of [dns.Resolver.prototype, dns.promises.Resolver.prototype] as unknown as Record<string, unknown>[]) {
  for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveTxt', 'reverse']) {
    const real = proto[name] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof real !== 'function') continue;
    proto[name] = function guarded(this: { getServers(): string[] }, ...a: unknown[]) {
      if (!servedByLoopback(this)) throw new Error(`hermetic tests: no DNS query to ${this.getServers().join(', ')} (only a resolver on loopback)`);
      return real.apply(this, a);
    };
  }
}
