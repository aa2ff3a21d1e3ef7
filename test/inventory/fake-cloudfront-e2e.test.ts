/**
 * The real SDK (signing, retry, REST/XML parsing, paginator) against a local fake of the CloudFront API, reached
 * through AWS_ENDPOINT_URL_CLOUDFRONT with fake credentials: nothing leaves 127.0.0.1.
 */
import {
  GetContinuousDeploymentPolicyCommand,
  GetDistributionConfigCommand,
  GetDistributionTenantCommand,
  paginateListDistributionTenants,
} from '@aws-sdk/client-cloudfront';
import { loadTargets } from '../../lambda/inventory';
import { readCdPolicy } from '../../lambda/inventory/staging';
import { readParameterDefaults, readTenant } from '../../lambda/inventory/tenants';
import { createCloudFrontClient, NO_CREDENTIALS } from '../../lambda/inventory/cloudfront-api';
import { type FakeCloudFront, type FakeCloudFrontOptions, startFakeCloudFront } from '../support/fake-cloudfront-api';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import {
  INVENTORY_FILE,
  POLICY_FILES,
  POLICY_IDS,
  sdkCachePolicies,
  sdkDistributions,
  sdkOriginRequestPolicies,
} from './fixtures';

let fake: FakeCloudFront | undefined;
let restoreEnv: (() => void) | undefined;

async function start(
  opts: Partial<FakeCloudFrontOptions> = {},
  endpointVariable = 'AWS_ENDPOINT_URL_CLOUDFRONT',
): Promise<FakeCloudFront> {
  fake = await startFakeCloudFront({
    distributions: sdkDistributions(),
    cachePolicies: sdkCachePolicies(),
    originRequestPolicies: sdkOriginRequestPolicies(),
    ...opts,
  });
  // No region configured: the client must fall back to us-east-1 by itself.
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, [endpointVariable]: fake.endpoint });
  return fake;
}

afterEach(async () => {
  restoreEnv?.();
  await fake?.close();
  fake = restoreEnv = undefined;
});

const apiTargets = () => loadTargets({ kind: 'api', client: createCloudFrontClient() });

describe('the real SDK against the fake CloudFront API', () => {
  it('pages through every distribution, parses the XML and maps exactly like the CLI files', async () => {
    const { requests } = await start({ pageSize: 1 });
    const fromApi = await apiTargets();
    // The same mapping; GetVpcOrigin is asked for the VPC origin (the fake has none), a file reads nothing.
    const mapping = (ts: typeof fromApi) => ts.map((t) => (t.vpcOrigin ? { ...t, vpcOrigin: { id: t.vpcOrigin.id } } : t));
    expect(mapping(fromApi)).toEqual(mapping(await loadTargets({ kind: 'file', inventory: INVENTORY_FILE, policies: POLICY_FILES })));
    expect(fromApi.find((t) => t.vpcOrigin)?.vpcOrigin?.readError).toMatch(/^EntityNotFound: /);
    expect(requests.filter((r) => r.includes('/distribution'))).toEqual([
      'GET /2020-05-31/distribution',
      'GET /2020-05-31/distribution?Marker=1',
      'GET /2020-05-31/distribution?Marker=2',
      'GET /2020-05-31/distribution?Marker=3',
      // Templates ListDistributions may not return: none here.
      'GET /2020-05-31/distributionsByConnectionMode/tenant-only',
    ]);
    const policyRequests = requests.filter((r) => r.includes('-policy/'));
    expect(policyRequests).toHaveLength(6);
    expect(new Set(policyRequests).size).toBe(6);
    expect(policyRequests).toContain(`GET /2020-05-31/origin-request-policy/${POLICY_IDS.ORP_UNDESCRIBED}`);
  });

  it('also follows the generic AWS_ENDPOINT_URL', async () => {
    const { requests } = await start({}, 'AWS_ENDPOINT_URL');
    expect(await apiTargets()).toHaveLength(11);
    expect(requests[0]).toBe('GET /2020-05-31/distribution');
  });

  it("recovers from throttling through the SDK's retry", async () => {
    const { requests } = await start({ throttleFirstRequests: 2 });
    const targets = await apiTargets();
    expect(targets).toHaveLength(11);
    expect(requests.slice(0, 3)).toEqual(Array(3).fill('GET /2020-05-31/distribution'));
  });

  it('AccessDenied on ListDistributions is one line naming the principal', async () => {
    await start({ denyListDistributions: true });
    await expect(apiTargets()).rejects.toThrow(
      new Error(
        'AccessDenied: cloudfront:ListDistributions is not allowed for arn:aws:iam::123456789012:user/fake-reader; ' +
          'grant cloudfront:ListDistributions, cloudfront:GetCachePolicy, cloudfront:GetOriginRequestPolicy',
      ),
    );
  });

  it('an endpoint that accepts and never answers ends the listing in one line, by the request time-out', async () => {
    const { requests } = await start({ hangListDistributions: true });
    // The endpoint never answers: only the request time-out ends each attempt (the message says it was that).
    const client = createCloudFrontClient({ maxAttempts: 2 }, { connectionTimeout: 500, requestTimeout: 400 });
    await expect(loadTargets({ kind: 'api', client })).rejects.toThrow(/^the CloudFront API did not answer/);
    expect(requests.length).toBe(2); // the SDK tried again before giving up
  });

  it('an endpoint repeating its NextMarker is refused after the repeat, not paged forever', async () => {
    const { requests } = await start({ pageSize: 1, repeatMarker: 'same' });
    await expect(apiTargets()).rejects.toThrow('ListDistributions page 2 repeats NextMarker "same": the endpoint pages in a loop');
    expect(requests.filter((r) => r.includes('/distribution'))).toHaveLength(2);
  });

  it('a page saying IsTruncated without a NextMarker is refused: the rest of the account would be missing', async () => {
    await start({ truncatedWithoutMarker: true });
    await expect(apiTargets()).rejects.toThrow('ListDistributions page 1 says IsTruncated but gives no NextMarker');
  });

  it('an HTML page answered with 200 (a captive portal, a proxy) is an error, never "0 origins"', async () => {
    await start({ htmlBody: '<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Wi-Fi login</p></body></html>' });
    await expect(apiTargets()).rejects.toThrow(/^ListDistributions answered with something that is not a CloudFront distribution list/);
    fake && (await fake.close());
    fake = await startFakeCloudFront({ distributions: [], htmlBody: '<html><body>' }); // not even well-formed
    process.env.AWS_ENDPOINT_URL_CLOUDFRONT = fake.endpoint;
    await expect(apiTargets()).rejects.toThrow(/not a CloudFront distribution list/);
  });

  it('no credentials anywhere: one line naming aws configure, AWS_PROFILE and --inventory', async () => {
    await start();
    const restore = withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    try {
      await expect(apiTargets()).rejects.toThrow(NO_CREDENTIALS);
    } finally {
      restore();
    }
    expect(NO_CREDENTIALS).toMatch(/aws configure.*AWS_PROFILE.*--inventory/);
  });
});

describe('the staging and multi-tenant operations, in the shapes the SDK deserialises', () => {
  it('GetDistributionConfig (TenantConfig defaults), GetContinuousDeploymentPolicy, ListDistributionTenants (paged), GetDistributionTenant', async () => {
    const tenant = (n: number) => ({
      Id: `dt_${n}`,
      DistributionId: 'ETPL',
      Name: `t${n}`,
      Arn: `arn:aws:cloudfront::123456789012:distribution-tenant/dt_${n}`,
      Domains: [{ Domain: `t${n}.example.com`, Status: 'active' as const }, { Domain: `old${n}.example.com`, Status: 'inactive' as const }],
      Parameters: [{ Name: 'customer', Value: `c${n}` }, { Name: 'region', Value: 'eu' }],
      Enabled: n !== 2,
    });
    const { requests } = await start({
      pageSize: 2,
      distributionConfigs: {
        ETPL: {
          CallerReference: 'r',
          TenantConfig: {
            ParameterDefinitions: [
              { Name: 'customer', Definition: { StringSchema: { Required: true } } },
              { Name: 'region', Definition: { StringSchema: { Required: false, DefaultValue: 'us' } } },
            ],
          },
        } as never,
      },
      continuousDeploymentPolicies: [
        {
          Id: 'cdp-1',
          LastModifiedTime: new Date(),
          ContinuousDeploymentPolicyConfig: {
            StagingDistributionDnsNames: { Quantity: 2, Items: ['d1.cloudfront.net', 'd2.cloudfront.net'] },
            Enabled: true,
            TrafficConfig: { Type: 'SingleHeader', SingleHeaderConfig: { Header: 'aws-cf-cd-test', Value: 'v' } },
          },
        },
      ],
      tenants: [tenant(1), tenant(2), tenant(3)],
    });
    const client = createCloudFrontClient();
    const config = await client.send(new GetDistributionConfigCommand({ Id: 'ETPL' }));
    expect(readParameterDefaults(config.DistributionConfig, 'c')).toEqual({ region: 'us' });
    const policy = await client.send(new GetContinuousDeploymentPolicyCommand({ Id: 'cdp-1' }));
    expect(readCdPolicy(policy.ContinuousDeploymentPolicy, 'p')).toEqual({
      id: 'cdp-1',
      enabled: true,
      stagingDnsNames: ['d1.cloudfront.net', 'd2.cloudfront.net'],
      traffic: { type: 'header', header: 'aws-cf-cd-test' },
    });
    const summaries = [];
    for await (const page of paginateListDistributionTenants({ client }, { AssociationFilter: { DistributionId: 'ETPL' } })) summaries.push(...(page.DistributionTenantList ?? []));
    expect(summaries.map((t) => [t.Id, t.Enabled, t.Domains?.map((d) => d.Domain)])).toEqual([
      ['dt_1', true, ['t1.example.com', 'old1.example.com']],
      ['dt_2', false, ['t2.example.com', 'old2.example.com']],
      ['dt_3', true, ['t3.example.com', 'old3.example.com']],
    ]);
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual(['POST /2020-05-31/distribution-tenants', 'POST /2020-05-31/distribution-tenants']);
    const full = await client.send(new GetDistributionTenantCommand({ Identifier: 'dt_3' }));
    expect(readTenant(full.DistributionTenant, 't')).toEqual({
      id: 'dt_3',
      distributionId: 'ETPL',
      name: 't3',
      domains: ['t3.example.com'],
      enabled: true,
      parameters: { customer: 'c3', region: 'eu' },
    });
  });
});
