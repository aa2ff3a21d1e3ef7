// The AWS SDK's notice that releases after January 2027 need Node 22 is true but noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Hermetic: every connection, name look-up, DNS query and child process that would reach an address that is not
// loopback is refused before it leaves the machine (demo/loopback-only.cjs): in this process, and through
// NODE_OPTIONS=--require in every Node process a test starts (the CLI, npm, cdk), whose own children are judged in
// turn. Non-Node programs (openssl, curl, host, s2nc) are judged by their arguments. The npm registry stays
// reachable for the package test's `npm install` (the only network the rules allow, besides apt-get).
import { installLoopbackOnly } from '../demo/loopback-only.cjs';

const registries = ['registry.npmjs.org', process.env.npm_config_registry].flatMap((r) => {
  if (!r) return [];
  try {
    return [new URL(r.includes('://') ? r : `https://${r}`).hostname];
  } catch {
    return [];
  }
});
installLoopbackOnly('hermetic tests', { allowHosts: registries });
