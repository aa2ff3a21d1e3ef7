import { buildDigest, buildSubject, SNS_MAX_BYTES, SUBJECT_MAX, type DigestInput } from '../../lambda/alerting/digest';
import { decide, emptyState, observe, type DigestItem } from '../../lambda/alerting/policy';
import type { ScanReport } from '../../lambda/model';
import { after, expiring, finding, origin, report, T0 } from './helpers';
import { parseSetting } from '../../lib/settings';
import { LOG } from '../../lambda/contract';

const POLICY = { confirmRuns: 2, reminderHours: 24 };

/** Realistic news from two runs of the policy: new critical, expiry, reminder, resolved. */
function realisticNews(): { items: DigestItem[]; report: ScanReport; now: Date } {
  const first = report([
    origin({ originId: 'legacy', domainName: 'legacy.example.com', findings: [finding('CERT_SELF_SIGNED', { sniName: 'legacy.example.com' })] }),
    origin({ originId: 'shop', domainName: 'shop-origin.example.com', findings: [finding('CERT_CHAIN_ORDER', { sniName: 'shop-origin.example.com' })] }),
  ]);
  const s1 = decide(emptyState(), observe(first), { ...POLICY, suppressions: [] }, T0);
  const now = after(24);
  const second = report(
    [
      origin({ originId: 'legacy', domainName: 'legacy.example.com', findings: [finding('CERT_SELF_SIGNED', { sniName: 'legacy.example.com' })] }),
      origin({ originId: 'shop', domainName: 'shop-origin.example.com' }),
      origin({
        findings: [
          finding('CERT_NAME_MISMATCH', {
            sniName: 'www.example.com',
            message: 'the certificate of api.example.com does not cover www.example.com (SANs: api.example.com)',
            behaviors: ['/api/*', '*'],
            address: '203.0.113.10',
          }),
          finding('CERT_NAME_MISMATCH', { sniName: 'www.example.com', behaviors: ['/api/*', '*'], address: '203.0.113.11', message: 'x' }),
          expiring(6, 'AA:BB', { sniName: 'api.example.com' }),
        ],
        originGroups: [{ groupId: 'api-group', role: 'primary', partnerOriginId: 'api-backup', partnerStatus: 'ok', failsOver: true }],
      }),
    ],
    { startedAt: now.toISOString() },
  );
  const s2 = decide(s1.nextState, observe(second), { ...POLICY, suppressions: [] }, now);
  return { items: s2.news, report: second, now };
}

function input(over: Partial<DigestInput> = {}): DigestInput {
  const { items, report: r, now } = realisticNews();
  return { items, report: r, now, functionName: 'prod-origin-monitor', policy: POLICY, suppressed: 1, pending: 1, ...over };
}

describe('subject', () => {
  it('says what happened in SNS-safe ASCII within 100 characters', () => {
    const d = buildDigest(input());
    expect(d.subject).toBe('CloudFront origins: 1 new likely-502, cert expiring in 6 days, 1 still failing, 1 resolved');
    expect(d.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it('stays within 100 characters, one line, ASCII, whatever the counts', () => {
    const many = (kind: DigestItem['kind'], severity: DigestItem['severity'], n: number) =>
      Array.from({ length: n }, (_, i) => ({
        kind,
        severity,
        key: `${kind}${i}`,
        code: 'CERT_EXPIRED',
        title: 't',
        originKey: 'k',
        domainName: 'd',
        addresses: [],
        ports: [],
        paths: [],
        message: 'm',
        firstSeen: T0.toISOString(),
        expiry: { daysLeft: 3, fingerprint256: 'x' },
      })) as DigestItem[];
    const subject = buildSubject([
      ...many('new', 'critical', 123456),
      ...many('new', 'warning', 98765),
      ...many('expiry', 'warning', 4321),
      ...many('reminder', 'critical', 55555),
      ...many('resolved', 'critical', 77777),
    ]);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('matches the example of the issue', () => {
    const { items } = realisticNews();
    const pick = items.filter((i) => i.kind === 'new' || i.kind === 'resolved');
    expect(buildSubject([...pick, { ...pick[0], key: 'other' }])).toBe('CloudFront origins: 2 new likely-502, 1 resolved');
  });
});

describe('e-mail text', () => {
  const d = buildDigest(input());
  if (process.env.PRINT_DIGEST) process.stdout.write(`Subject: ${d.subject}\n\n${d.text}\n`);

  it('tells the person on call what is broken, where, why, how to fix and how to check', () => {
    expect(d.text.split('\n').slice(0, 4)).toEqual([
      '1 new problem makes CloudFront answer HTTP 502.',
      '1 problem still failing.',
      '1 warning: 502s to come if nothing is done.',
      '1 resolved.',
    ]);
    expect(d.text).toContain('Distribution: E2EXAMPLE (d111111abcdef8.cloudfront.net)');
    expect(d.text).toContain('Aliases:      www.example.com, shop.example.com');
    expect(d.text).toContain('Paths hit:    /api/*, * (default behavior)');
    expect(d.text).toContain('Name sent:    www.example.com (SNI and Host)');
    expect(d.text).toContain('Addresses:    203.0.113.10, 203.0.113.11');
    expect(d.text).toMatch(/Why: +The origin certificate must include the name/);
    expect(d.text).toMatch(/Fix: +Add the name to the certificate/);
    expect(d.text).toContain('openssl s_client -connect 203.0.113.10:443 -servername www.example.com');
    expect(d.text.replace(/\s+/g, ' ')).toContain('GET/HEAD/OPTIONS fail over to api-backup (ok)');
  });

  it('has the sections in order of urgency and a footer with counts and how to suppress', () => {
    const order = ['NEW: CLOUDFRONT LIKELY ANSWERS 502', 'CERTIFICATES EXPIRING', 'STILL FAILING (reminder every 24 h)', 'RESOLVED', '--'];
    const positions = order.map((h) => d.text.indexOf(`\n${h}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(d.text).toContain('Certificate expires in 6 days');
    expect(d.text).toMatch(/Chain sent in the wrong order \[CERT_CHAIN_ORDER\] on E2EXAMPLE \/ shop/);
    expect(d.text).toContain('Scan: 3 origins: 1 ok, 0 warning, 2 critical, 0 skipped');
    expect(d.text).toContain('Suppressed: 1 finding (still in the logs and metrics).');
    expect(d.text).toContain('Waiting for confirmation: 1 reachability finding');
    expect(d.text).toContain("npx cdk deploy -c suppressions='[{\"distributionId\":\"E2EXAMPLE\"");
    expect(d.text).not.toContain('SUPPRESSIONS'); // the documented setting, not the function's variable
    expect(d.text).toContain('CloudWatch logs of prod-origin-monitor');
  });

  it('suggests a suppression that the settings schema accepts as printed', () => {
    const m = /-c suppressions='(\[.*\])'/.exec(d.text);
    expect(m).not.toBeNull();
    expect(parseSetting('suppressions', m![1])).toEqual([expect.objectContaining({ distributionId: 'E2EXAMPLE', reason: 'ticket OPS-123' })]);
  });

  it('keeps prose lines short (commands and JSON excepted: they are pasted)', () => {
    const long = d.text.split('\n').filter((l) => l.length > 80 && !/openssl|host |nc -vz|\[\{"|https:\/\//.test(l));
    expect(long).toEqual([]);
  });

  it("counts origins not checked as the monitor's fault and names the log line that says why (resolver or probe)", () => {
    const r = report([
      origin({ findings: [finding('CERT_EXPIRED')] }),
      origin({ originId: 'b', status: 'unchecked', uncheckedReason: 'could not be probed: boom' }),
    ]);
    const items = decide(emptyState(), observe(r), { ...POLICY, suppressions: [] }, T0).news;
    const text = buildDigest({ items, report: r, now: T0, policy: POLICY }).text.replace(/\s+/g, ' ');
    expect(text).toContain(`1 not checked (the monitor's fault: its log line "${LOG.ORIGINS_NOT_CHECKED}" says why)`);
    expect(text).not.toContain('resolver failed');
  });

  it('leaks no secret and no raw evidence', () => {
    const secret = 'X-Origin-Verify: s3cr3t-value';
    const r = report([origin({ findings: [finding('CERT_EXPIRED', { evidence: { header: secret, subject: 'CN=api' } })] })]);
    const items = decide(emptyState(), observe(r), { ...POLICY, suppressions: [] }, T0).news;
    const digest = buildDigest({ items, report: r, now: T0, policy: POLICY });
    expect(digest.envelope).not.toContain('s3cr3t');
    expect(digest.envelope).not.toContain('X-Origin-Verify');
  });
});

describe('envelope', () => {
  it('is the SNS json structure: text for e-mail, JSON for sqs/lambda/https, worst severity', () => {
    const d = buildDigest(input());
    const env = JSON.parse(d.envelope);
    expect(Object.keys(env).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(env.email).toBe(d.text);
    expect(env.default).toBe(d.text);
    const json = JSON.parse(env.sqs);
    expect(env.lambda).toBe(env.sqs);
    expect(env.https).toBe(env.sqs);
    expect(json).toMatchObject({
      type: 'cloudfront-origin-monitor.digest',
      worstSeverity: 'critical',
      scan: { summary: { origins: 3, critical: 2 } },
      counts: { new: 1, expiry: 1, reminder: 1, resolved: 1, suppressed: 1, pending: 1 },
    });
    expect(json.items).toHaveLength(4);
    expect(d.worstSeverity).toBe('critical');
  });

  it('reports info as the worst severity of a digest with only RESOLVED items', () => {
    const { items, report: r, now } = realisticNews();
    const d = buildDigest({ items: items.filter((i) => i.kind === 'resolved'), report: r, now, policy: POLICY });
    expect(d.worstSeverity).toBe('info');
    expect(d.subject).toBe('CloudFront origins: 1 resolved');
    expect(d.text).not.toContain('suppressions'); // nothing left to silence
  });

  it('cuts items to stay within 256 KB and counts what was cut', () => {
    const origins = Array.from({ length: 600 }, (_, i) =>
      origin({
        originId: `origin-${i}`,
        aliases: Array.from({ length: 40 }, (_, j) => `alias-${j}.site-${i}.example.com`),
        findings: [finding('CERT_UNTRUSTED_ROOT', { message: `untrusted root ${'x'.repeat(300)} ${i}` })],
      }),
    );
    const r = report(origins);
    const items = decide(emptyState(), observe(r), { ...POLICY, suppressions: [] }, T0).news;
    expect(items).toHaveLength(600);
    const d = buildDigest({ items, report: r, now: T0, policy: POLICY, functionName: 'prod-origin-monitor' });
    expect(d.envelopeBytes).toBe(Buffer.byteLength(d.envelope));
    expect(d.envelopeBytes).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(d.included).toBeGreaterThan(5);
    expect(d.included + d.omitted).toBe(600);
    expect(d.text).toContain(`... and ${d.omitted} more (${d.omitted} new); see the CloudWatch logs of prod-origin-monitor`);
    const json = JSON.parse(JSON.parse(d.envelope).sqs);
    expect(json.items).toHaveLength(d.included);
    expect(json.omitted).toEqual({ total: d.omitted, new: d.omitted });
    expect(json.counts.new).toBe(600);
    // The subject counts everything, cut or not.
    expect(d.subject).toBe('CloudFront origins: 600 new likely-502');
  });

  it('honours a smaller limit and cuts the least urgent first', () => {
    const full = buildDigest(input());
    const d = buildDigest(input({ maxBytes: full.envelopeBytes - 1 }));
    expect(d.omitted).toBeGreaterThan(0);
    expect(d.envelopeBytes).toBeLessThan(full.envelopeBytes);
    expect(d.json.items[0].kind).toBe('new');
    expect(d.json.omitted?.resolved).toBe(1);
  });
});

describe('request paths in the alert: staging and tenants', () => {
  const staging = { primaryId: 'E1PRIMARY', policyId: 'cdp-1', policyEnabled: true, traffic: { type: 'header' as const, header: 'aws-cf-cd-beta' } };
  const run = (at: Date) =>
    report([
      origin({ distributionId: 'E9STAGE', originId: 'api', paths: { staging }, findings: [finding('CERT_EXPIRED')] }),
      ...['acme', 'globex'].map((name) =>
        origin({
          distributionId: 'ETPL',
          originId: 'shop',
          key: `ETPL/shop@${name}`,
          paths: { tenant: { id: `dt_${name}`, name, domains: [`www.${name}.test`] } },
          findings: [finding('CERT_EXPIRED')],
        }),
      ),
    ], { startedAt: at.toISOString() });

  it('new and reminder items say only staged traffic is affected; one item per tenant, each naming its tenant', () => {
    const first = decide(emptyState(), observe(run(T0)), { ...POLICY, suppressions: [] }, T0);
    expect(first.news.map((i) => i.key).sort()).toEqual(['E9STAGE/api/api.example.com/CERT_EXPIRED', 'ETPL/shop@dt_acme/api.example.com/CERT_EXPIRED', 'ETPL/shop@dt_globex/api.example.com/CERT_EXPIRED']);
    const text = buildDigest({ items: first.news, report: run(T0), now: T0, policy: POLICY }).text;
    expect(text).toContain('Staging:      only staged traffic is affected: the requests to primary');
    expect(text).toContain('Tenant:       distribution tenant acme (dt_acme): domains www.acme.test');
    expect(text).toMatch(/Tenant: {7}distribution tenant globex \(dt_globex\): domains\s+www\.globex\.test/);
    expect(text).not.toContain('secret');

    const later = after(25);
    const second = decide(first.nextState, observe(run(later)), { ...POLICY, suppressions: [] }, later);
    expect(second.news.map((i) => i.kind)).toEqual(['reminder', 'reminder', 'reminder']);
    const reminder = buildDigest({ items: second.news, report: run(later), now: later, policy: POLICY }).text;
    expect(reminder).toMatch(/STILL FAILING[\s\S]*Staging: +only staged traffic is affected/);
    expect(reminder).toMatch(/STILL FAILING[\s\S]*Tenant: +distribution tenant globex/);
  });
});
