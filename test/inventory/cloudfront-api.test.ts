import {
  AccessDenied,
  CloudFrontClient,
  CloudFrontServiceException,
  GetCachePolicyCommand,
  GetOriginRequestPolicyCommand,
  GetVpcOriginCommand,
  ListDistributionsByConnectionModeCommand,
  ListDistributionsCommand,
  NoSuchOriginRequestPolicy,
  type DistributionSummary,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { loadTargets } from '../../lambda/inventory';
import { createCloudFrontClient, DEFAULT_REGION, loadInventoryFromApi } from '../../lambda/inventory/cloudfront-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import {
  INVENTORY_FILE,
  POLICY_FILES,
  POLICY_IDS,
  SECRET_HEADER_VALUES,
  sdkCachePolicies,
  sdkDistributions,
  sdkOriginRequestPolicies,
} from './fixtures';

const cf = mockClient(CloudFrontClient);
const meta = { $metadata: { httpStatusCode: 403 } };

function pages(...items: DistributionSummary[][]) {
  return items.map((Items, i) => ({
    DistributionList: {
      Marker: i === 0 ? '' : `m${i}`,
      ...(i < items.length - 1 ? { NextMarker: `m${i + 1}` } : {}),
      MaxItems: 100,
      IsTruncated: i < items.length - 1,
      Quantity: Items.length,
      Items,
    },
  }));
}

/** The four fixture distributions over three pages, answered by Marker; returns the Markers asked for. */
function serveThreePages(): (string | undefined)[] {
  const [d1, d2, d3, d4] = sdkDistributions();
  const answers = pages([d1], [d2, d3], [d4]);
  const markers: (string | undefined)[] = [];
  // The paginator reuses one input object, so the Marker is recorded when each call is made.
  cf.on(ListDistributionsCommand).callsFake((input) => {
    markers.push(input.Marker);
    return answers[input.Marker ? Number(input.Marker.slice(1)) : 0];
  });
  return markers;
}

function servePolicies() {
  for (const p of sdkCachePolicies()) cf.on(GetCachePolicyCommand, { Id: p.Id }).resolves({ CachePolicy: p, ETag: 'E1' });
  for (const p of sdkOriginRequestPolicies()) {
    cf.on(GetOriginRequestPolicyCommand, { Id: p.Id }).resolves({ OriginRequestPolicy: p, ETag: 'E1' });
  }
  cf.on(GetOriginRequestPolicyCommand, { Id: POLICY_IDS.ORP_UNDESCRIBED }).rejects(
    new NoSuchOriginRequestPolicy({ message: 'The origin request policy does not exist.', ...meta }),
  );
}

let restoreEnv: () => void;
beforeEach(() => {
  cf.reset();
  // No multi-tenant templates beyond the listing (test/inventory/request-paths.test.ts covers them).
  cf.on(ListDistributionsByConnectionModeCommand).resolves({ DistributionList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 0 } });
  restoreEnv = withEnv(HERMETIC_AWS_ENV);
});
afterEach(() => restoreEnv());

describe('loadInventoryFromApi (aws-sdk-client-mock)', () => {
  it('follows NextMarker through every page (three pages)', async () => {
    const markers = serveThreePages();
    servePolicies();
    const source = await loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }));
    expect(source.distributions.map((d) => d.id)).toEqual(['E2QWRUHEXAMPLE', 'E3WEBSITEEXAMPLE', 'E4VPCEXAMPLE', 'E5DISABLEDEXAMPLE']);
    expect(markers).toEqual([undefined, 'm1', 'm2']);
  });

  it('reads each custom policy once per run, none of the known managed ones, and maps like the CLI files', async () => {
    serveThreePages();
    servePolicies();
    cf.on(GetVpcOriginCommand).resolves({
      VpcOrigin: {
        Id: 'vo_0a1b2c3d4e5f67890',
        Arn: 'arn:aws:cloudfront::123456789012:vpcorigin/vo_0a1b2c3d4e5f67890',
        Status: 'Deployed',
        CreatedTime: new Date(),
        LastModifiedTime: new Date(),
        VpcOriginEndpointConfig: {
          Name: 'internal-alb',
          Arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/internal/0123456789abcdef',
          HTTPPort: 80,
          HTTPSPort: 8443,
          OriginProtocolPolicy: 'https-only',
          OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
        },
      },
    });
    const client = new CloudFrontClient({ region: 'us-east-1' });
    const fromApi = await loadTargets({ kind: 'api', client });
    const fromFiles = await loadTargets({ kind: 'file', inventory: INVENTORY_FILE, policies: POLICY_FILES });
    // The same mapping; only what is read beside the listing differs (a file reads nothing from AWS).
    const mapping = (ts: typeof fromApi) => ts.map((t) => (t.vpcOrigin ? { ...t, vpcOrigin: { id: t.vpcOrigin.id } } : t));
    expect(mapping(fromApi)).toEqual(mapping(fromFiles));
    expect(fromFiles.find((t) => t.vpcOrigin)?.vpcOrigin?.readError).toMatch(/the inventory is a file/);
    expect(fromApi.find((t) => t.vpcOrigin)?.vpcOrigin?.endpoint).toEqual({
      name: 'internal-alb',
      arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/internal/0123456789abcdef',
      httpPort: 80,
      httpsPort: 8443,
      protocolPolicy: 'https-only',
      sslProtocols: ['TLSv1.2'],
      status: 'Deployed',
    });
    expect(cf.commandCalls(GetVpcOriginCommand).map((c) => c.args[0].input.Id)).toEqual(['vo_0a1b2c3d4e5f67890']);
    expect(cf.commandCalls(GetCachePolicyCommand).map((c) => c.args[0].input.Id)).toEqual([POLICY_IDS.CACHE_HOST_IN_KEY]);
    expect(cf.commandCalls(GetOriginRequestPolicyCommand).map((c) => c.args[0].input.Id).sort()).toEqual(
      [
        POLICY_IDS.ORP_ALL_EXCEPT_AUTHORIZATION,
        POLICY_IDS.ORP_UNDESCRIBED,
        POLICY_IDS.ORP_WHITELIST_HOST,
        POLICY_IDS.ORP_ALL_VIEWER_AND_CLOUDFRONT,
        POLICY_IDS.ORP_ALL_EXCEPT_HOST,
      ].sort(),
    );
    for (const secret of SECRET_HEADER_VALUES) expect(JSON.stringify(fromApi)).not.toContain(secret);
  });

  it('AccessDenied on ListDistributions: one line naming the principal and the permissions to grant', async () => {
    cf.on(ListDistributionsCommand).rejects(
      new AccessDenied({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/origin-monitor/scan is not authorized to perform: cloudfront:ListDistributions on resource: arn:aws:cloudfront::123456789012:distribution/*',
        ...meta,
      }),
    );
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toThrow(
      new Error(
        'AccessDenied: cloudfront:ListDistributions is not allowed for arn:aws:sts::123456789012:assumed-role/origin-monitor/scan; ' +
          'grant cloudfront:ListDistributions, cloudfront:GetCachePolicy, cloudfront:GetOriginRequestPolicy',
      ),
    );
    cf.on(ListDistributionsCommand).rejects(new AccessDenied({ message: 'Access denied', ...meta }));
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toThrow(
      /^AccessDenied: cloudfront:ListDistributions is not allowed for the current credentials; grant /,
    );
  });

  it('AccessDenied on a policy makes it unknown (HOST_FORWARDING_UNKNOWN), not fatal', async () => {
    cf.on(ListDistributionsCommand).resolves(pages(sdkDistributions())[0]);
    servePolicies();
    cf.on(GetCachePolicyCommand).rejects(new AccessDenied({ message: 'denied', ...meta }));
    const targets = await loadTargets({ kind: 'api', client: new CloudFrontClient({ region: 'us-east-1' }) });
    const web = targets.find((t) => t.key === 'E2QWRUHEXAMPLE/web-primary');
    expect(web?.inventoryIssues?.map((i) => [i.code, i.evidence?.policyId])).toEqual([
      ['HOST_FORWARDING_UNKNOWN', POLICY_IDS.CACHE_HOST_IN_KEY],
    ]);
  });

  it('other errors (throttling that outlasted the retries) are not swallowed', async () => {
    const throttled = new CloudFrontServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: {} });
    cf.on(ListDistributionsCommand).rejects(throttled);
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toBe(throttled);
    cf.on(ListDistributionsCommand).resolves(pages(sdkDistributions())[0]);
    cf.on(GetCachePolicyCommand).rejects(throttled);
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toBe(throttled);
  });

  it('a distribution it cannot read is reported as unchecked with page and path; the others are still scanned', async () => {
    const [page] = pages(sdkDistributions());
    (page.DistributionList.Items[1].Origins as any).Items[0].DomainName = undefined;
    const badId = page.DistributionList.Items[1].Id!;
    cf.on(ListDistributionsCommand).resolves(page);
    servePolicies();
    const inventory = await loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }));
    expect(inventory.distributions.map((d) => d.id)).not.toContain(badId);
    expect(inventory.unreadable).toEqual([
      { id: badId, domainName: page.DistributionList.Items[1].DomainName, reason: 'ListDistributions page 1: DistributionList.Items[1].Origins.Items[0].DomainName: expected a string' },
    ]);

    const targets = await loadTargets({ kind: 'api', client: new CloudFrontClient({ region: 'us-east-1' }) });
    const unchecked = targets.filter((t) => t.distributionId === badId);
    expect(unchecked).toEqual([expect.objectContaining({ key: `${badId}/*`, unchecked: { reason: expect.stringContaining('the distribution could not be read: ListDistributions page 1') } })]);
    expect(unchecked[0].skip).toBeUndefined();
    expect(targets.filter((t) => !t.skip && !t.unchecked).length).toBeGreaterThan(0);
  });

  it('a response that is not a distribution list at all still fails in one line', async () => {
    cf.on(ListDistributionsCommand).resolves({ DistributionList: { Items: 'nope' } } as any);
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toThrow(
      'ListDistributions answered with something that is not a CloudFront distribution list',
    );
    cf.on(ListDistributionsCommand).resolves({ DistributionList: { Items: 'nope', IsTruncated: false, Quantity: 1, Marker: '', MaxItems: 100 } } as any);
    await expect(loadInventoryFromApi(new CloudFrontClient({ region: 'us-east-1' }))).rejects.toThrow(
      'ListDistributions page 1: DistributionList.Items: expected an array',
    );
  });
});

describe('createCloudFrontClient', () => {
  it('defaults the region to us-east-1 when none is configured', async () => {
    const client = createCloudFrontClient();
    expect(await client.config.region()).toBe(DEFAULT_REGION);
    expect(await client.config.maxAttempts()).toBe(5);
  });

  it('keeps a region from the environment or the shared config file', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    expect(await createCloudFrontClient().config.region()).toBe('eu-west-1');
    delete process.env.AWS_REGION;
    const dir = mkdtempSync(join(tmpdir(), 'cf-inventory-'));
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    writeFileSync(process.env.AWS_CONFIG_FILE, '[default]\nregion = ap-southeast-2\n');
    try {
      expect(await createCloudFrontClient().config.region()).toBe('ap-southeast-2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
