import { emptyPolicyCatalog, type Behavior, type HeaderPolicy } from '../../lambda/inventory/distributions';
import { behaviorHostForwarding, policiesToRead } from '../../lambda/inventory/host-forwarding';
import { buildTargets } from '../../lambda/inventory/targets';

const behavior = (over: Partial<Behavior>): Behavior => ({
  pathPattern: '*',
  targetOriginId: 'o',
  viewerProtocolPolicy: 'redirect-to-https',
  ...over,
});

function catalog(cache: HeaderPolicy[] = [], originRequest: HeaderPolicy[] = []) {
  const c = emptyPolicyCatalog();
  cache.forEach((p) => c.cache.set(p.id, p));
  originRequest.forEach((p) => c.originRequest.set(p.id, p));
  return c;
}

describe('behaviorHostForwarding', () => {
  const orp = (headerBehavior: string, headers: string[] = []) =>
    behaviorHostForwarding(
      behavior({ originRequestPolicyId: 'custom-orp' }),
      catalog([], [{ id: 'custom-orp', headerBehavior, headers }]),
    ).kind;

  it.each([
    [['Host'], 'forwarded'],
    [['host'], 'forwarded'],
    [['*'], 'forwarded'],
    [['Accept-Language'], 'not-forwarded'],
    [[], 'not-forwarded'],
  ])('legacy ForwardedValues.Headers %j: %s', (headers, kind) => {
    expect(behaviorHostForwarding(behavior({ forwardedHeaders: headers }), catalog()).kind).toBe(kind);
  });

  it('custom origin request policies: each header behavior', () => {
    expect(orp('allViewer')).toBe('forwarded');
    expect(orp('allViewerAndWhitelistCloudFront', ['CloudFront-Viewer-Country'])).toBe('forwarded');
    expect(orp('whitelist', ['Origin', 'HOST'])).toBe('forwarded');
    expect(orp('whitelist', ['Origin'])).toBe('not-forwarded');
    expect(orp('allExcept', ['Authorization'])).toBe('forwarded');
    expect(orp('allExcept', ['Host'])).toBe('not-forwarded');
    expect(orp('none')).toBe('not-forwarded');
  });

  it('custom cache policies: host in the key whitelist is forwarded', () => {
    const cp = (headerBehavior: string, headers: string[]) =>
      behaviorHostForwarding(behavior({ cachePolicyId: 'cp' }), catalog([{ id: 'cp', headerBehavior, headers }])).kind;
    expect(cp('whitelist', ['Host'])).toBe('forwarded');
    expect(cp('whitelist', ['Accept'])).toBe('not-forwarded');
    expect(cp('none', [])).toBe('not-forwarded');
  });

  it('managed policies are known by id without any catalog', () => {
    const useOriginCacheControl = '83da9c7e-98b4-4e11-a168-04f0df8e2c65';
    const allViewerExceptHost = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
    expect(behaviorHostForwarding(behavior({ cachePolicyId: useOriginCacheControl }), catalog()).kind).toBe('forwarded');
    expect(
      behaviorHostForwarding(behavior({ cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', originRequestPolicyId: allViewerExceptHost }), catalog()),
    ).toEqual({ kind: 'not-forwarded' });
  });

  it('unknown only when nothing known forwards Host', () => {
    expect(behaviorHostForwarding(behavior({ cachePolicyId: 'x', originRequestPolicyId: 'y' }), catalog())).toEqual({
      kind: 'unknown',
      policies: [
        { type: 'cache', id: 'x' },
        { type: 'origin-request', id: 'y' },
      ],
    });
    const allViewer = '216adef6-5c7f-47e4-b989-5492eafa07d3';
    expect(behaviorHostForwarding(behavior({ cachePolicyId: 'x', originRequestPolicyId: allViewer }), catalog()).kind).toBe('forwarded');
  });
});

describe('policiesToRead', () => {
  it('lists each non-managed policy once', () => {
    const d = {
      id: 'E1',
      domainName: 'd1.cloudfront.net',
      enabled: true,
      aliases: [],
      origins: [],
      originGroups: [],
      behaviors: [
        behavior({ pathPattern: '/a/*', cachePolicyId: 'c1', originRequestPolicyId: 'o1' }),
        behavior({ cachePolicyId: 'c1', originRequestPolicyId: '216adef6-5c7f-47e4-b989-5492eafa07d3' }),
      ],
    };
    expect(policiesToRead([d, { ...d, id: 'E2' }])).toEqual([
      { type: 'cache', id: 'c1' },
      { type: 'origin-request', id: 'o1' },
    ]);
  });
});

describe('an alias equal to the origin domain', () => {
  it('is one SNI name sent by every behavior', () => {
    const [t] = buildTargets(
      [
        {
          id: 'E1',
          domainName: 'd1.cloudfront.net',
          enabled: true,
          aliases: ['www.example.com', 'example.com'],
          origins: [
            {
              id: 'o',
              domainName: 'www.example.com',
              connection: { kind: 'custom', httpPort: 80, httpsPort: 443, protocolPolicy: 'https-only', sslProtocols: ['TLSv1.2'] },
              customHeaderNames: [],
            },
          ],
          originGroups: [],
          behaviors: [behavior({ pathPattern: '/app/*', forwardedHeaders: ['Host'] }), behavior({ forwardedHeaders: [] })],
        },
      ],
      emptyPolicyCatalog(),
    );
    expect(t.sniNames).toEqual([
      { name: 'www.example.com', source: 'origin-domain', behaviors: ['/app/*', '*'] },
      { name: 'example.com', source: 'viewer-host', behaviors: ['/app/*'] },
    ]);
  });
});
