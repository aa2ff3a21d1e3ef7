/** `cf-origin-monitor demo` (what `npm run demo` shows) from the checkout's command, as a person runs it. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_HEADER_SECRET } from '../demo/run';

const exec = promisify(execFile);

it('tells the whole story: the report, the e-mail, the logs, then the RESOLVED e-mail', async () => {
  const { stdout, stderr } = await exec(process.execPath, ['bin/cf-origin-monitor.cjs', 'demo'], {
    cwd: `${__dirname}/..`,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const subjects = stdout.split('\n').filter((l) => l.startsWith('Subject: '));
  expect(subjects).toEqual([expect.stringMatching(/^Subject: CloudFront origins: \d+ new likely-502/), 'Subject: CloudFront origins: 1 resolved']);
  for (const code of ['CERT_EXPIRED', 'CERT_NAME_MISMATCH', 'PORT_REFUSED', 'PORT_TIMEOUT', 'TLS_NO_COMMON_PROTOCOL', 'TLS_NO_COMMON_CIPHER', 'DNS_UNRESOLVABLE']) {
    expect(stdout).toContain(code);
  }
  expect(stdout).toContain('"message":"origin result"');
  expect(stdout).toMatch(/RESOLVED\n=+\n\n- Certificate expired \[CERT_EXPIRED\]/);
  expect(stdout + stderr).not.toContain(DEMO_HEADER_SECRET);
  expect(stderr).toBe('');

  // What a first reader trips over: the confirm-after-one-run is said, run 2 is later, the Check commands name the
  // demo's root CA, the CA's description has no nested brackets, and the README's e-mail is the real one.
  expect(stdout).toMatch(/after 1 run; deployed, the default is 2 runs in a row \(confirmRuns\)/);
  expect(stdout).toMatch(/-verify_hostname \S+ -CAfile \S+\/demo-root-ca\.pem <\/dev\/null/);
  expect(stdout).not.toMatch(/\([^()\n]*\([^()\n]*\)[^()\n]*\)/); // no nested brackets, as '(a (b) (c))'
  expect(stdout).not.toMatch(/\(\d+ roots\)|standing in for the Mozilla CA list\)/);
  expect(stdout).toContain('--keep');

  // Through CloudFront: the allowlisted and the mTLS origin are reachable only from CloudFront, and the 502 only the
  // edge check sees is confirmed with a request id.
  expect(stdout).toMatch(/partner-api +INFO +ORIGIN_CLOUDFRONT_ONLY: reachable only from CloudFront/);
  expect(stdout).toMatch(/payments +INFO +ORIGIN_CLOUDFRONT_ONLY: reachable only from CloudFront: the monitor cannot connect directly \(TLS_HANDSHAKE_FAILED client-certificate-required/);
  expect(stdout).toMatch(/checkout +CRITICAL EDGE_502: only the edge check sees it: GET https:\/\/d111111abcdef8\.cloudfront\.net\/checkout\/cf-origin-monitor-\S+ -> 502 \(Error from cloudfront\), POP \S+, request id [\w-]{56}==/);
  expect(stdout).toMatch(/and \d+ critical finding\(s\) of the direct probe confirmed through CloudFront/);
  const email = stdout.split(/The e-mail run 1 sends through SNS\n=+\n/)[1];
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const excerpt = /The start of the demo's first\ne-mail[^\n]*\n[^\n]*\n*```\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(excerpt).toBeDefined();
  const normal = (t: string) =>
    t
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/port \d+/g, 'port PORT')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/g, 'TIME')
      .replace(/\S+\/demo-root-ca\.pem/g, 'DIR/demo-root-ca.pem')
      .replace(/[\w-]{56}==/g, 'REQUEST-ID'); // CloudFront's request ids (the demo's edge makes new ones each run)
  expect(normal(email).startsWith(normal(excerpt!))).toBe(true);
}, 90_000);
