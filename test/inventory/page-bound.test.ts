/**
 * Every paged listing has the same bound (lambda/inventory/page-bound.ts): a missing, repeated or endless
 * continuation token is an error naming the listing and the page. The tenant and connection-mode listings through
 * the real SDK's paginators against the CloudFront fake, whose pages repeat their marker or never end.
 */
import type { DistributionSummary, DistributionTenant } from '@aws-sdk/client-cloudfront';
import { loadTargets } from '../../lambda/inventory';
import { createCloudFrontClient } from '../../lambda/inventory/cloudfront-api';
import { MAX_LIST_PAGES, pageBound } from '../../lambda/inventory/page-bound';
import { listTemplates, readTemplateTenants } from '../../lambda/inventory/tenants-api';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import { type FakeCloudFront, type FakeCloudFrontOptions, startFakeCloudFront } from '../support/fake-cloudfront-api';

describe('pageBound', () => {
  it('follows distinct tokens and ends on a page without one', () => {
    const pages = pageBound('ListThings', 'NextMarker', 3);
    expect(pages.page()).toBe('ListThings page 1');
    pages.next('a', true);
    expect(pages.page()).toBe('ListThings page 2');
    pages.next('b');
    pages.page();
    expect(() => pages.next(undefined, false)).not.toThrow();
  });

  it('refuses a repeated token, a truncated page without one, and more than the maximum of pages', () => {
    const repeat = pageBound('ListThings');
    repeat.page();
    repeat.next('same', true);
    repeat.page();
    expect(() => repeat.next('same', true)).toThrow('ListThings page 2 repeats NextMarker "same": the endpoint pages in a loop; the listing cannot be completed');
    const missing = pageBound('ListThings');
    missing.page();
    expect(() => missing.next(undefined, true)).toThrow('ListThings page 1 says IsTruncated but gives no NextMarker');
    const endless = pageBound('ListThings', 'NextMarker', 3);
    for (let i = 1; i <= 2; i++) {
      endless.page();
      endless.next(`m${i}`);
    }
    endless.page();
    expect(() => endless.next('m3')).toThrow('ListThings still truncated after 3 pages: refused as endless');
    expect(MAX_LIST_PAGES).toBe(1_000);
  });
});

const template = {
  Id: 'ETEMPLATE',
  ARN: 'arn:aws:cloudfront::123456789012:distribution/ETEMPLATE',
  Status: 'Deployed',
  LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
  DomainName: '-',
  Aliases: { Quantity: 0 },
  Origins: {
    Quantity: 1,
    Items: [
      {
        Id: 'shop',
        DomainName: 'shop.tenants.test',
        OriginPath: '',
        CustomHeaders: { Quantity: 0 },
        CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5 },
        ConnectionAttempts: 1,
        ConnectionTimeout: 2,
      },
    ],
  },
  OriginGroups: { Quantity: 0 },
  DefaultCacheBehavior: { TargetOriginId: 'shop', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
  CacheBehaviors: { Quantity: 0 },
  Enabled: true,
  Comment: '',
  Staging: false,
  ConnectionMode: 'tenant-only',
} as unknown as DistributionSummary;

const tenant: DistributionTenant = {
  Id: 'dt_acme0001',
  DistributionId: 'ETEMPLATE',
  Name: 'acme',
  Arn: 'arn:aws:cloudfront::123456789012:distribution-tenant/dt_acme0001',
  Domains: [{ Domain: 'www.acme.test', Status: 'active' }],
  Enabled: true,
  Status: 'Deployed',
};

let fake: FakeCloudFront | undefined;
let restoreEnv: (() => void) | undefined;
async function start(opts: Partial<FakeCloudFrontOptions>): Promise<FakeCloudFront> {
  fake = await startFakeCloudFront({ distributions: [], tenantOnly: [template], tenants: [tenant], pageSize: 1, ...opts });
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: fake.endpoint });
  return fake;
}
afterEach(async () => {
  restoreEnv?.();
  await fake?.close();
  fake = restoreEnv = undefined;
});

describe('the tenant and connection-mode listings are bounded as ListDistributions is', () => {
  it('ListDistributionsByConnectionMode repeating its NextMarker: refused after the repeat and said on the listing (not "no templates", no grant advice)', async () => {
    const { requests } = await start({ repeatConnectionModeMarker: 'same' });
    const listed = await listTemplates(createCloudFrontClient(), new Set());
    expect(listed.unreadable).toEqual([
      {
        id: 'tenant-only-distributions',
        reason:
          'multi-tenant templates could not be listed (ListDistributionsByConnectionMode: Error: ListDistributionsByConnectionMode page 2 repeats NextMarker "same": the endpoint pages in a loop; the listing cannot be completed)',
      },
    ]);
    expect(requests.filter((r) => r.includes('distributionsByConnectionMode'))).toHaveLength(2);
    // Through the inventory: one entry that says so, as a denial does.
    const targets = await loadTargets({ kind: 'api', client: createCloudFrontClient() });
    expect(targets.find((t) => t.key === 'tenant-only-distributions/*')?.unchecked?.reason).toMatch(/could not be listed \(ListDistributionsByConnectionMode: .*repeats NextMarker "same"/);
  });

  it('ListDistributionTenants repeating its NextMarker: the template says its tenants could not be listed, after 2 requests', async () => {
    const { requests } = await start({ repeatTenantsMarker: 'same' });
    const client = createCloudFrontClient();
    const { distributions } = await listTemplates(client, new Set());
    const tenants = await readTemplateTenants(client, distributions);
    expect(tenants.get('ETEMPLATE')).toEqual({
      unresolved: 'its distribution tenants could not be listed (ListDistributionTenants: Error: ListDistributionTenants page 2 repeats NextMarker "same": the endpoint pages in a loop; the listing cannot be completed)',
    });
    expect(requests.filter((r) => r.startsWith('POST /2020-05-31/distribution-tenants'))).toHaveLength(2);
    const targets = await loadTargets({ kind: 'api', client });
    expect(targets.filter((t) => t.distributionId === 'ETEMPLATE')).toEqual([
      expect.objectContaining({ unchecked: { reason: expect.stringMatching(/^multi-tenant template .*could not be listed \(ListDistributionTenants: .*repeats NextMarker "same".*completed\)$/) } }),
    ]);
  });
});
