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
