/**
 * The vantage table (diagnosis/vantage.ts), row by row, on facts as the probes return them. The same rows run
 * against real servers and a fake edge in test/edge/edge-check.test.ts.
 */
import { edgeOutcome } from '../../lambda/diagnosis/edge-outcome';
import { makeFinding } from '../../lambda/diagnosis/make-finding';
import { combineVantage, VANTAGE_TABLE, vantageTableMarkdown } from '../../lambda/diagnosis/vantage';
import type { EdgeFacts, Finding, OriginTarget } from '../../lambda/model';

const target = (extra: Partial<OriginTarget> = {}): OriginTarget => ({
  key: 'E1/app',
  distributionId: 'E1',
  distributionDomainName: 'd1.cloudfront.net',
  originId: 'app',
  domainName: 'app.example.com',
  protocolPolicy: 'https-only',
  httpPort: 80,
  httpsPort: 443,
  ports: [{ port: 443, tls: true, behaviors: ['*'] }],
  sniNames: [{ name: 'app.example.com', source: 'origin-domain', behaviors: ['*'] }],
  allowedVersions: ['TLSv1.2'],
  connectionTimeoutMs: 10_000,
  connectionAttempts: 3,
  originReadTimeoutMs: 30_000,
  edgeRoutes: [{ pathPattern: '*', precedingPatterns: [], method: 'GET', host: 'd1.cloudfront.net' }],
  ...extra,
});

const timeout = (t: OriginTarget): Finding =>
  makeFinding(t, { code: 'PORT_TIMEOUT', message: 'port 443 does not answer within the connection timeout', evidence: { tcp: 'timeout' }, address: '203.0.113.10', port: 443 });
const reset = (t: OriginTarget): Finding =>
  makeFinding(t, { code: 'TLS_HANDSHAKE_FAILED', message: 'reset', evidence: { reason: 'reset' }, address: '203.0.113.10', port: 443 });
const clientCert = (t: OriginTarget): Finding =>
  makeFinding(t, { code: 'TLS_HANDSHAKE_FAILED', message: 'the origin requires a client certificate, and CloudFront sends none', evidence: { reason: 'client-certificate-required' }, address: '203.0.113.10', port: 443 });
const expired = (t: OriginTarget): Finding =>
  makeFinding(t, { code: 'CERT_EXPIRED', message: 'the certificate expired on 2026-11-28', evidence: {}, address: '203.0.113.10', port: 443, sniName: 'app.example.com' });
const expiring = (t: OriginTarget): Finding =>
  makeFinding(t, { code: 'CERT_EXPIRING_SOON', message: 'expires in 9 days', evidence: { daysLeft: 9 }, address: '203.0.113.10', port: 443 });

const edge = (extra: Partial<EdgeFacts>): EdgeFacts => ({
  distributionDomainName: 'd1.cloudfront.net',
  host: 'd1.cloudfront.net',
  path: '/cf-origin-monitor-t',
  method: 'GET',
  pathPattern: '*',
  pop: 'FRA56-P3',
  requestId: 'Zx1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0St1Uv2Wx3Yz4Ab5Cd6Ef7G==',
  via: '1.1 abc.cloudfront.net (CloudFront)',
  headersMs: 120,
  totalMs: 125,
  ...extra,
});
const originAnswer = edge({ status: 404, xCache: 'Error from cloudfront', server: 'nginx' });
const cf502 = edge({ status: 502, xCache: 'Error from cloudfront', server: 'CloudFront', cloudfrontPage: { headline: "CloudFront wasn't able to connect to the origin." } });
const cf504 = edge({ status: 504, xCache: 'Error from cloudfront', server: 'CloudFront', cloudfrontPage: {} });
const waf = edge({ status: 403, xCache: 'Error from cloudfront', server: 'CloudFront', cloudfrontPage: { headline: 'Request blocked.' } });

const codes = (fs: Finding[]) => fs.map((f) => `${f.code}:${f.severity}`);

/** One case per row of the table, keyed as the row is. */
const ROW_CASES: Record<string, () => void> = {
  'cannot-connect/reaches-origin': () => {
    for (const blocked of [timeout, reset]) {
      const t = target();
      const out = combineVantage(t, [blocked(t)], [originAnswer], { edgeChecked: true });
      expect(codes(out)).toEqual(['ORIGIN_CLOUDFRONT_ONLY:info']);
      expect(out[0].message).toMatch(/^reachable only from CloudFront: the monitor cannot connect directly \((PORT_TIMEOUT|TLS_HANDSHAKE_FAILED reset) on 203\.0\.113\.10:443\), but through CloudFront the origin answered 404 on \*; direct checks not made: the TLS handshake and the certificate chain$/);
    }
    // A client certificate demanded counts as "cannot connect", mTLS configured or not.
    const t = target();
    expect(codes(combineVantage(t, [clientCert(t)], [originAnswer], { edgeChecked: true }))).toEqual(['ORIGIN_CLOUDFRONT_ONLY:info']);
  },
  'critical/cloudfront-502-504': () => {
    const t = target();
    for (const failure of [cf502, cf504]) {
      const out = combineVantage(t, [expired(t)], [failure], { edgeChecked: true });
      expect(codes(out)).toEqual(['CERT_EXPIRED:critical']);
      expect(out[0].message).toBe(`the certificate expired on 2026-11-28; confirmed through CloudFront: ${failure.status} at POP FRA56-P3, request id ${failure.requestId}`);
      expect(out[0].evidence.confirmedThroughCloudFront).toMatchObject({ status: failure.status, pop: 'FRA56-P3', requestId: failure.requestId });
    }
    // A timeout that CloudFront also meets: still the alert, now confirmed.
    const out = combineVantage(t, [timeout(t)], [cf504], { edgeChecked: true });
    expect(codes(out)).toEqual(['PORT_TIMEOUT:critical']);
    expect(out[0].message).toContain('confirmed through CloudFront: 504');
  },
  'fine/cloudfront-502-504': () => {
    const t = target();
    expect(codes(combineVantage(t, [], [cf502], { edgeChecked: true }))).toEqual(['EDGE_502:critical']);
    expect(codes(combineVantage(t, [expiring(t)], [cf504], { edgeChecked: true }))).toEqual(['CERT_EXPIRING_SOON:warning', 'EDGE_504:critical']);
    const out = combineVantage(t, [], [cf502], { edgeChecked: true });
    expect(out[0].message).toBe(
      `only the edge check sees it: GET https://d1.cloudfront.net/cf-origin-monitor-t -> 502 (Error from cloudfront), POP FRA56-P3, request id ${cf502.requestId}: CloudFront could not connect to the origin ("CloudFront wasn't able to connect to the origin.")`,
    );
    // mTLS: the demand for a client certificate is expected; the edge's 502 is the alert, with the hint.
    const m = target({ mtls: { clientCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/c' } });
    const mOut = combineVantage(m, [clientCert(m)], [cf502], { edgeChecked: true });
    expect(codes(mOut)).toEqual(['EDGE_502:critical']);
    expect(mOut[0].message).toContain('CloudFront presents the client certificate arn:aws:acm:us-east-1:1:certificate/c: does the origin trust it?');
  },
  'critical/reaches-origin': () => {
    const t = target();
    const out = combineVantage(t, [expired(t)], [originAnswer], { edgeChecked: true });
    expect(codes(out)).toEqual(['CERT_EXPIRED:critical']);
    expect(out[0].message).toBe('the certificate expired on 2026-11-28');
    expect(out[0].evidence.edgeCheck).toMatchObject({ reachedOrigin: true, status: 404 });
  },
  'any/not-conclusive': () => {
    const t = target();
    // Refused at the edge: the direct verdict stands.
    expect(codes(combineVantage(t, [timeout(t)], [waf], { edgeChecked: true }))).toEqual(['PORT_TIMEOUT:critical', 'EDGE_REFUSED:info']);
    // The monitor cannot reach CloudFront: never the origin's alert, and never a false all-clear either.
    const failed = edge({ error: { stage: 'connect', message: 'ECONNREFUSED' }, pop: undefined, requestId: undefined });
    expect(codes(combineVantage(t, [], [failed], { edgeChecked: true }))).toEqual(['EDGE_CHECK_FAILED:info']);
    expect(codes(combineVantage(t, [timeout(t)], [failed], { edgeChecked: true }))).toEqual(['PORT_TIMEOUT:critical', 'EDGE_CHECK_FAILED:info']);
    // Edge check off.
    expect(codes(combineVantage(t, [timeout(t)], [], { edgeChecked: false }))).toEqual(['PORT_TIMEOUT:critical']);
    const m = target({ mtls: { clientCertificateArn: 'arn:c' } });
    expect(codes(combineVantage(m, [clientCert(m)], [], { edgeChecked: false }))).toEqual(['ORIGIN_MTLS_UNCONFIRMED:info']);
  },
};

describe('the vantage table', () => {
  it.each(VANTAGE_TABLE.map((row) => [`${row.direct} + ${row.edge}: ${row.verdict}`, `${row.direct}/${row.edge}`]))('%s', (_label, key) => {
    const run = ROW_CASES[key];
    expect(run).toBeDefined();
    run();
  });

  it('has a case for every row and no case for a row it does not have', () => {
    expect(Object.keys(ROW_CASES).sort()).toEqual(VANTAGE_TABLE.map((r) => `${r.direct}/${r.edge}`).sort());
  });
});

describe('which requests speak for an origin', () => {
  it('a request through an origin group never clears a member (the other may have answered after failover); its 502 counts', () => {
    const t = target();
    const viaGroup = { ...originAnswer, viaGroup: 'grp' };
    expect(codes(combineVantage(t, [timeout(t)], [viaGroup], { edgeChecked: true }))).toEqual(['PORT_TIMEOUT:critical']);
    const out = combineVantage(t, [], [{ ...cf502, viaGroup: 'grp' }], { edgeChecked: true });
    expect(codes(out)).toEqual(['EDGE_502:critical']);
    expect(out[0].message).toContain('through origin group grp: both members failed');
  });

  it('an answer from the cache says nothing about the origin now', () => {
    const t = target();
    const hit = { ...originAnswer, status: 200, xCache: 'Hit from cloudfront' };
    expect(codes(combineVantage(t, [timeout(t)], [hit], { edgeChecked: true }))).toEqual(['PORT_TIMEOUT:critical', 'EDGE_CHECK_FAILED:info']);
  });

  it('a behavior with a viewer-request function is marked "the origin may be chosen at run time", edge check or not', () => {
    const hook = { kind: 'cloudfront-function' as const, arn: 'arn:aws:cloudfront::1:function/router', eventType: 'viewer-request' };
    const t = target({ edgeRoutes: [{ pathPattern: '/api/*', precedingPatterns: [], method: 'GET', host: 'd1.cloudfront.net', runtimeOrigin: [hook] }] });
    const out = combineVantage(t, [], [], { edgeChecked: false });
    expect(codes(out)).toEqual(['ORIGIN_CHOSEN_AT_RUNTIME:info']);
    expect(out[0].message).toBe('the origin may be chosen at run time on /api/* (CloudFront Function router): the verdict for these paths rests on the edge check');
  });
});

describe('reachable only from CloudFront needs every direct endpoint to have failed', () => {
  const endpoints = ['203.0.113.10:443', '203.0.113.11:443'];
  const timeoutOn11 = (t: OriginTarget): Finding =>
    makeFinding(t, { code: 'PORT_TIMEOUT', message: 'port 443 does not answer', evidence: { tcp: 'timeout' }, address: '203.0.113.11', port: 443 });

  it('one address dead, another connected and clean: the dead one stays critical, with what the edge saw', () => {
    const t = target();
    const out = combineVantage(t, [timeoutOn11(t)], [originAnswer], { edgeChecked: true, directEndpoints: endpoints });
    expect(codes(out)).toEqual(['PORT_TIMEOUT:critical']);
    expect(out[0].evidence.edgeCheck).toMatchObject({ reachedOrigin: true });
  });

  it('one address dead, the monitor connected to the other (its certificate is expired): nothing is hidden', () => {
    const t = target();
    const out = combineVantage(t, [expired(t), timeoutOn11(t)], [originAnswer], { edgeChecked: true, directEndpoints: endpoints });
    expect(codes(out).sort()).toEqual(['CERT_EXPIRED:critical', 'PORT_TIMEOUT:critical']);
  });

  it('every address blocked (one merged finding): reachable only from CloudFront', () => {
    const t = target();
    const merged = { ...timeout(t), addresses: ['203.0.113.10', '203.0.113.11'] };
    expect(codes(combineVantage(t, [merged], [originAnswer], { edgeChecked: true, directEndpoints: endpoints }))).toEqual(['ORIGIN_CLOUDFRONT_ONLY:info']);
  });
});

describe('what an answer through CloudFront is', () => {
  it.each([
    ['the origin, any status of its own', originAnswer, 'origin-answered'],
    ["CloudFront's own 502", cf502, 'cloudfront-502'],
    ["CloudFront's own 504", cf504, 'cloudfront-504'],
    ['a WAF block', waf, 'refused-at-edge'],
    ['signed URLs required', edge({ status: 403, xCache: 'Error from cloudfront', server: 'CloudFront', signedRequests: true }), 'refused-at-edge'],
    ['a function', edge({ status: 200, xCache: 'FunctionGeneratedResponse from cloudfront', server: 'CloudFront' }), 'function-answer'],
    ['Lambda@Edge', edge({ status: 302, xCache: 'LambdaGeneratedResponse from cloudfront', server: 'CloudFront' }), 'function-answer'],
    ['a failing Lambda@Edge', edge({ status: 503, xCache: 'LambdaExecutionError from cloudfront', server: 'CloudFront' }), 'function-error'],
    ['the origin\'s own 502 (a load balancer)', edge({ status: 502, xCache: 'Error from cloudfront', server: 'awselb/2.0' }), 'origin-answered'],
    ['no X-Amz-Cf-Id: not CloudFront', edge({ status: 200, requestId: undefined }), 'check-failed'],
  ])('%s', (_label, facts, kind) => {
    expect(edgeOutcome(facts).kind).toBe(kind);
  });

  it("a load balancer's 502 through CloudFront is the origin's own 5xx, not CloudFront's", () => {
    const t = target();
    const lb = edge({ status: 502, xCache: 'Error from cloudfront', server: 'awselb/2.0' });
    expect(codes(combineVantage(t, [], [lb], { edgeChecked: true }))).toEqual(['EDGE_ORIGIN_5XX:critical']);
  });

  it('warns at more than 80% of ResponseCompletionTimeout, not below', () => {
    const t = target({ originReadTimeoutMs: 30_000, responseCompletionTimeoutMs: 10_000 });
    expect(codes(combineVantage(t, [], [edge({ status: 200, server: 'nginx', headersMs: 500, totalMs: 8_100 })], { edgeChecked: true }))).toEqual(['EDGE_ORIGIN_SLOW:warning']);
    expect(codes(combineVantage(t, [], [edge({ status: 200, server: 'nginx', headersMs: 500, totalMs: 7_900 })], { edgeChecked: true }))).toEqual([]);
  });
});

describe('the README', () => {
  it('has the vantage table as the code has it (regenerate: npx tsx -e "console.log(require(\'./lambda/diagnosis/vantage\').vantageTableMarkdown())")', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const readme = (require('node:fs') as typeof import('node:fs')).readFileSync(`${__dirname}/../../README.md`, 'utf8');
    expect(readme).toContain(vantageTableMarkdown());
  });
});
