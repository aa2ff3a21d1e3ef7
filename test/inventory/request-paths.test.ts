/**
 * The request-path mapping rules, one case each (pure: JSON in the SDK/CLI shape -> targets -> the judging rules).
 * End to end (real SDK, fake API, real TLS servers, CLI and the Lambda run): test/request-paths.e2e.test.ts.
 */
import { identityKey } from '../../lambda/alerting/identity';
import { applyRequestPaths, type PathDraft } from '../../lambda/diagnosis/request-paths';
import { readDistributionSummary } from '../../lambda/inventory/distributions';
import { emptyDetails, extrasFromDetails, parseDetailsJson } from '../../lambda/inventory/extras';
import { linkStaging, readCdPolicy } from '../../lambda/inventory/staging';
import { buildTargets, WILDCARD_PROBE_LABEL } from '../../lambda/inventory/targets';
import type { TemplateTenants } from '../../lambda/inventory/tenants';
import type { OriginTarget } from '../../lambda/model';
import { describeStaging } from '../../lambda/report/paths-text';

const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const policies = { cache: new Map(), originRequest: new Map() };

const origin = (Id: string, DomainName: string, extra: Record<string, unknown> = {}) => ({
  Id,
  DomainName,
  OriginPath: '',
  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } },
  ...extra,
});
const behavior = (TargetOriginId: string, forwardHost: boolean, extra: Record<string, unknown> = {}) => ({
  TargetOriginId,
  ViewerProtocolPolicy: 'https-only',
  CachePolicyId: CACHING_OPTIMIZED,
  ...(forwardHost ? { OriginRequestPolicyId: ALL_VIEWER } : {}),
  ...extra,
});

function dist(opts: { id?: string; aliases?: string[]; origins: unknown[]; groups?: unknown[]; behaviors: unknown[]; extra?: Record<string, unknown> }) {
  const [def, ...ordered] = opts.behaviors;
  return readDistributionSummary(
    {
      Id: opts.id ?? 'E1TEST',
      DomainName: 'd1test.cloudfront.net',
      Enabled: true,
      Aliases: { Quantity: (opts.aliases ?? []).length, Items: opts.aliases ?? [] },
      Origins: { Quantity: opts.origins.length, Items: opts.origins },
      OriginGroups: { Quantity: (opts.groups ?? []).length, Items: opts.groups ?? [] },
      DefaultCacheBehavior: def,
      CacheBehaviors: { Quantity: ordered.length, Items: ordered },
      ...opts.extra,
    },
    'd',
  );
}

const target = (targets: OriginTarget[], key: string) => {
  const t = targets.find((x) => x.key === key);
  if (!t) throw new Error(`no target ${key}: ${targets.map((x) => x.key).join(', ')}`);
  return t;
};

describe('names a behavior sends', () => {
  it('every behavior forwards Host: the origin domain is probed but marked not sent; the aliases are sent', () => {
    const d = dist({ aliases: ['www.example.com'], origins: [origin('o', 'lb.example.net')], behaviors: [behavior('o', true), { ...behavior('o', true), PathPattern: '/a/*' }] });
    expect(buildTargets([d], policies)[0].sniNames).toEqual([
      { name: 'lb.example.net', source: 'origin-domain', behaviors: [], sent: false },
      { name: 'www.example.com', source: 'viewer-host', behaviors: ['/a/*', '*'] },
    ]);
  });

  it('one behavior does not forward Host: the origin domain is sent by it', () => {
    const d = dist({ aliases: ['www.example.com'], origins: [origin('o', 'lb.example.net')], behaviors: [behavior('o', false), { ...behavior('o', true), PathPattern: '/a/*' }] });
    expect(buildTargets([d], policies)[0].sniNames[0]).toEqual({ name: 'lb.example.net', source: 'origin-domain', behaviors: ['*'] });
  });

  it('an alias equal to the origin domain is one name, sent by every behavior', () => {
    const d = dist({ aliases: ['www.example.com'], origins: [origin('o', 'www.example.com')], behaviors: [behavior('o', true)] });
    expect(buildTargets([d], policies)[0].sniNames).toEqual([{ name: 'www.example.com', source: 'origin-domain', behaviors: ['*'] }]);
  });

  it('an origin reached only through an origin group: both members get the names of the behaviors that target the group', () => {
    const d = dist({
      aliases: ['www.example.com'],
      origins: [origin('a', 'a.example.net'), origin('b', 'b.example.net')],
      groups: [{ Id: 'g', Members: { Quantity: 2, Items: [{ OriginId: 'a' }, { OriginId: 'b' }] } }],
      behaviors: [behavior('g', true)],
    });
    const targets = buildTargets([d], policies);
    for (const key of ['E1TEST/a', 'E1TEST/b']) {
      const t = target(targets, key);
      expect(t.paths).toBeUndefined();
      expect(t.sniNames.map((n) => [n.name, n.behaviors, n.sent])).toEqual([
        [`${key.slice(-1)}.example.net`, [], false],
        ['www.example.com', ['*'], undefined],
      ]);
    }
    expect(target(targets, 'E1TEST/b').originGroups).toEqual([{ groupId: 'g', role: 'secondary', partnerOriginId: 'a' }]);
  });

  it('an origin reached only by the default behavior: its names and ports carry the path `*`', () => {
    const d = dist({ origins: [origin('o', 'o.example.net'), origin('p', 'p.example.net')], behaviors: [behavior('o', false), { ...behavior('p', false), PathPattern: '/p/*' }] });
    const t = target(buildTargets([d], policies), 'E1TEST/o');
    expect(t.sniNames).toEqual([{ name: 'o.example.net', source: 'origin-domain', behaviors: ['*'] }]);
    expect(t.ports).toEqual([{ port: 443, tls: true, behaviors: ['*'] }]);
  });

  it('a wildcard alias is probed as a name under it; a distribution without aliases sends its cloudfront.net name', () => {
    const wild = dist({ aliases: ['*.shop.example.com'], origins: [origin('o', 'o.example.net')], behaviors: [behavior('o', true)] });
    expect(buildTargets([wild], policies)[0].sniNames[1]).toEqual({
      name: `${WILDCARD_PROBE_LABEL}.shop.example.com`,
      source: 'viewer-host',
      wildcardAlias: '*.shop.example.com',
      behaviors: ['*'],
    });
    const bare = dist({ origins: [origin('o', 'o.example.net')], behaviors: [behavior('o', true)] });
    expect(buildTargets([bare], policies)[0].sniNames[1]).toEqual({ name: 'd1test.cloudfront.net', source: 'viewer-host', behaviors: ['*'] });
  });

  it('an origin no behavior targets: unrouted, its name not sent; with a viewer-request function it may be chosen at run time', () => {
    const plain = dist({ origins: [origin('o', 'o.example.net'), origin('spare', 'spare.example.net')], behaviors: [behavior('o', false)] });
    const spare = target(buildTargets([plain], policies), 'E1TEST/spare');
    expect(spare.paths).toEqual({ unrouted: { runtimeOnly: false } });
    expect(spare.sniNames).toEqual([{ name: 'spare.example.net', source: 'origin-domain', behaviors: [], sent: false }]);

    const fn = { FunctionAssociations: { Quantity: 1, Items: [{ FunctionARN: 'arn:aws:cloudfront::123456789012:function/pick', EventType: 'viewer-request' }] } };
    const withFunction = dist({ origins: [origin('o', 'o.example.net'), origin('spare', 'spare.example.net')], behaviors: [behavior('o', false, fn)] });
    const chosen = target(buildTargets([withFunction], policies), 'E1TEST/spare');
    expect(chosen.paths).toEqual({ unrouted: { runtimeOnly: true } });
    expect(chosen.sniNames[0].sent).toBeUndefined();

    const lambdaEdge = { LambdaFunctionAssociations: { Quantity: 1, Items: [{ LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:f:1', EventType: 'origin-request' }] } };
    const withEdge = dist({ origins: [origin('o', 'o.example.net'), origin('spare', 'spare.example.net')], behaviors: [behavior('o', false, lambdaEdge)] });
    expect(target(buildTargets([withEdge], policies), 'E1TEST/spare').paths).toEqual({ unrouted: { runtimeOnly: true } });
  });

  it('Origin Shield: the region and the behaviors that use it', () => {
    const d = dist({ origins: [origin('o', 'o.example.net', { OriginShield: { Enabled: true, OriginShieldRegion: 'ap-northeast-1' } }), origin('p', 'p.example.net', { OriginShield: { Enabled: false } })], behaviors: [behavior('o', false), { ...behavior('p', false), PathPattern: '/p/*' }] });
    const targets = buildTargets([d], policies);
    expect(target(targets, 'E1TEST/o').paths).toEqual({ originShield: { region: 'ap-northeast-1', behaviors: ['*'] } });
    expect(target(targets, 'E1TEST/p').paths).toBeUndefined();
  });
});

describe('judging: only what some path sends', () => {
  const mismatch = (sniName: string, message = `the certificate does not cover ${sniName}`): PathDraft => ({
    code: 'CERT_NAME_MISMATCH',
    message,
    sniName,
    address: '192.0.2.1',
    port: 443,
    evidence: {},
  });
  const base = (extra: Partial<OriginTarget>): OriginTarget => ({
    key: 'E1/o',
    distributionId: 'E1',
    distributionDomainName: 'd1.cloudfront.net',
    aliases: ['www.example.com'],
    domainName: 'lb.example.net',
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: 443,
    ports: [{ port: 443, tls: true, behaviors: ['*'] }],
    sniNames: [
      { name: 'lb.example.net', source: 'origin-domain', behaviors: [], sent: false },
      { name: 'www.example.com', source: 'viewer-host', behaviors: ['*'] },
    ],
    allowedVersions: ['TLSv1.2'],
    connectionTimeoutMs: 10_000,
    connectionAttempts: 3,
    ...extra,
  });

  it('problems on a name not sent become one info finding saying what would break; sent names keep theirs', () => {
    const tcp: PathDraft = { code: 'PORT_REFUSED', message: 'port 443 refuses connections', address: '192.0.2.1', port: 443, evidence: {} };
    const out = applyRequestPaths(
      [mismatch('lb.example.net'), { ...mismatch('lb.example.net'), code: 'CERT_EXPIRING_SOON', message: 'expires in 3 days' }, mismatch('www.example.com'), tcp],
      base({}),
    );
    expect(out.map((d) => [d.code, d.sniName])).toEqual([
      ['CERT_NAME_MISMATCH', 'www.example.com'],
      ['PORT_REFUSED', undefined],
      ['NAME_NOT_SENT', 'lb.example.net'],
    ]);
    expect(out[2].message).toBe(
      'no behavior sends lb.example.net as SNI (every behavior reaching this origin forwards the viewer Host); if one started to: ' +
        'CloudFront would answer 502: CERT_NAME_MISMATCH, the certificate does not cover lb.example.net; a warning: CERT_EXPIRING_SOON, expires in 3 days',
    );
    expect(out[2].evidence.wouldFail).toHaveLength(2);
  });

  it('a name not sent that is healthy gives no finding at all', () => {
    expect(applyRequestPaths([], base({}))).toEqual([]);
  });

  it('an unrouted origin: one ORIGIN_NOT_ROUTED info; chosen at run time: as probed', () => {
    const tcp: PathDraft = { code: 'PORT_TIMEOUT', message: 'port 443 does not answer', port: 443, evidence: {} };
    const unrouted = applyRequestPaths([tcp], base({ paths: { unrouted: { runtimeOnly: false } } }));
    expect(unrouted.map((d) => d.code)).toEqual(['ORIGIN_NOT_ROUTED']);
    expect(unrouted[0].message).toContain('CloudFront would answer 502: PORT_TIMEOUT');
    expect(applyRequestPaths([tcp], base({ paths: { unrouted: { runtimeOnly: true } } }))).toEqual([tcp]);
  });

  it('a mismatch on a wildcard probe name or on the cloudfront.net name says what it means', () => {
    const wildName = `${WILDCARD_PROBE_LABEL}.shop.example.com`;
    const wild = applyRequestPaths(
      [mismatch(wildName)],
      base({ sniNames: [{ name: wildName, source: 'viewer-host', wildcardAlias: '*.shop.example.com', behaviors: ['*'] }] }),
    );
    expect(wild[0].message).toContain('stands for any name under the alias *.shop.example.com');
    const bare = applyRequestPaths([mismatch('d1.cloudfront.net')], base({ aliases: [], sniNames: [{ name: 'd1.cloudfront.net', source: 'viewer-host', behaviors: ['*'] }] }));
    expect(bare[0].message).toContain('the distribution has no alias');
    expect(bare[0].evidence).toEqual({ distributionWithoutAliases: true });
  });
});

describe('staging distributions', () => {
  const staging = dist({ id: 'E9STAGE', origins: [origin('o', 'o.example.net')], behaviors: [behavior('o', false)], extra: { Staging: true, DomainName: 'd9.cloudfront.net' } });
  const header = readCdPolicy(
    {
      Id: 'cdp-h',
      ContinuousDeploymentPolicyConfig: {
        StagingDistributionDnsNames: { Quantity: 1, Items: ['D9.cloudfront.net'] },
        Enabled: false,
        TrafficConfig: { Type: 'SingleHeader', SingleHeaderConfig: { Header: 'aws-cf-cd-beta', Value: 'secret-staging-value' } },
      },
    },
    'p',
  );

  it('a header policy names the header, never its value; a disabled policy says no traffic reaches it', () => {
    const link = linkStaging([staging], [{ id: 'E8PRIMARY', policyId: 'cdp-h' }], [header], () => 'unused').get('E9STAGE')!;
    expect(link).toEqual({ primaryId: 'E8PRIMARY', policyId: 'cdp-h', policyEnabled: false, traffic: { type: 'header', header: 'aws-cf-cd-beta' } });
    expect(describeStaging(link)).toBe(
      'only staged traffic is affected: the requests to primary distribution E8PRIMARY that carry the header aws-cf-cd-beta, by continuous deployment policy cdp-h (disabled: no viewer traffic reaches it now)',
    );
    expect(JSON.stringify(link)).not.toContain('secret-staging-value');
  });

  it('a behavior that forwards Host sends the primary\'s names: a staging distribution has no aliases of its own', () => {
    const primary = dist({ id: 'E8PRIMARY', aliases: ['www.example.com'], origins: [origin('o', 'o.example.net')], behaviors: [behavior('o', true)] });
    const stagingHost = dist({ id: 'E9STAGE', origins: [origin('o', 'next.example.net')], behaviors: [behavior('o', true)], extra: { Staging: true, DomainName: 'd9.cloudfront.net' } });
    const link = { primaryId: 'E8PRIMARY', policyId: 'cdp-h' };
    const targets = buildTargets([primary, stagingHost], policies, {}, [], { staging: new Map([['E9STAGE', link]]) });
    expect(target(targets, 'E9STAGE/o').sniNames.map((n) => n.name)).toEqual(['next.example.net', 'www.example.com']);
    // Primary unknown: its own name stands in, and a mismatch on it says so.
    const alone = buildTargets([stagingHost], policies, {}, [], { staging: new Map([['E9STAGE', { unresolved: 'not looked up' }]]) })[0];
    expect(alone.sniNames.map((n) => n.name)).toEqual(['next.example.net', 'd9.cloudfront.net']);
    const [draft] = applyRequestPaths([{ code: 'CERT_NAME_MISMATCH', message: 'no cover', sniName: 'd9.cloudfront.net', evidence: {} }], alone);
    expect(draft.message).toBe("no cover; the primary of this staging distribution is not known, so its own name stands in for the primary's names its viewers use (not looked up)");
  });

  it('a policy with no primary, or no policy: said', () => {
    expect(linkStaging([staging], [], [header], () => 'x').get('E9STAGE')?.unresolved).toBe('no primary distribution using continuous deployment policy cdp-h was found');
    expect(linkStaging([staging], [], [], () => 'not looked up').get('E9STAGE')).toEqual({ unresolved: 'not looked up' });
  });

  it('a staging target carries its link; without one it says it was not looked up', () => {
    const [withLink] = buildTargets([staging], policies, {}, [], { staging: new Map([['E9STAGE', { primaryId: 'E8PRIMARY' }]]) });
    expect(withLink.paths).toEqual({ staging: { primaryId: 'E8PRIMARY' } });
    expect(buildTargets([staging], policies)[0].paths).toEqual({ staging: { unresolved: 'the continuous deployment policy was not looked up' } });
  });
});

describe('multi-tenant templates', () => {
  const template = dist({
    id: 'ETPL',
    origins: [origin('app', '{{customer}}.{{region}}.example.net', { OriginPath: '/{{customer}}' }), origin('static', 'static.example.net')],
    behaviors: [behavior('app', true), { ...behavior('static', false), PathPattern: '/static/*' }],
    extra: { ConnectionMode: 'tenant-only', DomainName: '-' },
  });
  const tenant = (id: string, customer: string | undefined, extra: Record<string, unknown> = {}) => ({
    id,
    name: `t-${id}`,
    domains: [`${id}.customer.test`],
    enabled: true,
    parameters: (customer ? { customer } : {}) as Record<string, string>,
    ...extra,
  });
  const build = (info: TemplateTenants, opts = {}) => buildTargets([template], policies, opts, [], { tenants: new Map([['ETPL', info]]) });

  it('one target per tenant and origin, values filled (tenant first, then the default), tenant domains as viewer names', () => {
    const targets = build({ tenants: [tenant('a', 'acme', { parameters: { customer: 'acme', region: 'eu' } }), tenant('b', 'bolt')], defaults: { region: 'us' } });
    expect(targets.map((t) => t.key)).toEqual(['ETPL/app@t-a', 'ETPL/static@t-a', 'ETPL/app@t-b', 'ETPL/static@t-b']);
    const a = target(targets, 'ETPL/app@t-a');
    expect(a).toMatchObject({ domainName: 'acme.eu.example.net', originPath: '/acme', aliases: ['a.customer.test'], distributionId: 'ETPL' });
    expect(a.distributionDomainName).toBeUndefined(); // a template's DomainName is "-"
    expect(a.paths?.tenant).toEqual({ id: 'a', name: 't-a', domains: ['a.customer.test'], parameters: { customer: 'acme', region: 'eu' } });
    expect(a.sniNames.map((n) => n.name)).toEqual(['acme.eu.example.net', 'a.customer.test']);
    expect(target(targets, 'ETPL/app@t-b').domainName).toBe('bolt.us.example.net');
    // The tenant's values as used by its template's origins.
    expect(target(targets, 'ETPL/static@t-b').paths?.tenant?.parameters).toEqual({ customer: 'bolt', region: 'us' });
  });

  it('a parameter the configuration gives no value skips that tenant origin, saying why; the others are scanned', () => {
    const targets = build({ tenants: [tenant('c', undefined)], defaults: {} });
    expect(target(targets, 'ETPL/app@t-c').skip?.reason).toBe('tenant t-c sets no value for parameter {{customer}} and the template has no default');
    expect(target(targets, 'ETPL/app@t-c').unchecked).toBeUndefined();
    expect(target(targets, 'ETPL/static@t-c').skip).toBeUndefined();
  });

  it("a parameter value that could not be read leaves that tenant origin unchecked (never skipped), saying why", () => {
    const unknownDefaults = build({ tenants: [tenant('c', 'cat')], defaultsUnknown: 'GetDistributionConfig ETPL: AccessDenied; grant cloudfront:GetDistributionConfig' });
    const app = target(unknownDefaults, 'ETPL/app@t-c');
    expect(app.skip).toBeUndefined();
    expect(app.unchecked?.reason).toBe(
      "tenant t-c sets no value for parameter {{region}}, and the template's default could not be read (GetDistributionConfig ETPL: AccessDenied; grant cloudfront:GetDistributionConfig)",
    );
    expect(app.ports).toEqual([]);
    expect(target(unknownDefaults, 'ETPL/static@t-c').unchecked).toBeUndefined();
    const { parameters: _p, ...summary } = tenant('c', 'cat');
    const unread = build({ tenants: [{ ...summary, parametersUnknown: 'GetDistributionTenant c: ThrottlingException' }], defaults: { region: 'us' } });
    expect(target(unread, 'ETPL/app@t-c')).toMatchObject({
      unchecked: { reason: 'tenant t-c: the value of parameter {{customer}} could not be read (GetDistributionTenant c: ThrottlingException)' },
    });
    expect(target(unread, 'ETPL/app@t-c').skip).toBeUndefined();
  });

  it('a tenant with no active domain serves no traffic: skipped, saying so', () => {
    const targets = build({ tenants: [tenant('e', 'eve', { domains: [] })], defaults: { region: 'us' } });
    expect(targets.map((t) => t.skip?.reason)).toEqual(Array(2).fill('tenant t-e has no active domain: it serves no viewer traffic'));
  });

  it('a disabled tenant is marked disabled (and left out with --skip-disabled)', () => {
    const targets = build({ tenants: [tenant('d', 'dan', { enabled: false })], defaults: { region: 'us' } }, { skipDisabled: true });
    expect(targets.every((t) => t.distributionEnabled === false && t.skip?.reason.includes('disabled'))).toBe(true);
  });

  it('no tenant: one skipped entry (it serves no traffic); tenants not looked up or unresolved: one unchecked entry', () => {
    expect(build({ tenants: [] }).map((t) => [t.key, t.skip?.reason, t.unchecked])).toEqual([
      ['ETPL/*', 'multi-tenant template (ConnectionMode tenant-only): no distribution tenant uses it, so it serves no viewer traffic', undefined],
    ]);
    const notLookedUp = buildTargets([template], policies);
    expect(notLookedUp.map((t) => [t.key, t.skip, t.unchecked?.reason])).toEqual([
      ['ETPL/*', undefined, 'multi-tenant template (ConnectionMode tenant-only): its distribution tenants were not looked up'],
    ]);
    expect(build({ unresolved: 'nope' }).map((t) => [t.skip, t.unchecked?.reason])).toEqual([[undefined, 'multi-tenant template (ConnectionMode tenant-only): nope']]);
  });

  it('the alert identity of a tenant target includes the tenant', () => {
    const common = { distributionId: 'ETPL', originId: 'app', originKey: 'ETPL/app@t-a', sniName: 'x', code: 'CERT_EXPIRED' };
    expect(identityKey({ ...common, tenantId: 'dt_a' })).toBe('ETPL/app@dt_a/x/CERT_EXPIRED');
    expect(identityKey({ ...common, tenantId: 'dt_b' })).not.toBe(identityKey({ ...common, tenantId: 'dt_a' }));
    expect(identityKey({ ...common, originId: 'app@dt_a' })).toBe('ETPL/app%40dt_a/x/CERT_EXPIRED'); // cannot collide
    expect(identityKey(common)).toBe('ETPL/app/x/CERT_EXPIRED'); // unchanged for every other origin
  });
});

describe('--details files', () => {
  it('reads get-distribution, policy lists, tenant lists and tenants (inactive domains left out); a summary never hides a full read', () => {
    const details = emptyDetails();
    parseDetailsJson(
      JSON.stringify([
        { Distribution: { Id: 'ETPL', DomainName: '-', DistributionConfig: { ContinuousDeploymentPolicyId: '', TenantConfig: { ParameterDefinitions: [{ Name: 'region', Definition: { StringSchema: { Required: false, DefaultValue: 'us' } } }] } } } },
        { DistributionTenant: { Id: 'dt_1', DistributionId: 'ETPL', Name: 'one', Domains: [{ Domain: 'one.test', Status: 'active' }, { Domain: 'old.test', Status: 'inactive' }], Parameters: [{ Name: 'customer', Value: 'uno' }], Enabled: true } },
      ]),
      'a.json',
      details,
    );
    parseDetailsJson(JSON.stringify({ DistributionTenantList: [{ Id: 'dt_1', DistributionId: 'ETPL', Name: 'one', Domains: [{ Domain: 'one.test' }] }] }), 'b.json', details);
    expect(details.primaries).toEqual([]);
    expect(details.defaults.get('ETPL')).toEqual({ region: 'us' });
    const template = dist({ id: 'ETPL', origins: [origin('o', '{{customer}}.example.net')], behaviors: [behavior('o', false)], extra: { ConnectionMode: 'tenant-only' } });
    expect(extrasFromDetails([template], details).tenants?.get('ETPL')).toMatchObject({
      tenants: [{ id: 'dt_1', name: 'one', domains: ['one.test'], enabled: true, parameters: { customer: 'uno' } }],
      defaults: { region: 'us' },
    });
  });

  it('a document of another shape, or bad JSON: one line naming the file and where', () => {
    expect(() => parseDetailsJson('{"DistributionTenant": {"Id": "dt"}}', 't.json')).toThrow('t.json: DistributionTenant.DistributionId: expected a string');
    expect(() => parseDetailsJson('[{"Foo": 1}]', 'f.json')).toThrow(/^f\.json: \[0\]: expected the output of aws cloudfront get-distribution/);
    expect(() => parseDetailsJson('{', 'j.json')).toThrow('j.json: not valid JSON');
  });
});
