/**
 * The app in organization mode as users run it (README "Organization mode"): `cdk synth` with -c organizationId
 * and -c organizationTargets, from the repo root, no AWS account, bundling the three functions and running cdk-nag;
 * a bad organization key stops it with one line. The CLI gets none of the developer's AWS settings.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const NOWHERE = path.join(os.tmpdir(), 'cfom-no-aws-config-here', 'nonexistent');

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

const cdk = (args: string[], outdir: string) =>
  spawnSync('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', outdir, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: hermeticEnv() });

describe('bin/cloudfront-origin-monitor.ts in organization mode', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfom-org-synth-'));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('-c organizationId and organizationTargets synthesise the hub stack (bundled, cdk-nag passing), not the single-account one', () => {
    const r = cdk(['-c', 'organizationId=o-a1b2c3d4e5', '-c', 'organizationTargets=r-a1b2', '-c', 'alertEmails=ops@example.com'], outdir);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.existsSync(path.join(outdir, 'CloudFrontOriginMonitor.template.json'))).toBe(false);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CloudFrontOriginMonitorOrganization.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((res) => res.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::StepFunctions::StateMachine', 'AWS::CloudFormation::StackSet', 'AWS::S3::Bucket', 'AWS::Events::Rule']));
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(3);
  }, 240_000);

  test('a bad organization key: one line naming it, exit 1', () => {
    const r = cdk(['-c', 'organizationId=o-a1b2c3d4e5', '-c', 'organizationTargets=a1b2'], outdir);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('Invalid'))).toEqual([
      'Invalid organizationTargets: "a1b2" is neither a root id (r-...) nor an OU id (ou-...) (example: -c organizationTargets=r-a1b2)',
    ]);
  }, 240_000);

  test('a misspelt organization key is warned about (it would otherwise deploy the single-account stack)', () => {
    // confirmRuns=50 stops the synth right after the warning (no bundling needed to see it).
    const r = cdk(['-c', 'organisationId=o-a1b2c3d4e5', '-c', 'confirmRuns=50'], outdir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Warning: context key "organisationId" is not a setting and is ignored; did you mean "organizationId"?');
  }, 240_000);
});
