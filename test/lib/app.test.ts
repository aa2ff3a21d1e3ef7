/**
 * The app as users run it: `npx cdk synth` from the repo root, no AWS account, no network.
 * One full synth (bundles with esbuild, runs cdk-nag) and one that fails on a bad context key.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

function cdk(args: string[], outdir: string) {
  return spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', outdir, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      // No credentials: synth must not need an account.
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
}

describe('bin/cloudfront-origin-monitor.ts via the CDK CLI', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfom-synth-'));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('`cdk synth -q` works with no context (warns that no one will be e-mailed) and passes cdk-nag', () => {
    const r = cdk([], outdir);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stderr).toMatch(/no one will be e-mailed/);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CloudFrontOriginMonitor.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::Events::Rule', 'AWS::SNS::Topic', 'AWS::DynamoDB::Table']));
  }, 120_000);

  test('a bad context key prints its one-line error and exits 1, no stack trace', () => {
    const r = cdk(['-c', 'confirmRuns=0'], path.join(outdir, 'bad'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Invalid confirmRuns: "0" is not an integer from 1 to 10 (example: -c confirmRuns=2)');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  }, 120_000);
});
