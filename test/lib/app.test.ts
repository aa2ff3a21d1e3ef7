/**
 * The app as users run it: `npx cdk synth` from the repo root, no AWS account, no network.
 * Full synths (bundle with esbuild, run cdk-nag), with and without misspelt context keys, and two that fail on a bad
 * context value. The CLI runs in a hermetic environment (no AWS settings of the developer).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const NOWHERE = path.join(os.tmpdir(), 'cfom-no-aws-config-here', 'nonexistent');

/**
 * A hermetic environment for the CLI: none of the developer's AWS settings (profile, keys, session token, web
 * identity role, region, ...), AWS config and credentials files that do not exist, no instance metadata, no version
 * check: synth must not need, and must not try, an account.
 */
function hermeticEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(NOWHERE, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(NOWHERE, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

function cdk(args: string[], outdir: string) {
  return spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', outdir, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: hermeticEnv(),
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
    // Without credentials (`cdk deploy` would fail after the synth): what to do, before CDK's generic error.
    expect(r.stderr).toMatch(/no AWS credentials found.*`aws configure`.*AWS_PROFILE.*`npx cdk bootstrap`/);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CloudFrontOriginMonitor.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::Lambda::Function', 'AWS::Events::Rule', 'AWS::SNS::Topic', 'AWS::DynamoDB::Table']));
  }, 120_000);

  test('the child gets no AWS settings of the developer', () => {
    const developer: Record<string, string> = {
      AWS_PROFILE: 'dev',
      AWS_SESSION_TOKEN: 't',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    };
    const saved = Object.fromEntries(Object.keys(developer).map((k) => [k, process.env[k]]));
    Object.assign(process.env, developer);
    try {
      const env = hermeticEnv();
      expect(Object.keys(env).filter((k) => k.startsWith('AWS_')).sort()).toEqual([
        'AWS_CONFIG_FILE',
        'AWS_EC2_METADATA_DISABLED',
        'AWS_SHARED_CREDENTIALS_FILE',
      ]);
      expect(fs.existsSync(env.AWS_CONFIG_FILE!)).toBe(false);
      expect(fs.existsSync(env.AWS_SHARED_CREDENTIALS_FILE!)).toBe(false);
      expect(env).toMatchObject({ AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: '1' });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('a context key that looks like a misspelt setting is warned about (one line each), and synth still works', () => {
    const r = cdk(['-c', 'alertEmail=ops@example.com', '-c', 'confirmruns=1'], path.join(outdir, 'typo'));
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('Warning: context key'));
    expect(warnings).toEqual([
      'Warning: context key "alertEmail" is not a setting and is ignored; did you mean "alertEmails"?',
      'Warning: context key "confirmruns" is not a setting and is ignored; did you mean "confirmRuns"?',
    ]);
    // Ignored indeed: nobody is e-mailed.
    expect(r.stderr).toMatch(/no one will be e-mailed/);
  }, 120_000);

  test('a bad context key prints its one-line error and exits 1, no stack trace', () => {
    const r = cdk(['-c', 'confirmRuns=0'], path.join(outdir, 'bad'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Invalid confirmRuns: 0 is not an integer from 1 to 10 (example: -c confirmRuns=2)');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  }, 120_000);

  test('a cron field out of range fails synth with one line naming the field', () => {
    const r = cdk(['-c', 'schedule=cron(99 * * * ? *)'], path.join(outdir, 'cron'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Invalid schedule: "cron(99 * * * ? *)": Number '99' of minutes field is bigger than upper limit '59' (example: -c schedule="cron(0 * * * ? *)")`);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  }, 120_000);
});
