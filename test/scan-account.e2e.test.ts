/**
 * `cf-origin-monitor scan` with no target: the whole account, through the real AWS SDK against a local fake of the
 * CloudFront API (AWS_ENDPOINT_URL_CLOUDFRONT), probing real origins on loopback. And `scan --inventory` offline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { startFleet, type Fleet } from '../demo/fleet';
import { EXIT } from '../lambda/cli';
import type { ScanReport } from '../lambda/model';
import { DEMO_HEADER_SECRET, DISTRIBUTION_ID, demoInventory } from '../demo/run';
import { HERMETIC_AWS_ENV, withEnv } from './support/aws-env';
import { cli } from './support/cli';
import { startFakeCloudFront, type FakeCloudFront } from './support/fake-cloudfront-api';

const DISTRIBUTION_IDS = [DISTRIBUTION_ID, 'E2DEMOEXAMPLE', 'E3DEMOEXAMPLE'];
let fleet: Fleet;
let api: FakeCloudFront;
let dir: string;
let restoreEnv: (() => void) | undefined;
let distributions: DistributionSummary[];

beforeAll(async () => {
  fleet = await startFleet();
  const [base] = demoInventory(fleet).DistributionList.Items;
  // Three distributions sharing the fleet, one page each: paging must follow NextMarker.
  distributions = DISTRIBUTION_IDS.map((Id) => ({ ...base, Id, ARN: `arn:aws:cloudfront::123456789012:distribution/${Id}` }) as unknown as DistributionSummary);
  api = await startFakeCloudFront({ distributions, pageSize: 1 });
  dir = mkdtempSync(join(tmpdir(), 'cfom-account-'));
  // Nothing from this machine's AWS configuration: only the fake API can be called.
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  await api?.close();
  await fleet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function resolveArgs(): string[] {
  return [...fleet.origins.map((o) => o.name), 'retired-api.origins.test'].flatMap((n) => ['--resolve', `${n}:*:127.0.0.1`]);
}

// --no-edge: the demo distribution's domain is not on loopback (test/edge/scan-live-edge.e2e.test.ts runs the edge check).
const common = () => [...resolveArgs(), '--ca-file', fleet.caFile, '--connect-timeout', '1000', '--format', 'json', '--no-edge'];

describe('scan with no target scans every custom origin of the account', () => {
  let report: ScanReport;
  let code: number;
  let stdout: string;

  beforeAll(async () => {
    // --check-without-tls13: the fleet's tls13-only origin shows TLS13_ONLY only when asked (as scan --origin).
    ({ code, stdout } = await cli(['scan', ...common(), '--check-without-tls13']));
    report = JSON.parse(stdout) as ScanReport;
  }, 60_000);

  it('reads every page of ListDistributions', () => {
    expect(api.requests.filter((r) => r.includes('/distribution')).length).toBeGreaterThanOrEqual(3);
    expect(new Set(report.origins.map((o) => o.distributionId))).toEqual(new Set(DISTRIBUTION_IDS));
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
      const r = report.origins.find((x) => x.distributionId === DISTRIBUTION_ID && x.originId === o.id)!;
      const codes = r.findings.map((f) => f.code);
      if (o.expect === 'ok') expect({ id: o.id, codes }).toEqual({ id: o.id, codes: [] });
      else expect({ id: o.id, codes }).toEqual({ id: o.id, codes: expect.arrayContaining([o.expect]) });
    }
  });

  it('probes the viewer Host a behavior forwards, and says which paths fail', () => {
    const app = report.origins.find((o) => o.distributionId === DISTRIBUTION_ID && o.originId === 'app-forwarding-host')!;
    const mismatch = app.findings.find((f) => f.code === 'CERT_NAME_MISMATCH')!;
    expect(mismatch.sniName).toBe('www.shop.test');
    expect(mismatch.behaviors).toEqual(['/app/*']);
    expect(app.aliases).toEqual(['www.shop.test']);
  });

  it('exits 2 and never prints a custom header value', () => {
    expect(code).toBe(EXIT.CRITICAL);
    expect(stdout).not.toContain(DEMO_HEADER_SECRET);
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
