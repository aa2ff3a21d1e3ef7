/** The deployed run turns the edge check on from its setting, with the probe it is given; the VPC probe's targets. */
import { MemoryStateStore, TextPublisher } from '../../lambda/alerting/local';
import { LEFT_TO_VPC_PROBE, leftToVpcProbe, vpcProbeTargets } from '../../lambda/inventory/vpc-targets';
import { runScan } from '../../lambda/pipeline';
import { DEFAULT_PROFILE, getProfile } from '../../lambda/cloudfront/client-profile';
import type { OriginTarget, ScanReport } from '../../lambda/model';
import { assembleReport, type ScanOptions } from '../../lambda/pipeline';
import type { EdgeProbe } from '../../lambda/probe/edge';
import { runOnce, type RunDeps } from '../../lambda/run/monitor-run';
import { decodeEnvironment } from '../../lib/settings';

const probe: EdgeProbe = async () => {
  throw new Error('not called: the scan is a stand-in');
};

async function optionsOfRun(env: Record<string, string>): Promise<ScanOptions> {
  const calls: ScanOptions[] = [];
  const deps: RunDeps = {
    settings: decodeEnvironment(env),
    loadTargets: async () => [],
    scan: async (_t, options) => {
      calls.push(options);
      return assembleReport({ profile: options.profile.name, startedAt: new Date().toISOString(), durationMs: 1, origins: [], notReached: { keys: [], reason: '' } }) as ScanReport;
    },
    store: new MemoryStateStore(),
    publisher: new TextPublisher(() => undefined),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: { addMetric: () => undefined, publishStoredMetrics: () => undefined },
    now: () => new Date(),
    edgeProbe: probe,
  };
  await runOnce(deps);
  return calls[0];
}

describe('the deployed run', () => {
  it('runs the edge check by default (EDGE_CHECK unset), with the probe it is given', async () => {
    expect((await optionsOfRun({})).edge).toEqual({ probe });
    expect((await optionsOfRun({ EDGE_CHECK: 'true' })).edge).toEqual({ probe });
  });

  it('EDGE_CHECK=false turns it off; another value is a one-line configuration error', async () => {
    expect((await optionsOfRun({ EDGE_CHECK: 'false' })).edge).toBeUndefined();
    expect(() => decodeEnvironment({ EDGE_CHECK: 'sometimes' })).toThrow(/EDGE_CHECK \(setting edgeCheck\): "sometimes" is neither true nor false/);
  });
});

describe('the VPC probe function\'s targets', () => {
  const base: OriginTarget = {
    key: 'E1/private',
    distributionId: 'E1',
    distributionDomainName: 'd1.cloudfront.net',
    originId: 'private',
    domainName: 'internal-shop-123.us-east-1.elb.amazonaws.com',
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: 443,
    ports: [],
    sniNames: [],
    allowedVersions: [],
    connectionTimeoutMs: 10_000,
    connectionAttempts: 3,
    edgeRoutes: [{ pathPattern: '/internal/*', precedingPatterns: [], method: 'GET', host: 'd1.cloudfront.net' }],
  };
  const custom: OriginTarget = { ...base, key: 'E1/public', originId: 'public', ports: [{ port: 443, tls: true }] };

  it('are the VPC origins only, probed with the ports, protocol policy and TLS versions GetVpcOrigin gave, and no edge check', () => {
    const vpc: OriginTarget = {
      ...base,
      vpcOrigin: { id: 'vo_1', endpoint: { arn: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/internal-shop/1', httpPort: 8080, httpsPort: 8443, protocolPolicy: 'https-only', sslProtocols: ['TLSv1.1', 'TLSv1.2'] } },
    };
    const [t, ...rest] = vpcProbeTargets([custom, vpc]);
    expect(rest).toEqual([]);
    expect(t).toMatchObject({
      key: 'E1/private',
      ports: [{ port: 8443, tls: true, behaviors: ['/internal/*'] }],
      sniNames: [{ name: 'internal-shop-123.us-east-1.elb.amazonaws.com', source: 'origin-domain', behaviors: ['/internal/*'] }],
      allowedVersions: ['TLSv1.1', 'TLSv1.2'],
      httpsPort: 8443,
    });
    expect(t.edgeRoutes).toBeUndefined();
  });

  it('a VPC origin whose settings could not be read is unchecked (not skipped), saying why and what to check', () => {
    const [t] = vpcProbeTargets([{ ...base, vpcOrigin: { id: 'vo_2', readError: 'AccessDenied: no' } }]);
    expect(t.skip).toBeUndefined();
    expect(t.unchecked).toEqual({
      reason:
        'VPC origin vo_2: its settings could not be read (AccessDenied: no); the VPC probe reads them with cloudfront:GetVpcOrigin: check that permission on its role, and its route to the CloudFront API',
    });
  });

  it('beside a VPC probe with the edge check off, the main function skips its VPC origins as the probe\'s (unchecked without one)', async () => {
    const vpc: OriginTarget = { ...base, vpcOrigin: { id: 'vo_3', endpoint: { arn: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1', httpPort: 80, httpsPort: 443, protocolPolicy: 'https-only', sslProtocols: ['TLSv1.2'] } } };
    const failed: OriginTarget = { ...base, key: 'E1/failed', unchecked: { reason: 'could not be read' } };
    const left = leftToVpcProbe([custom, vpc, failed]);
    expect(left[0]).toEqual(custom);
    expect(left[1].skip).toEqual({ reason: LEFT_TO_VPC_PROBE });
    expect(left[2]).toEqual(failed);
    const opts = { profile: getProfile(DEFAULT_PROFILE), expiryWarningDays: 30, concurrency: 4 };
    const beside = await runScan([left[1]], opts);
    expect(beside.origins.map((o) => o.status)).toEqual(['skipped']);
    const alone = await runScan([vpc], opts);
    expect(alone.origins.map((o) => o.status)).toEqual(['unchecked']);
  });
});
