import type { OriginTarget } from '../../lambda/model';
import { readDistributionList } from '../../lambda/inventory/distributions';
import { loadInventoryFile } from '../../lambda/inventory/cli-json';
import { loadTargets } from '../../lambda/inventory';
import { buildTargets, SKIP_REASONS, WILDCARD_PROBE_LABEL } from '../../lambda/inventory/targets';
import {
  INVENTORY_FILE,
  POLICY_FILES,
  POLICY_IDS,
  SECRET_HEADER_VALUES,
  sdkDistributions,
} from './fixtures';

const byKey = (targets: OriginTarget[]) => Object.fromEntries(targets.map((t) => [t.key, t]));
const names = (t: OriginTarget) => t.sniNames.map((n) => n.name);
const sni = (t: OriginTarget, name: string) => t.sniNames.find((n) => n.name === name);

const STORE_VIEWER_NAMES = ['example.com', 'www.example.com', `${WILDCARD_PROBE_LABEL}.shop.example.com`];

describe('buildTargets from the CLI-shaped fixture with both policy files', () => {
  let targets: Record<string, OriginTarget>;
  let list: OriginTarget[];
  beforeAll(async () => {
    list = await loadTargets({ kind: 'file', inventory: INVENTORY_FILE, policies: POLICY_FILES });
    targets = byKey(list);
  });

  it('makes one target per origin, keyed distribution/origin', () => {
    expect(list.map((t) => t.key)).toEqual([
      'E2QWRUHEXAMPLE/api-origin',
      'E2QWRUHEXAMPLE/web-primary',
      'E2QWRUHEXAMPLE/web-secondary',
      'E2QWRUHEXAMPLE/assets-s3',
      'E2QWRUHEXAMPLE/legacy-app',
      'E3WEBSITEEXAMPLE/docs-site',
      'E3WEBSITEEXAMPLE/blog-site',
      'E4VPCEXAMPLE/internal-alb',
      'E4VPCEXAMPLE/public-api',
      'E5DISABLEDEXAMPLE/old-origin',
      'E5DISABLEDEXAMPLE/media-oac',
    ]);
  });

  it('never carries a custom header value, only the names', () => {
    const json = JSON.stringify(list);
    for (const secret of SECRET_HEADER_VALUES) expect(json).not.toContain(secret);
    expect(targets['E2QWRUHEXAMPLE/api-origin'].customHeaderNames).toEqual(['X-Origin-Verify']);
    expect(targets['E2QWRUHEXAMPLE/legacy-app'].customHeaderNames).toEqual(['Authorization']);
    expect(targets['E2QWRUHEXAMPLE/web-primary'].customHeaderNames).toBeUndefined();
  });

  it('https-only: the HTTPS port; timeout and attempts from the origin; Host forwarded by a managed AllViewer and a custom allExcept policy', () => {
    expect(targets['E2QWRUHEXAMPLE/api-origin']).toEqual({
      key: 'E2QWRUHEXAMPLE/api-origin',
      distributionId: 'E2QWRUHEXAMPLE',
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionEnabled: true,
      aliases: ['example.com', 'www.example.com', '*.shop.example.com'],
      originId: 'api-origin',
      domainName: 'api.origin.example.net',
      protocolPolicy: 'https-only',
      httpPort: 80,
      httpsPort: 443,
      ipAddressType: 'ipv4',
      ports: [{ port: 443, tls: true, behaviors: ['/api/*', '/account/*'] }],
      sniNames: [
        { name: 'api.origin.example.net', source: 'origin-domain', behaviors: [], sent: false },
        { name: 'example.com', source: 'viewer-host', behaviors: ['/api/*', '/account/*'] },
        { name: 'www.example.com', source: 'viewer-host', behaviors: ['/api/*', '/account/*'] },
        {
          name: `${WILDCARD_PROBE_LABEL}.shop.example.com`,
          source: 'viewer-host',
          wildcardAlias: '*.shop.example.com',
          behaviors: ['/api/*', '/account/*'],
        },
      ],
      allowedVersions: ['TLSv1.2'],
      connectionTimeoutMs: 5000,
      connectionAttempts: 2,
      originReadTimeoutMs: 30000,
      customHeaderNames: ['X-Origin-Verify'],
      // Both behaviors forward the viewer Host: the edge check sends the first alias, as a viewer would.
      edgeRoutes: [
        { pathPattern: '/api/*', precedingPatterns: [], method: 'GET', host: 'example.com' },
        { pathPattern: '/account/*', precedingPatterns: ['/api/*', '/static/*', '/legacy/*', '/shop/*'], method: 'GET', host: 'example.com' },
      ],
    });
  });

  it('match-viewer: HTTPS for every behavior, HTTP for allow-all ones; a behavior on a group reaches both members', () => {
    const primary = targets['E2QWRUHEXAMPLE/web-primary'];
    const secondary = targets['E2QWRUHEXAMPLE/web-secondary'];
    for (const t of [primary, secondary]) {
      expect(t.ports).toEqual([
        { port: 443, tls: true, behaviors: ['/shop/*', '*'] },
        { port: 80, tls: false, behaviors: ['/shop/*', '*'] },
      ]);
      // The custom cache policy has Host in its key for /shop/*; the default behavior forwards no Host.
      expect(t.sniNames[0]).toEqual({ name: t.domainName, source: 'origin-domain', behaviors: ['*'] });
      expect(t.sniNames.slice(1).map((n) => [n.name, n.behaviors])).toEqual(
        STORE_VIEWER_NAMES.map((n) => [n, ['/shop/*']]),
      );
      expect(t.allowedVersions).toEqual(['TLSv1.1', 'TLSv1.2']);
      expect(t.connectionTimeoutMs).toBe(10000);
      expect(t.connectionAttempts).toBe(3);
    }
    expect(primary.originGroups).toEqual([{ groupId: 'web-group', role: 'primary', partnerOriginId: 'web-secondary' }]);
    expect(secondary.originGroups).toEqual([{ groupId: 'web-group', role: 'secondary', partnerOriginId: 'web-primary' }]);
  });

  it('match-viewer without allow-all behaviors: HTTPS only', () => {
    expect(targets['E3WEBSITEEXAMPLE/docs-site'].ports).toEqual([{ port: 443, tls: true, behaviors: ['*'] }]);
  });

  it('legacy ForwardedValues Host forwards the viewer Host; an undescribed custom policy probes both ways with an info issue', () => {
    const t = targets['E2QWRUHEXAMPLE/legacy-app'];
    expect(t.ports).toEqual([{ port: 8443, tls: true, behaviors: ['/legacy/*', '/reports/*'] }]);
    expect(t.originPath).toBe('/v1');
    expect(t.allowedVersions).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2']);
    expect(sni(t, 'legacy.origin.example.net')?.behaviors).toEqual(['/reports/*']);
    expect(sni(t, 'www.example.com')?.behaviors).toEqual(['/legacy/*', '/reports/*']);
    expect(t.inventoryIssues).toEqual([
      {
        code: 'HOST_FORWARDING_UNKNOWN',
        message: expect.stringContaining(POLICY_IDS.ORP_UNDESCRIBED),
        evidence: { policyType: 'origin-request', policyId: POLICY_IDS.ORP_UNDESCRIBED, behaviors: ['/reports/*'] },
      },
    ]);
    expect(t.inventoryIssues?.[0].message).toContain('/reports/*');
  });

  it('S3 REST origins (S3OriginConfig, or an S3 domain with OAC) are skipped with a reason; VPC origins are not probed directly but checked through CloudFront', () => {
    for (const key of ['E2QWRUHEXAMPLE/assets-s3', 'E5DISABLEDEXAMPLE/media-oac']) {
      expect(targets[key].skip).toEqual({ reason: SKIP_REASONS.S3_REST });
      expect(targets[key].ports).toEqual([]);
    }
    const vpc = targets['E4VPCEXAMPLE/internal-alb'];
    expect(vpc.skip).toBeUndefined();
    expect(vpc.ports).toEqual([]);
    expect(vpc.vpcOrigin?.id).toMatch(/./);
    expect(vpc.edgeRoutes?.length).toBeGreaterThan(0);
    expect(SKIP_REASONS.S3_REST).toContain('CloudFront connects to S3 itself');
    expect(SKIP_REASONS.VPC).toContain('private: not reachable from the internet');
  });

  it('an S3 website endpoint set to HTTPS is a critical ORIGIN_PROTOCOL_UNSUPPORTED; one on http-only is fine', () => {
    const docs = targets['E3WEBSITEEXAMPLE/docs-site'];
    expect(docs.skip).toBeUndefined();
    expect(docs.inventoryIssues).toEqual([
      {
        code: 'ORIGIN_PROTOCOL_UNSUPPORTED',
        message: expect.stringContaining('docs-example-com.s3-website-us-east-1.amazonaws.com'),
        evidence: { domainName: 'docs-example-com.s3-website-us-east-1.amazonaws.com', protocolPolicy: 'match-viewer' },
      },
    ]);
    const blog = targets['E3WEBSITEEXAMPLE/blog-site'];
    expect(blog.ports).toEqual([{ port: 80, tls: false, behaviors: ['/blog/*'] }]);
    expect(blog.sniNames).toEqual([]);
    expect(blog.inventoryIssues).toBeUndefined();
  });

  it('Host forwarded on a distribution without aliases: the viewer Host is its cloudfront.net name (legacy Headers "*")', () => {
    expect(targets['E3WEBSITEEXAMPLE/docs-site'].sniNames).toEqual([
      { name: 'docs-example-com.s3-website-us-east-1.amazonaws.com', source: 'origin-domain', behaviors: [], sent: false },
      { name: 'd222222abcdef8.cloudfront.net', source: 'viewer-host', behaviors: ['*'] },
    ]);
  });

  it('custom origin request policies: a whitelist with host and allViewerAndWhitelistCloudFront forward Host', () => {
    expect(targets['E4VPCEXAMPLE/public-api'].sniNames).toEqual([
      { name: 'public-api.example.org', source: 'origin-domain', behaviors: [], sent: false },
      { name: 'app.example.org', source: 'viewer-host', behaviors: ['/public/*', '/edge/*'] },
    ]);
  });

  it('allExcept with host does not forward Host; a disabled distribution is scanned and marked', () => {
    const t = targets['E5DISABLEDEXAMPLE/old-origin'];
    expect(names(t)).toEqual(['old.origin.example.net']);
    expect(t.distributionEnabled).toBe(false);
    expect(t.skip).toBeUndefined();
  });
});

describe('buildTargets options and policy knowledge', () => {
  it('without policy files, behaviors on custom policies are unknown: both ways, one issue per policy', async () => {
    const targets = byKey(await loadTargets({ kind: 'file', inventory: INVENTORY_FILE }));
    const api = targets['E2QWRUHEXAMPLE/api-origin'];
    expect(sni(api, 'api.origin.example.net')?.behaviors).toEqual(['/account/*']);
    expect(sni(api, 'example.com')?.behaviors).toEqual(['/api/*', '/account/*']);
    expect(api.inventoryIssues?.map((i) => i.evidence)).toEqual([
      { policyType: 'origin-request', policyId: POLICY_IDS.ORP_ALL_EXCEPT_AUTHORIZATION, behaviors: ['/account/*'] },
    ]);
    expect(targets['E2QWRUHEXAMPLE/web-primary'].inventoryIssues?.map((i) => i.evidence)).toEqual([
      { policyType: 'cache', policyId: POLICY_IDS.CACHE_HOST_IN_KEY, behaviors: ['/shop/*'] },
    ]);
    // HTTP-only origins send no SNI, so nothing is probed both ways.
    expect(targets['E3WEBSITEEXAMPLE/blog-site'].inventoryIssues).toBeUndefined();
  });

  it('--skip-disabled turns a disabled distribution into skipped targets', async () => {
    const targets = await loadTargets({ kind: 'file', inventory: INVENTORY_FILE }, { skipDisabled: true });
    const old = targets.find((t) => t.key === 'E5DISABLEDEXAMPLE/old-origin');
    expect(old?.skip).toEqual({ reason: SKIP_REASONS.DISABLED });
    expect(targets.filter((t) => t.distributionEnabled !== false).every((t) => t.skip?.reason !== SKIP_REASONS.DISABLED)).toBe(true);
  });

  it('--distribution and --exclude-distribution filter; an unknown --distribution is an error', async () => {
    const { distributions, policies } = await loadInventoryFile(INVENTORY_FILE, POLICY_FILES);
    const only = buildTargets(distributions, policies, { distributions: ['E3WEBSITEEXAMPLE', 'E4VPCEXAMPLE'] });
    expect([...new Set(only.map((t) => t.distributionId))]).toEqual(['E3WEBSITEEXAMPLE', 'E4VPCEXAMPLE']);
    const rest = buildTargets(distributions, policies, { excludeDistributions: ['E2QWRUHEXAMPLE', 'E5DISABLEDEXAMPLE'] });
    expect([...new Set(rest.map((t) => t.distributionId))]).toEqual(['E3WEBSITEEXAMPLE', 'E4VPCEXAMPLE']);
    expect(() => buildTargets(distributions, policies, { distributions: ['ENOSUCH'] })).toThrow(
      '--distribution ENOSUCH: no such distribution in the inventory',
    );
  });

  it('the SDK shape (dates as Date objects) maps to the same targets as the CLI shape', async () => {
    const { distributions, policies } = await loadInventoryFile(INVENTORY_FILE, POLICY_FILES);
    const fromSdk = readDistributionList({ Items: sdkDistributions() }, 'DistributionList');
    expect(buildTargets(fromSdk, policies)).toEqual(buildTargets(distributions, policies));
  });
});
