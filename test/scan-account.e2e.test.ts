/**
 * `cf-origin-monitor scan` with no target: the whole account, through the real AWS SDK against a local fake of the
 * CloudFront API (AWS_ENDPOINT_URL_CLOUDFRONT), probing real origins on loopback. And `scan --inventory` offline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { startFleet, type Fleet } from '../demo/fleet';
import { EXIT, main } from '../lambda/cli';
import type { ScanReport } from '../lambda/model';
import { demoInventory } from '../scripts/demo';
import { startFakeCloudFront, type FakeCloudFront } from './support/fake-cloudfront-api';

class Capture extends Writable {
  text = '';
  _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

async function cli(args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const SECRET = 'demo-shared-secret-never-printed';
let fleet: Fleet;
let api: FakeCloudFront;
let dir: string;
const savedEnv = { ...process.env };
let distributions: DistributionSummary[];

beforeAll(async () => {
  fleet = await startFleet();
  const [base] = demoInventory(fleet).DistributionList.Items;
  // Three distributions sharing the fleet, one page each: paging must follow NextMarker.
  distributions = ['E1DEMOEXAMPLE', 'E2DEMOEXAMPLE', 'E3DEMOEXAMPLE'].map((Id) => ({ ...base, Id, ARN: `arn:aws:cloudfront::123456789012:distribution/${Id}` }) as unknown as DistributionSummary);
  api = await startFakeCloudFront({ distributions, pageSize: 1 });
  dir = mkdtempSync(join(tmpdir(), 'cfom-account-'));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await api?.close();
  await fleet?.close();
  rmSync(dir, { recursive: true, force: true });
});

function resolveArgs(): string[] {
  return [...fleet.origins.map((o) => o.name), 'retired-api.origins.test'].flatMap((n) => ['--resolve', `${n}:*:127.0.0.1`]);
}

const common = () => [...resolveArgs(), '--ca-file', fleet.caFile, '--connect-timeout', '1000', '--format', 'json'];

describe('scan with no target scans every custom origin of the account', () => {
  let report: ScanReport;
  let code: number;
  let stdout: string;

  beforeAll(async () => {
    ({ code, stdout } = await cli(['scan', ...common()]));
    report = JSON.parse(stdout) as ScanReport;
  }, 60_000);

  it('reads every page of ListDistributions', () => {
    expect(api.requests.filter((r) => r.includes('/distribution')).length).toBeGreaterThanOrEqual(3);
    expect(new Set(report.origins.map((o) => o.distributionId))).toEqual(new Set(['E1DEMOEXAMPLE', 'E2DEMOEXAMPLE', 'E3DEMOEXAMPLE']));
  });

  it('reports every origin of every distribution, S3 REST origins as skipped', () => {
    const perDistribution = fleet.origins.length + 3; // + app-forwarding-host, retired-api, assets-bucket
    expect(report.origins).toHaveLength(3 * perDistribution);
    const bucket = report.origins.find((o) => o.originId === 'assets-bucket');
    expect(bucket?.status).toBe('skipped');
    expect(bucket?.skippedReason).toMatch(/S3/);
  });

  it('finds each condition of the fleet, as scan --origin does', () => {
    for (const o of fleet.origins) {
      const r = report.origins.find((x) => x.distributionId === 'E1DEMOEXAMPLE' && x.originId === o.id)!;
      const codes = r.findings.map((f) => f.code);
      if (o.expect === 'ok') expect({ id: o.id, codes }).toEqual({ id: o.id, codes: [] });
      else expect({ id: o.id, codes }).toEqual({ id: o.id, codes: expect.arrayContaining([o.expect]) });
    }
  });

  it('probes the viewer Host a behavior forwards, and says which paths fail', () => {
    const app = report.origins.find((o) => o.distributionId === 'E1DEMOEXAMPLE' && o.originId === 'app-forwarding-host')!;
    const mismatch = app.findings.find((f) => f.code === 'CERT_NAME_MISMATCH')!;
    expect(mismatch.sniName).toBe('www.shop.test');
    expect(mismatch.behaviors).toEqual(['/app/*']);
    expect(app.aliases).toEqual(['www.shop.test']);
  });

  it('exits 2 and never prints a custom header value', () => {
    expect(code).toBe(EXIT.CRITICAL);
    expect(stdout).not.toContain(SECRET);
  });
});

describe('filters and offline inventory', () => {
  it('--distribution limits the scan to one distribution', async () => {
    const { stdout } = await cli(['scan', '--distribution', 'E2DEMOEXAMPLE', ...common()]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(new Set(report.origins.map((o) => o.distributionId))).toEqual(new Set(['E2DEMOEXAMPLE']));
  }, 60_000);

  it('scan --inventory scans the saved listing with no API call', async () => {
    const file = join(dir, 'list-distributions.json');
    writeFileSync(file, JSON.stringify({ DistributionList: { Items: distributions.slice(0, 1) } }));
    const before = api.requests.length;
    const { code, stdout } = await cli(['scan', '--inventory', file, ...common()]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(api.requests.length).toBe(before);
    expect(report.summary.origins).toBe(fleet.origins.length + 3);
    expect(code).toBe(EXIT.CRITICAL);
  }, 60_000);

  it('a malformed inventory gives one line saying where, and exit 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ DistributionList: { Items: [{ Id: 'EBAD', Origins: { Items: [{ Id: 'o1' }] } }] } }));
    const { code, stderr, stdout } = await cli(['scan', '--inventory', file]);
    expect(code).toBe(EXIT.FAILED);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('bad.json');
  });
});

describe('AccessDenied', () => {
  it('names the missing permission in one line, exit 1', async () => {
    const denied = await startFakeCloudFront({ distributions: [], denyListDistributions: true });
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = denied.endpoint;
    try {
      const { code, stderr } = await cli(['scan']);
      expect(code).toBe(EXIT.FAILED);
      expect(stderr).toContain('cloudfront:ListDistributions');
      expect(stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      process.env.AWS_ENDPOINT_URL_CLOUDFRONT = api.endpoint;
      await denied.close();
    }
  }, 30_000);
});
