/**
 * Every request path CloudFront has, and only those, end to end: the CLI and the deployed monitor's run (runOnce),
 * through the real AWS SDK against the local fake of the CloudFront API (REST-XML), probing real TLS servers on
 * loopback. One TLS server answers every name with the certificate its SNI asks for.
 *
 * - E1HOSTONLY: every behavior forwards the viewer Host; the certificate covers the alias only (a healthy set-up):
 *   ok, with one info finding about the origin domain no behavior sends. An origin no behavior targets: info.
 *   Origin Shield on the used origin.
 * - E2PRIMARY / E3STAGING: a continuous deployment policy sends 5% of E2PRIMARY's requests to E3STAGING, whose own
 *   origin has an expired certificate: critical, and the alert says only staged traffic is affected.
 * - ETEMPLATE: a multi-tenant template ListDistributions does not return, origin `{{customer}}.tenants.test`, and two
 *   tenants: acme (healthy) and globex (expired), reported by tenant with their domains.
 * - Offline: the same from saved AWS CLI output with --inventory (twice) and --details; without --details, the report
 *   says what was not looked up and how to supply it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { ContinuousDeploymentPolicy, DistributionConfig, DistributionSummary, DistributionTenant } from '@aws-sdk/client-cloudfront';
import { MemoryStateStore } from '../lambda/alerting/state-store';
import { TextPublisher } from '../lambda/alerting/publish';
import { EXIT } from '../lambda/cli';
import { runOnce, type RunDeps } from '../lambda/run/monitor-run';
import { decodeEnvironment } from '../lib/settings';
import { createCloudFrontClient, loadTargets } from '../lambda/inventory';
import type { OriginReport, ScanReport } from '../lambda/model';
import { runScan } from '../lambda/pipeline';
import type { Resolver } from '../lambda/probe/dns';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { HERMETIC_AWS_ENV, withEnv } from './support/aws-env';
import { cli } from './support/cli';
import { startFakeCloudFront, type FakeCloudFront } from './support/fake-cloudfront-api';
import { chainPem, createPki, type Pki } from './support/pki';
import { listenTls, type Listening } from './support/servers';

const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const DAY = 86_400_000;
const NAMES = ['lb-1.elb.test', 'api.origins.test', 'staging-api.origins.test', 'acme.tenants.test', 'globex.tenants.test'];

let pki: Pki;
let server: Listening;
let api: FakeCloudFront;
let dir: string;
let caFile: string;
let restoreEnv: () => void;

function origin(id: string, domain: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    Id: id,
    DomainName: domain,
    OriginPath: '',
    CustomHeaders: { Quantity: 0 },
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: port,
      OriginProtocolPolicy: 'https-only',
      OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
      OriginReadTimeout: 30,
      OriginKeepaliveTimeout: 5,
    },
    ConnectionAttempts: 1,
    ConnectionTimeout: 2,
    ...extra,
  };
}

function behavior(path: string | undefined, target: string, forwardHost = false) {
  return {
    ...(path ? { PathPattern: path } : {}),
    TargetOriginId: target,
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: CACHING_OPTIMIZED,
    ...(forwardHost ? { OriginRequestPolicyId: ALL_VIEWER } : {}),
  };
}

function distribution(id: string, domain: string, aliases: string[], origins: unknown[], behaviors: ReturnType<typeof behavior>[], extra: Record<string, unknown> = {}) {
  const [defaultBehavior, ...ordered] = behaviors;
  return {
    Id: id,
    ARN: `arn:aws:cloudfront::123456789012:distribution/${id}`,
    Status: 'Deployed',
    LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
    DomainName: domain,
    Aliases: { Quantity: aliases.length, ...(aliases.length ? { Items: aliases } : {}) },
    Origins: { Quantity: origins.length, Items: origins },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: defaultBehavior,
    CacheBehaviors: { Quantity: ordered.length, ...(ordered.length ? { Items: ordered } : {}) },
    Enabled: true,
    Comment: '',
    Staging: false,
    ...extra,
  } as unknown as DistributionSummary;
}

let listed: DistributionSummary[];
let templates: DistributionSummary[];
let configs: Record<string, DistributionConfig>;
let policy: ContinuousDeploymentPolicy;
let tenants: DistributionTenant[];

function inventory(port: number) {
  listed = [
    distribution(
      'E1HOSTONLY',
      'd111111abcdef8.cloudfront.net',
      ['www.brand.test'],
      [
        origin('lb', 'lb-1.elb.test', port, { OriginShield: { Enabled: true, OriginShieldRegion: 'eu-west-1' } }),
        origin('unused', 'staging-api.origins.test', port),
      ],
      [behavior(undefined, 'lb', true), behavior('/app/*', 'lb', true)],
    ),
    distribution('E2PRIMARY', 'd222222abcdef8.cloudfront.net', ['api.example.test'], [origin('api', 'api.origins.test', port)], [behavior(undefined, 'api')]),
    distribution('E3STAGING', 'd333333abcdef8.cloudfront.net', [], [origin('api-next', 'staging-api.origins.test', port)], [behavior(undefined, 'api-next')], {
      Staging: true,
    }),
  ];
  templates = [
    distribution('ETEMPLATE', '-', [], [origin('shop', '{{customer}}.tenants.test', port)], [behavior(undefined, 'shop')], { ConnectionMode: 'tenant-only' }),
  ];
  configs = {
    E1HOSTONLY: { CallerReference: 'r1' } as DistributionConfig,
    E2PRIMARY: { CallerReference: 'r2', ContinuousDeploymentPolicyId: 'cdp-0001' } as DistributionConfig,
    ETEMPLATE: {
      CallerReference: 'r4',
      TenantConfig: { ParameterDefinitions: [{ Name: 'customer', Definition: { StringSchema: { Required: true } } }] },
    } as DistributionConfig,
  };
  policy = {
    Id: 'cdp-0001',
    LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
    ContinuousDeploymentPolicyConfig: {
      StagingDistributionDnsNames: { Quantity: 1, Items: ['d333333abcdef8.cloudfront.net'] },
      Enabled: true,
      TrafficConfig: { Type: 'SingleWeight', SingleWeightConfig: { Weight: 0.05 } },
    },
  };
  const tenant = (id: string, name: string, domain: string, customer: string): DistributionTenant => ({
    Id: id,
    DistributionId: 'ETEMPLATE',
    Name: name,
    Arn: `arn:aws:cloudfront::123456789012:distribution-tenant/${id}`,
    Domains: [{ Domain: domain, Status: 'active' }],
    Parameters: [{ Name: 'customer', Value: customer }],
    ConnectionGroupId: 'cg_default',
    CreatedTime: new Date('2026-11-01T00:00:00Z'),
    LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
    Enabled: true,
    Status: 'Deployed',
  });
  tenants = [tenant('dt_acme0001', 'acme', 'www.acme.test', 'acme'), tenant('dt_globex01', 'globex', 'shop.globex.test', 'globex')];
}

beforeAll(async () => {
  pki = await createPki({ name: 'Request Paths Test' });
  const now = Date.now();
  const healthy = async (names: string[]) => pki.issueLeaf({ dnsNames: names });
  const expired = async (names: string[]) => pki.issueLeaf({ dnsNames: names, notBefore: new Date(now - 90 * DAY), notAfter: new Date(now - DAY) });
  const certs: Record<string, Awaited<ReturnType<typeof healthy>>> = {
    'www.brand.test': await healthy(['www.brand.test']),
    'api.origins.test': await healthy(['api.origins.test']),
    'staging-api.origins.test': await expired(['staging-api.origins.test']),
    'acme.tenants.test': await healthy(['acme.tenants.test']),
    'globex.tenants.test': await expired(['globex.tenants.test']),
  };
  const context = (name: string) => createSecureContext({ key: certs[name].keyPem, cert: chainPem(certs[name], pki.intermediate) });
  const contexts = new Map(Object.keys(certs).map((n) => [n, context(n)]));
  // Any other name (lb-1.elb.test) gets the alias's certificate, as a load balancer serving www.brand.test does.
  const fallback = certs['www.brand.test'];
  server = await listenTls({
    key: fallback.keyPem,
    cert: chainPem(fallback, pki.intermediate),
    SNICallback: (name, cb) => cb(null, contexts.get(name) ?? contexts.get('www.brand.test')),
  });
  inventory(server.port);
  api = await startFakeCloudFront({
    distributions: listed,
    tenantOnly: templates,
    distributionConfigs: configs,
    continuousDeploymentPolicies: [policy],
    tenants,
  });
  dir = mkdtempSync(join(tmpdir(), 'cfom-paths-'));
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, pki.root.certPem);
  writeFileSync(join(dir, 'hosts'), `127.0.0.1 ${NAMES.join(' ')}\n`);
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  await api?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Every origin name at the loopback server, as a hosts file (not --resolve: an entry for a name a scan does not
// have is an error, and not every test's inventory has every name).
const resolveArgs = () => ['--hosts-file', join(dir, 'hosts')];
// --no-edge: these distributions' domains are not on loopback (test/edge/ runs the edge check against a fake edge).
const common = () => [...resolveArgs(), '--ca-file', caFile, '--connect-timeout', '1000', '--format', 'json', '--no-edge'];
const find = (report: ScanReport, key: string): OriginReport => {
  const found = report.origins.find((o) => o.key === key);
  if (!found) throw new Error(`no origin ${key} in ${report.origins.map((o) => o.key).join(', ')}`);
  return found;
};
const codes = (o: OriginReport) => o.findings.map((f) => `${f.severity}:${f.code}`);

function expectRequestPaths(report: ScanReport): void {
  // Host forwarded everywhere, certificate for the alias only: no false alarm, one info naming what would break.
  const lb = find(report, 'E1HOSTONLY/lb');
  expect(lb.status).toBe('ok');
  expect(codes(lb)).toEqual(['info:NAME_NOT_SENT']);
  expect(lb.findings[0]).toMatchObject({ sniName: 'lb-1.elb.test', evidence: { wouldFail: [expect.objectContaining({ code: 'CERT_NAME_MISMATCH' })] } });
  expect(lb.findings[0].message).toMatch(/^no behavior sends lb-1\.elb\.test as SNI .*CloudFront would answer 502: CERT_NAME_MISMATCH/);
  expect(lb.sniNames).toEqual([
    { name: 'lb-1.elb.test', source: 'origin-domain', behaviors: [], sent: false },
    { name: 'www.brand.test', source: 'viewer-host', behaviors: ['/app/*', '*'] },
  ]);
  expect(lb.paths?.originShield).toEqual({ region: 'eu-west-1', behaviors: ['/app/*', '*'] });

  const unused = find(report, 'E1HOSTONLY/unused');
  expect(unused.status).toBe('ok');
  expect(codes(unused)).toEqual(['info:ORIGIN_NOT_ROUTED']);
  expect(unused.findings[0].message).toContain('CERT_EXPIRED');

  const staging = find(report, 'E3STAGING/api-next');
  expect(staging.status).toBe('critical');
  expect(codes(staging)).toContain('critical:CERT_EXPIRED');
  expect(staging.paths?.staging).toEqual({
    primaryId: 'E2PRIMARY',
    primaryDomainName: 'd222222abcdef8.cloudfront.net',
    policyId: 'cdp-0001',
    policyEnabled: true,
    traffic: { type: 'weight', weight: 0.05 },
  });
  expect(find(report, 'E2PRIMARY/api').status).toBe('ok');

  const acme = find(report, 'ETEMPLATE/shop@acme');
  expect(acme).toMatchObject({ domainName: 'acme.tenants.test', status: 'ok', aliases: ['www.acme.test'] });
  expect(acme.paths?.tenant).toEqual({ id: 'dt_acme0001', name: 'acme', domains: ['www.acme.test'], parameters: { customer: 'acme' } });
  const globex = find(report, 'ETEMPLATE/shop@globex');
  expect(globex).toMatchObject({ domainName: 'globex.tenants.test', status: 'critical' });
  expect(codes(globex)).toContain('critical:CERT_EXPIRED');
  expect(globex.paths?.tenant?.domains).toEqual(['shop.globex.test']);
}

describe('the CLI, live (the fake CloudFront API)', () => {
  let report: ScanReport;
  let code: number;
  beforeAll(async () => {
    api.requests.length = 0;
    const run = await cli(['scan', ...common()]);
    code = run.code;
    report = JSON.parse(run.stdout) as ScanReport;
  }, 60_000);

  it('judges only the names a behavior sends; staging and tenants scanned, each named', () => {
    expectRequestPaths(report);
    expect(code).toBe(EXIT.CRITICAL);
  });

  it('finds the template ListDistributions does not return, and reads each tenant and policy once', () => {
    const r = api.requests;
    expect(r).toContain('GET /2020-05-31/distributionsByConnectionMode/tenant-only');
    expect(r.filter((x) => x.startsWith('POST /2020-05-31/distribution-tenants'))).toHaveLength(1);
    expect(r.filter((x) => x.startsWith('GET /2020-05-31/distribution-tenant/')).sort()).toEqual([
      'GET /2020-05-31/distribution-tenant/dt_acme0001',
      'GET /2020-05-31/distribution-tenant/dt_globex01',
    ]);
    expect(r.filter((x) => x.startsWith('GET /2020-05-31/continuous-deployment-policy/'))).toEqual(['GET /2020-05-31/continuous-deployment-policy/cdp-0001']);
    // The staging distribution's own configuration is never needed: only candidate primaries are read.
    expect(r).not.toContain('GET /2020-05-31/distribution/E3STAGING/config');
  });

  it('the table says staging, tenant and Origin Shield in words', async () => {
    const { stdout } = await cli(['scan', ...resolveArgs(), '--ca-file', caFile, '--connect-timeout', '1000', '--no-color', '--no-edge']);
    expect(stdout).toContain(
      'staging: only staged traffic is affected: 5% of the requests to primary distribution E2PRIMARY (d222222abcdef8.cloudfront.net), by continuous deployment policy cdp-0001',
    );
    expect(stdout).toContain('tenant: distribution tenant globex (dt_globex01): domains shop.globex.test; parameters customer=globex');
    expect(stdout).toContain('origin shield: Origin Shield in eu-west-1');
  }, 60_000);
});

describe('denied look-ups are said on the distributions concerned, and the rest is scanned', () => {
  it('GetDistributionConfig and ListDistributionTenants denied', async () => {
    const denied = await startFakeCloudFront({
      distributions: listed,
      tenantOnly: templates,
      distributionConfigs: configs,
      continuousDeploymentPolicies: [policy],
      tenants,
      deny: ['GetDistributionConfig', 'ListDistributionTenants'],
    });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint });
    try {
      const targets = await loadTargets({ kind: 'api', client: createCloudFrontClient() });
      const staging = targets.find((t) => t.key === 'E3STAGING/api-next');
      expect(staging?.paths?.staging?.unresolved).toMatch(/^its primary could not be looked up \(E1HOSTONLY: AccessDenied.*grant cloudfront:GetDistributionConfig, cloudfront:GetContinuousDeploymentPolicy$/);
      expect(staging?.skip).toBeUndefined(); // still scanned
      const template = targets.filter((t) => t.distributionId === 'ETEMPLATE');
      expect(template).toEqual([
        expect.objectContaining({
          key: 'ETEMPLATE/*',
          unchecked: { reason: expect.stringMatching(/^multi-tenant template .*could not be listed \(ListDistributionTenants: AccessDenied.*; grant cloudfront:ListDistributionTenants$/) },
        }),
      ]);
      expect(template[0].skip).toBeUndefined();
      expect(targets.filter((t) => !t.skip && !t.unchecked).length).toBe(4);
    } finally {
      restore();
      await denied.close();
    }
  }, 30_000);

  it('ListDistributionsByConnectionMode denied: one unchecked entry says the templates could not be listed; the rest scanned, exit 1', async () => {
    const denied = await startFakeCloudFront({ distributions: listed.slice(0, 1), deny: ['ListDistributionsByConnectionMode'] });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint });
    try {
      const targets = await loadTargets({ kind: 'api', client: createCloudFrontClient() });
      const entry = targets.find((t) => t.key === 'tenant-only-distributions/*');
      expect(entry?.skip).toBeUndefined();
      expect(entry?.unchecked?.reason).toMatch(
        /^the distribution could not be read: multi-tenant templates could not be listed \(ListDistributionsByConnectionMode: AccessDenied.*; grant cloudfront:ListDistributionsByConnectionMode$/,
      );
      // The CLI: the readable distribution is scanned (healthy), the unreadable entry is not checked: exit 1, one line.
      const { code, stdout, stderr } = await cli(['scan', ...common()]);
      const report = JSON.parse(stdout) as ScanReport;
      expect(find(report, 'E1HOSTONLY/lb').status).toBe('ok');
      expect(find(report, 'tenant-only-distributions/*')).toMatchObject({ status: 'unchecked', uncheckedReason: entry?.unchecked?.reason });
      expect(report.summary).toMatchObject({ unchecked: 1, skipped: 0 });
      expect(code).toBe(EXIT.FAILED);
      expect(stderr).toMatch(/^cf-origin-monitor: 1 origin\(s\) not checked: the distribution could not be read: .*grant cloudfront:ListDistributionsByConnectionMode\n$/);
      expect(stderr).not.toContain('run again');
    } finally {
      restore();
      await denied.close();
    }
  }, 30_000);

  it("GetDistributionConfig denied: a tenant that needs the template's default is unchecked, saying what to grant; the rest scanned, exit 1", async () => {
    const defaulted = { ...configs.ETEMPLATE, TenantConfig: { ParameterDefinitions: [{ Name: 'customer', Definition: { StringSchema: { Required: false, DefaultValue: 'acme' } } }] } } as DistributionConfig;
    // acme relies on the default (sets no value).
    const own = tenants.filter((t) => t.Name === 'acme').map((t) => ({ ...t, Parameters: [] }));
    const denied = await startFakeCloudFront({ distributions: listed.slice(0, 1), tenantOnly: templates, distributionConfigs: { ...configs, ETEMPLATE: defaulted }, tenants: own, deny: ['GetDistributionConfig'] });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint });
    try {
      const { code, stdout, stderr } = await cli(['scan', ...common()]);
      const report = JSON.parse(stdout) as ScanReport;
      expect(find(report, 'ETEMPLATE/shop@acme')).toMatchObject({
        status: 'unchecked',
        uncheckedReason: expect.stringMatching(
          /^tenant acme sets no value for parameter \{\{customer\}\}, and the template's default could not be read \(GetDistributionConfig ETEMPLATE: AccessDenied.*; grant cloudfront:GetDistributionConfig\)$/,
        ),
      });
      expect(find(report, 'ETEMPLATE/shop@acme').skippedReason).toBeUndefined();
      expect(find(report, 'E1HOSTONLY/lb').status).toBe('ok');
      expect(report.summary).toMatchObject({ origins: 3, ok: 2, unchecked: 1, skipped: 0 });
      expect(code).toBe(EXIT.FAILED);
      expect(stderr).toMatch(/^cf-origin-monitor: 1 origin\(s\) not checked: tenant acme sets no value .*grant cloudfront:GetDistributionConfig\)\n$/);
    } finally {
      restore();
      await denied.close();
    }
  }, 60_000);

  it('GetDistributionTenant denied: the tenants whose parameter values could not be read are unchecked, exit 1 (not skipped, exit 0)', async () => {
    const denied = await startFakeCloudFront({ distributions: listed.slice(0, 1), tenantOnly: templates, distributionConfigs: configs, tenants, deny: ['GetDistributionTenant'] });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint });
    try {
      const { code, stdout, stderr } = await cli(['scan', ...common()]);
      const report = JSON.parse(stdout) as ScanReport;
      for (const [name, id] of [['acme', 'dt_acme0001'], ['globex', 'dt_globex01']]) {
        expect(find(report, `ETEMPLATE/shop@${name}`)).toMatchObject({
          status: 'unchecked',
          uncheckedReason: expect.stringMatching(
            new RegExp(`^tenant ${name}: the value of parameter \\{\\{customer\\}\\} could not be read \\(GetDistributionTenant ${id}: AccessDenied.*; grant cloudfront:GetDistributionTenant\\)$`),
          ),
        });
      }
      expect(find(report, 'E1HOSTONLY/lb').status).toBe('ok');
      expect(report.summary).toMatchObject({ unchecked: 2, skipped: 0, critical: 0 });
      expect(code).toBe(EXIT.FAILED);
      expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      restore();
      await denied.close();
    }
  }, 60_000);
});

describe('a template ListDistributions returns too', () => {
  it('is scanned once, per tenant, even when ListDistributions does not say it is tenant-only', async () => {
    const { ConnectionMode: _mode, ...unmarked } = templates[0] as DistributionSummary & { ConnectionMode?: string };
    const both = await startFakeCloudFront({ distributions: [unmarked as DistributionSummary], tenantOnly: templates, distributionConfigs: configs, tenants });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: both.endpoint });
    try {
      const targets = await loadTargets({ kind: 'api', client: createCloudFrontClient() });
      expect(targets.map((t) => t.key)).toEqual(['ETEMPLATE/shop@acme', 'ETEMPLATE/shop@globex']);
    } finally {
      restore();
      await both.close();
    }
  }, 30_000);
});

describe('the deployed monitor (runOnce, the Lambda run)', () => {
  it('alerts on the staging origin saying only staged traffic is affected, and on the tenant by name; no alert for the healthy Host set-up', async () => {
    const names = new Set(NAMES);
    const resolver: Resolver = {
      resolve4: async (name) => {
        if (!names.has(name)) throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return ['127.0.0.1'];
      },
      resolve6: async (name) => {
        throw Object.assign(new Error(`queryAaaa ENODATA ${name}`), { code: 'ENODATA' });
      },
    };
    const trust = trustStoreFromPems([pki.root.certPem], 'the test root');
    let email = '';
    const client = createCloudFrontClient();
    const deps: RunDeps = {
      // edgeCheck off: these distributions' domains are not on loopback (test/edge/ runs the edge check).
      settings: { ...decodeEnvironment({}), confirmRuns: 1, scanConcurrency: 8, connectTimeoutMs: 1000, edgeCheck: false },
      loadTargets: () => loadTargets({ kind: 'api', client }),
      scan: (targets, options) => runScan(targets, { ...options, trust, deps: { resolver } }),
      store: new MemoryStateStore(),
      publisher: new TextPublisher((text) => (email += text)),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      metrics: { addMetric: () => undefined, publishStoredMetrics: () => undefined },
      now: () => new Date(),
      functionName: 'test-function',
    };
    const result = await runOnce(deps);
    expect(result.published).toBe(true);
    expect(email).toMatch(/Staging: +only staged traffic is affected: 5% of the requests to\s+primary distribution E2PRIMARY/);
    expect(email).toMatch(/Tenant: +distribution tenant globex \(dt_globex01\): domains\s+shop\.globex\.test/);
    expect(email).not.toContain('lb-1.elb.test');
    expect(email).not.toContain('acme');
    // Two likely-502s: the staging origin and tenant globex's origin.
    expect(email).toMatch(/^Subject: CloudFront origins: 2 new likely-502/);
  }, 60_000);
});

describe('the deployed monitor, a look-up denied', () => {
  it('ListDistributionTenants denied: the template counts as not checked (metric and warning line with the grant), never as skipped', async () => {
    const denied = await startFakeCloudFront({ distributions: listed.slice(0, 1), tenantOnly: templates, tenants, deny: ['ListDistributionTenants'] });
    const restore = withEnv({ AWS_ENDPOINT_URL_CLOUDFRONT: denied.endpoint });
    const metrics: Record<string, number> = {};
    const warnings: { message: string; extra: Record<string, unknown> }[] = [];
    try {
      const client = createCloudFrontClient();
      const resolver: Resolver = { resolve4: async () => ['127.0.0.1'], resolve6: async () => Promise.reject(Object.assign(new Error('ENODATA'), { code: 'ENODATA' })) };
      const result = await runOnce({
        settings: { ...decodeEnvironment({}), confirmRuns: 1, scanConcurrency: 8, connectTimeoutMs: 1000, edgeCheck: false },
        loadTargets: () => loadTargets({ kind: 'api', client }),
        scan: (targets, options) => runScan(targets, { ...options, trust: trustStoreFromPems([pki.root.certPem], 'the test root'), deps: { resolver } }),
        store: new MemoryStateStore(),
        publisher: new TextPublisher(() => undefined),
        logger: { info: () => undefined, warn: (message: string, ...extra: Record<string, unknown>[]) => warnings.push({ message, extra: Object.assign({}, ...extra) }), error: () => undefined },
        metrics: { addMetric: (name: string, _unit: unknown, value: number) => (metrics[name] = value), publishStoredMetrics: () => undefined },
        now: () => new Date(),
        functionName: 'test-function',
      });
      expect(result).toBeDefined();
      expect(metrics.OriginsUnchecked).toBe(1);
      const line = warnings.find((w) => w.message === 'origins not checked');
      expect(line?.extra).toMatchObject({ unchecked: 1, origins: ['ETEMPLATE/*'] });
      expect(Object.keys(line?.extra.reasons as Record<string, number>)).toEqual([
        expect.stringMatching(/^multi-tenant template .*ListDistributionTenants: AccessDenied.*; grant cloudfront:ListDistributionTenants$/),
      ]);
    } finally {
      restore();
      await denied.close();
    }
  }, 60_000);
});

describe('offline: --inventory (twice) and --details', () => {
  const json = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  };

  it('with the AWS CLI output of each look-up, the same verdicts as the live scan', async () => {
    const files = [
      '--inventory', json('list-distributions.json', { DistributionList: { Items: listed } }),
      '--inventory', json('by-connection-mode.json', { DistributionList: { Items: templates } }),
      '--details', json('get-distribution-primary.json', { ETag: 'E1', Distribution: { Id: 'E2PRIMARY', DomainName: 'd222222abcdef8.cloudfront.net', DistributionConfig: configs.E2PRIMARY } }),
      '--details', json('get-distribution-template.json', { ETag: 'E1', Distribution: { Id: 'ETEMPLATE', DomainName: '-', DistributionConfig: configs.ETEMPLATE } }),
      '--details', json('list-continuous-deployment-policies.json', { ContinuousDeploymentPolicyList: { Quantity: 1, Items: [{ ContinuousDeploymentPolicy: policy }] } }),
      '--details', json('tenants.json', tenants.map((t) => ({ ETag: 'E1', DistributionTenant: t }))),
    ];
    const before = api.requests.length;
    const { code, stdout } = await cli(['scan', ...files, ...common()]);
    expect(api.requests.length).toBe(before);
    expectRequestPaths(JSON.parse(stdout) as ScanReport);
    expect(code).toBe(EXIT.CRITICAL);
  }, 60_000);

  it('without --details: the staging and tenant look-ups are named as not done, with the commands that supply them', async () => {
    const { stdout } = await cli(['scan', '--inventory', json('list-2.json', { DistributionList: { Items: [...listed, ...templates] } }), ...common()]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(find(report, 'E3STAGING/api-next').paths?.staging?.unresolved).toBe(
      'its primary and traffic share were not looked up: pass --details with the output of aws cloudfront list-continuous-deployment-policies and aws cloudfront get-distribution --id <primary id>',
    );
    expect(find(report, 'ETEMPLATE/*')).toMatchObject({
      status: 'unchecked',
      uncheckedReason: expect.stringContaining('its distribution tenants were not looked up: pass --details with the output of aws cloudfront list-distribution-tenants'),
    });
  }, 60_000);

  it('a template whose tenants were not supplied (no --details) is not checked: exit 1, one line naming the command', async () => {
    const { code, stdout, stderr } = await cli(['scan', '--inventory', json('list-template.json', { DistributionList: { Items: [listed[0], ...templates] } }), ...common()]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(find(report, 'E1HOSTONLY/lb').status).toBe('ok');
    expect(find(report, 'ETEMPLATE/*').status).toBe('unchecked');
    expect(code).toBe(EXIT.FAILED);
    expect(stderr).toBe(
      'cf-origin-monitor: 1 origin(s) not checked: multi-tenant template (ConnectionMode tenant-only): its distribution tenants were not looked up: pass --details with the output of aws cloudfront list-distribution-tenants and, for parameter values, aws cloudfront get-distribution-tenant --identifier <tenant id>\n',
    );
    // The table says it in words, without "run again" (running again changes nothing).
    const table = await cli(['scan', '--inventory', join(dir, 'list-template.json'), ...resolveArgs(), '--ca-file', caFile, '--connect-timeout', '1000', '--no-color', '--no-edge']);
    expect(table.stdout).toMatch(/UNCHECKED +ETEMPLATE.*\n +not checked: multi-tenant template .*get-distribution-tenant --identifier <tenant id> \(not the origin's fault: the monitor could not check it\)\n/);
    expect(table.code).toBe(EXIT.FAILED);
  }, 60_000);

  it('a template no tenant in the --details files uses serves no traffic: skipped, exit 0', async () => {
    const { code, stdout } = await cli([
      'scan',
      '--inventory', join(dir, 'list-template.json'),
      '--details', json('no-tenants.json', { DistributionTenantList: [] }),
      ...common(),
    ]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(find(report, 'ETEMPLATE/*')).toMatchObject({ status: 'skipped', skippedReason: expect.stringContaining('no distribution tenant of it is in the --details files') });
    expect(report.summary).toMatchObject({ unchecked: 0, skipped: 1 });
    expect(code).toBe(EXIT.OK);
  }, 60_000);

  it('tenants from list-distribution-tenants only: a tenant whose parameters are unknown is unchecked saying which command gives them, exit 1', async () => {
    const summaries = { DistributionTenantList: tenants.map(({ Parameters: _p, ...t }) => t) };
    const { stdout, code } = await cli([
      'scan',
      '--inventory', json('list-3.json', { DistributionList: { Items: templates } }),
      '--details', json('list-distribution-tenants.json', summaries),
      ...common(),
    ]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(find(report, 'ETEMPLATE/shop@acme')).toMatchObject({
      status: 'unchecked',
      uncheckedReason: 'tenant acme: the value of parameter {{customer}} was not read (pass --details with the output of aws cloudfront get-distribution-tenant --identifier dt_acme0001)',
      paths: { tenant: { id: 'dt_acme0001', name: 'acme', domains: ['www.acme.test'] } },
    });
    expect(report.summary).toMatchObject({ unchecked: 2, skipped: 0 });
    expect(code).toBe(EXIT.FAILED);
  }, 60_000);

  it('what is skipped on purpose stays skipped, exit 0: an S3 REST origin, a disabled distribution (--skip-disabled), a tenant with no active domain, an excluded distribution', async () => {
    const s3 = distribution('E4S3', 'd444444abcdef8.cloudfront.net', [], [
      { Id: 'bucket', DomainName: 'assets.s3.us-east-1.amazonaws.com', OriginPath: '', CustomHeaders: { Quantity: 0 }, S3OriginConfig: { OriginAccessIdentity: '' } },
    ], [behavior(undefined, 'bucket')]);
    const disabled = distribution('E5OFF', 'd555555abcdef8.cloudfront.net', [], [origin('api', 'api.origins.test', server.port)], [behavior(undefined, 'api')], { Enabled: false });
    // The expired staging origin would be critical: excluded, it is not in the report at all.
    const excluded = distribution('E6OUT', 'd666666abcdef8.cloudfront.net', [], [origin('old', 'staging-api.origins.test', server.port)], [behavior(undefined, 'old')]);
    const noDomain = { ...tenants[0], Domains: [{ Domain: 'www.acme.test', Status: 'inactive' }] };
    const { code, stdout, stderr } = await cli([
      'scan',
      '--inventory', json('list-skips.json', { DistributionList: { Items: [listed[0], s3, disabled, excluded, ...templates] } }),
      '--details', json('tenant-no-domain.json', { ETag: 'E1', DistributionTenant: noDomain }),
      '--details', json('get-distribution-template-2.json', { ETag: 'E1', Distribution: { Id: 'ETEMPLATE', DomainName: '-', DistributionConfig: configs.ETEMPLATE } }),
      '--skip-disabled',
      '--exclude-distribution', 'E6OUT',
      ...common(),
    ]);
    const report = JSON.parse(stdout) as ScanReport;
    expect(find(report, 'E4S3/bucket')).toMatchObject({ status: 'skipped', skippedReason: 'S3 REST origin: CloudFront connects to S3 itself' });
    expect(find(report, 'E5OFF/api')).toMatchObject({ status: 'skipped', skippedReason: 'distribution disabled (--skip-disabled)' });
    expect(find(report, 'ETEMPLATE/shop@acme')).toMatchObject({ status: 'skipped', skippedReason: 'tenant acme has no active domain: it serves no viewer traffic' });
    expect(report.origins.some((o) => o.distributionId === 'E6OUT')).toBe(false);
    expect(report.summary).toMatchObject({ ok: 2, skipped: 3, unchecked: 0, critical: 0 });
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
  }, 60_000);

  it('--details without --inventory, or a file of another shape, is one line and exit 1', async () => {
    const alone = await cli(['scan', '--details', join(dir, 'tenants.json')]);
    expect(alone.code).toBe(EXIT.FAILED);
    expect(alone.stderr).toBe('cf-origin-monitor: --details goes with --inventory (a live scan looks staging policies and tenants up itself)\n');
    const wrong = await cli(['scan', '--inventory', join(dir, 'list-3.json'), '--details', json('wrong.json', { Foo: 1 })]);
    expect(wrong.code).toBe(EXIT.FAILED);
    expect(wrong.stderr).toMatch(/^cf-origin-monitor: .*wrong\.json: \(top level\): expected the output of aws cloudfront get-distribution/);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  });
});
