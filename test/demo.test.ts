/** `cf-origin-monitor demo` (what `npm run demo` shows) from the checkout's command, as a person runs it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEMO_HEADER_SECRET } from '../scripts/demo';

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
}, 90_000);
