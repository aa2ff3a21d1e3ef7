/**
 * `npx tsx bench/inventory-calls.ts [--distributions N] [--tenants N]`: what the request-path look-ups cost an
 * account, with the real SDK against the local fake of the CloudFront API (loopback only, no AWS).
 *
 * The account: N distributions (default 500), one of which is the primary of a staging distribution (a copy of it,
 * as the console makes them), and one multi-tenant template with T tenants (default 200) whose origin uses a
 * parameter. Prints the API calls per operation and the wall time, against targets:
 * - no staging and no template: one call more than before (ListDistributionsByConnectionMode);
 * - staging: 1 GetDistributionConfig call when the primary is the distribution most like its copy, not one per
 *   distribution;
 * - tenants: one GetDistributionTenant per tenant (ListDistributionTenants carries no parameters), none when the
 *   template's origins use no parameter.
 */
import type { DistributionSummary, DistributionTenant } from '@aws-sdk/client-cloudfront';
import { createCloudFrontClient, loadTargets } from '../lambda/inventory';
import { startFakeCloudFront } from '../test/support/fake-cloudfront-api';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('distributions', 500);
const T = arg('tenants', 200);

function summary(id: string, domain: string, originDomain: string, extra: Record<string, unknown> = {}): DistributionSummary {
  return {
    Id: id,
    ARN: `arn:aws:cloudfront::123456789012:distribution/${id}`,
    Status: 'Deployed',
    LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
    DomainName: domain,
    Aliases: { Quantity: 0 },
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'o',
          DomainName: originDomain,
          OriginPath: '',
          CustomHeaders: { Quantity: 0 },
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } },
        },
      ],
    },
    DefaultCacheBehavior: { TargetOriginId: 'o', ViewerProtocolPolicy: 'https-only', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
    CacheBehaviors: { Quantity: 0 },
    Enabled: true,
    Comment: '',
    Staging: false,
    ...extra,
  } as unknown as DistributionSummary;
}

async function run(label: string, withStaging: boolean, withTemplate: boolean): Promise<void> {
  const id = (i: number) => `E${String(i).padStart(12, '0')}`;
  const primaryIndex = Math.floor(N * 0.8);
  const distributions = Array.from({ length: N }, (_, i) => summary(id(i), `d${i}.cloudfront.net`, `origin-${i}.example.net`));
  if (withStaging) distributions.push(summary('ESTAGING00001', 'dstaging.cloudfront.net', `origin-${primaryIndex}.example.net`, { Staging: true }));
  const templates = withTemplate ? [summary('ETEMPLATE0001', '-', '{{customer}}.saas.example.net', { ConnectionMode: 'tenant-only' })] : [];
  const tenants: DistributionTenant[] = Array.from({ length: withTemplate ? T : 0 }, (_, i) => ({
    Id: `dt_${i}`,
    DistributionId: 'ETEMPLATE0001',
    Name: `tenant-${i}`,
    Domains: [{ Domain: `www.customer-${i}.example.com`, Status: 'active' }],
    Parameters: [{ Name: 'customer', Value: `c${i}` }],
    Enabled: true,
  }));
  const fake = await startFakeCloudFront({
    distributions,
    tenantOnly: templates,
    distributionConfigs: {
      [id(primaryIndex)]: { CallerReference: 'p', ContinuousDeploymentPolicyId: 'cdp-1' } as never,
      ETEMPLATE0001: { CallerReference: 't', TenantConfig: { ParameterDefinitions: [{ Name: 'customer', Definition: { StringSchema: { Required: true } } }] } } as never,
    },
    continuousDeploymentPolicies: [
      {
        Id: 'cdp-1',
        LastModifiedTime: new Date(),
        ContinuousDeploymentPolicyConfig: {
          StagingDistributionDnsNames: { Quantity: 1, Items: ['dstaging.cloudfront.net'] },
          Enabled: true,
          TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.1 } },
        },
      },
    ],
    tenants,
  });
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_CLOUDFRONT: fake.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  try {
    const t0 = process.hrtime.bigint();
    const targets = await loadTargets({ kind: 'api', client: createCloudFrontClient() });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const byOp = new Map<string, number>();
    for (const r of fake.requests) {
      const op = r
        .replace(/\?.*$/, '')
        .replace(/\/E[0-9A-Z]+\/config$/, '/{id}/config')
        .replace(/distribution-tenant\/[^/]+$/, 'distribution-tenant/{id}')
        .replace(/continuous-deployment-policy\/[^/]+$/, 'continuous-deployment-policy/{id}');
      byOp.set(op, (byOp.get(op) ?? 0) + 1);
    }
    const staging = targets.find((t) => t.distributionId === 'ESTAGING00001')?.paths?.staging;
    console.log(`\n${label}: ${N} distributions${withStaging ? ' + 1 staging' : ''}${withTemplate ? ` + 1 template with ${T} tenants` : ''}`);
    console.log(`  ${targets.length} targets in ${ms.toFixed(0)} ms, ${fake.requests.length} API calls`);
    for (const [op, n] of [...byOp].sort()) console.log(`    ${String(n).padStart(5)}  ${op}`);
    if (withStaging) console.log(`  staging linked to ${staging?.primaryId ?? 'nothing'} (target: 1 GetDistributionConfig)`);
  } finally {
    process.env = saved;
    await fake.close();
  }
}

void (async () => {
  await run('plain account', false, false);
  await run('with staging', true, false);
  await run('with a template', false, true);
})();
