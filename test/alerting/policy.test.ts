import type { Suppression } from '../../lambda/contract';
import { identityKey } from '../../lambda/alerting/identity';
import {
  decide,
  emptyState,
  observe,
  suppressionEnd,
  type AlertState,
  type Decision,
  type PolicyConfig,
} from '../../lambda/alerting/policy';
import type { Finding, OriginReport, ScanReport } from '../../lambda/model';
import { after, at, expiring, finding, notReached, origin, report, T0 } from './helpers';

const CONFIG: PolicyConfig = { confirmRuns: 2, reminderHours: 24, suppressions: [] };

/** Runs the policy over a sequence of scans, one per hour by default, carrying the state along. */
class Runs {
  state: AlertState = emptyState();
  last!: Decision;
  constructor(private config: PolicyConfig = CONFIG) {}
  run(r: ScanReport | OriginReport[] | Finding[], now: Date, config: Partial<PolicyConfig> = {}): Decision {
    const scan = Array.isArray(r)
      ? r.length > 0 && 'key' in r[0]
        ? report(r as OriginReport[])
        : report([origin({ findings: r as Finding[] })])
      : r;
    const before = JSON.stringify(this.state);
    this.last = decide(this.state, observe(scan), { ...this.config, ...config }, now);
    expect(JSON.stringify(this.state)).toBe(before); // pure: the previous state is not touched
    this.state = this.last.nextState;
    return this.last;
  }
}
const kinds = (d: Decision) => d.news.map((n) => `${n.kind}:${n.code}`);

describe('identity', () => {
  it('is (distribution, origin, SNI name, code), readable and unambiguous', () => {
    expect(identityKey({ distributionId: 'E1', originId: 'o1', originKey: 'E1/o1', sniName: 'a.example.com', code: 'CERT_EXPIRED' })).toBe(
      'E1/o1/a.example.com/CERT_EXPIRED',
    );
    expect(identityKey({ distributionId: 'E1', originId: 'a/b', originKey: 'x', code: 'C' })).not.toBe(
      identityKey({ distributionId: 'E1', originId: 'a', originKey: 'x', sniName: 'b', code: 'C' }),
    );
    expect(identityKey({ originKey: 'origin.example.com', code: 'DNS_UNRESOLVABLE' })).toBe('-/origin.example.com/-/DNS_UNRESOLVABLE');
  });
});

describe('new findings', () => {
  it('alerts a new critical finding once, then stays quiet while it is ongoing', () => {
    const r = new Runs();
    expect(kinds(r.run([finding('CERT_EXPIRED')], T0))).toEqual(['new:CERT_EXPIRED']);
    expect(kinds(r.run([finding('CERT_EXPIRED')], after(1)))).toEqual([]);
    expect(kinds(r.run([finding('CERT_EXPIRED')], after(2)))).toEqual([]);
  });

  it('alerts a new warning once and never reminds it', () => {
    const r = new Runs();
    expect(kinds(r.run([finding('TLS_LEGACY_ONLY')], T0))).toEqual(['new:TLS_LEGACY_ONLY']);
    for (const h of [1, 25, 49, 24 * 10]) expect(kinds(r.run([finding('TLS_LEGACY_ONLY')], after(h)))).toEqual([]);
  });

  it('never e-mails nor tracks info findings', () => {
    const r = new Runs();
    expect(r.run([finding('TLS13_ONLY'), finding('HOST_FORWARDING_UNKNOWN')], T0).news).toEqual([]);
    expect(r.state.findings).toEqual({});
  });

  it('carries what the person on call needs: origin context, paths, why, fix, reproduce', () => {
    const [item] = new Runs().run([finding('CERT_EXPIRED', { behaviors: ['/api/*'] })], T0).news;
    expect(item).toMatchObject({
      kind: 'new',
      severity: 'critical',
      distributionId: 'E2EXAMPLE',
      originId: 'api-origin',
      domainName: 'api.example.com',
      aliases: ['www.example.com', 'shop.example.com'],
      paths: ['/api/*'],
      addresses: ['203.0.113.10'],
      firstSeen: T0.toISOString(),
    });
    expect(item.why).toMatch(/502/);
    expect(item.fix).toMatch(/Renew/);
    expect(item.reproduce).toMatch(/openssl s_client/);
  });

  it('falls back to the paths of the SNI name when the finding does not name behaviors', () => {
    const [item] = new Runs().run([finding('CERT_SELF_SIGNED', { behaviors: undefined })], T0).news;
    expect(item.paths).toEqual(['/api/*', '/checkout/*']);
  });
});

describe('identity across runs: addresses are evidence', () => {
  it('does not raise a new finding when the load balancer changes addresses', () => {
    const r = new Runs();
    r.run([finding('CERT_CHAIN_INCOMPLETE', { address: '203.0.113.10' })], T0);
    expect(kinds(r.run([finding('CERT_CHAIN_INCOMPLETE', { address: '198.51.100.7' })], after(1)))).toEqual([]);
    expect(kinds(r.run([finding('CERT_CHAIN_INCOMPLETE', { address: '2001:db8::1' })], after(2)))).toEqual([]);
  });

  it('makes one item of several findings with the same identity, with every address and port', () => {
    const d = new Runs().run(
      [
        finding('CERT_CHAIN_ORDER', { address: '203.0.113.10' }),
        finding('CERT_CHAIN_ORDER', { address: '203.0.113.11' }),
        finding('CERT_CHAIN_ORDER', { address: '2001:db8::1', port: 8443 }),
      ],
      T0,
    );
    expect(d.news).toHaveLength(1);
    expect(d.news[0].addresses).toEqual(['203.0.113.10', '203.0.113.11', '2001:db8::1']);
    expect(d.news[0].ports).toEqual([443, 8443]);
  });

  it('keeps distinct SNI names, codes and origins apart', () => {
    const d = new Runs().run(
      [
        origin({ findings: [finding('CERT_NAME_MISMATCH', { sniName: 'www.example.com' }), finding('CERT_NAME_MISMATCH', { sniName: 'shop.example.com' })] }),
        origin({ originId: 'static-origin', findings: [finding('CERT_NAME_MISMATCH', { sniName: 'www.example.com' })] }),
      ],
      T0,
    );
    expect(d.news.map((n) => n.key).sort()).toEqual([
      'E2EXAMPLE/api-origin/shop.example.com/CERT_NAME_MISMATCH',
      'E2EXAMPLE/api-origin/www.example.com/CERT_NAME_MISMATCH',
      'E2EXAMPLE/static-origin/www.example.com/CERT_NAME_MISMATCH',
    ]);
  });
});

describe('reachability findings wait for confirmRuns consecutive runs', () => {
  const refused = () => [finding('PORT_REFUSED', { sniName: undefined })];

  it('alerts on the second consecutive run by default', () => {
    const r = new Runs();
    const first = r.run(refused(), T0);
    expect(first.news).toEqual([]);
    expect(first.pending).toHaveLength(1);
    expect(kinds(r.run(refused(), after(1)))).toEqual(['new:PORT_REFUSED']);
    expect(r.last.news[0].firstSeen).toBe(T0.toISOString());
    expect(kinds(r.run(refused(), after(2)))).toEqual([]);
  });

  it('honours confirmRuns = 3 and confirmRuns = 1', () => {
    const r3 = new Runs({ ...CONFIG, confirmRuns: 3 });
    expect(kinds(r3.run(refused(), T0))).toEqual([]);
    expect(kinds(r3.run(refused(), after(1)))).toEqual([]);
    expect(kinds(r3.run(refused(), after(2)))).toEqual(['new:PORT_REFUSED']);
    const r1 = new Runs({ ...CONFIG, confirmRuns: 1 });
    expect(kinds(r1.run(refused(), T0))).toEqual(['new:PORT_REFUSED']);
  });

  it('never alerts a flapping reachability finding (the streak starts over), nor resolves it', () => {
    const r = new Runs();
    for (let h = 0; h < 8; h++) {
      const d = r.run(h % 2 === 0 ? refused() : [], after(h));
      expect(d.news).toEqual([]);
    }
  });

  it('does not make non-reachability findings wait', () => {
    expect(kinds(new Runs().run([finding('CERT_UNTRUSTED_ROOT')], T0))).toEqual(['new:CERT_UNTRUSTED_ROOT']);
  });
});

describe('reminders for ongoing critical findings', () => {
  it('reminds every reminderHours, counted from the last alert', () => {
    const r = new Runs();
    const f = () => [finding('CERT_EXPIRED')];
    r.run(f(), T0);
    expect(kinds(r.run(f(), after(23)))).toEqual([]);
    const d = r.run(f(), after(24));
    expect(kinds(d)).toEqual(['reminder:CERT_EXPIRED']);
    expect(d.news[0].lastAlertedAt).toBe(T0.toISOString());
    expect(d.news[0].firstSeen).toBe(T0.toISOString());
    expect(kinds(r.run(f(), after(25)))).toEqual([]);
    expect(kinds(r.run(f(), after(47)))).toEqual([]);
    expect(kinds(r.run(f(), after(48)))).toEqual(['reminder:CERT_EXPIRED']);
  });

  it('tolerates a schedule that fires a few seconds early', () => {
    const r = new Runs();
    r.run([finding('CERT_EXPIRED')], T0);
    const slightlyEarly = new Date(after(24).getTime() - 30_000);
    expect(kinds(r.run([finding('CERT_EXPIRED')], slightlyEarly))).toEqual(['reminder:CERT_EXPIRED']);
  });

  it('honours a custom reminderHours', () => {
    const r = new Runs({ ...CONFIG, reminderHours: 4 });
    r.run([finding('CERT_EXPIRED')], T0);
    expect(kinds(r.run([finding('CERT_EXPIRED')], after(3)))).toEqual([]);
    expect(kinds(r.run([finding('CERT_EXPIRED')], after(4)))).toEqual(['reminder:CERT_EXPIRED']);
  });
});

describe('resolved', () => {
  it('is sent once when an alerted finding disappears, then the identity is forgotten', () => {
    const r = new Runs();
    r.run([finding('CERT_EXPIRED')], T0);
    const d = r.run([], after(1));
    expect(kinds(d)).toEqual(['resolved:CERT_EXPIRED']);
    expect(d.news[0]).toMatchObject({ resolution: 'fixed', firstSeen: T0.toISOString(), domainName: 'api.example.com' });
    expect(d.news[0].message).toMatch(/certificate expired/);
    expect(r.state.findings).toEqual({});
    expect(kinds(r.run([], after(2)))).toEqual([]);
  });

  it('is not sent for a finding nobody was told about (unconfirmed reachability)', () => {
    const r = new Runs();
    r.run([finding('PORT_TIMEOUT')], T0);
    expect(kinds(r.run([], after(1)))).toEqual([]);
    expect(r.state.findings).toEqual({});
  });

  it('says when the origin itself is gone from the scan', () => {
    const r = new Runs();
    r.run([origin({ findings: [finding('CERT_EXPIRED')] }), origin({ originId: 'other' })], T0);
    const d = r.run([origin({ originId: 'other' })], after(1));
    expect(d.news).toHaveLength(1);
    expect(d.news[0].resolution).toBe('origin-gone');
  });

  it('flapping alerted finding: new, resolved, new again (each once)', () => {
    const r = new Runs();
    expect(kinds(r.run([finding('CERT_CHAIN_INCOMPLETE')], T0))).toEqual(['new:CERT_CHAIN_INCOMPLETE']);
    expect(kinds(r.run([], after(1)))).toEqual(['resolved:CERT_CHAIN_INCOMPLETE']);
    expect(kinds(r.run([finding('CERT_CHAIN_INCOMPLETE')], after(2)))).toEqual(['new:CERT_CHAIN_INCOMPLETE']);
    expect(r.last.news[0].firstSeen).toBe(after(2).toISOString());
    expect(kinds(r.run([finding('CERT_CHAIN_INCOMPLETE')], after(3)))).toEqual([]);
  });

  it('a confirmed reachability finding resolves, and must be confirmed again if it comes back', () => {
    const r = new Runs();
    r.run([finding('DNS_UNRESOLVABLE', { sniName: undefined, address: undefined, port: undefined })], T0);
    expect(kinds(r.run([finding('DNS_UNRESOLVABLE', { sniName: undefined, address: undefined, port: undefined })], after(1)))).toEqual([
      'new:DNS_UNRESOLVABLE',
    ]);
    expect(kinds(r.run([], after(2)))).toEqual(['resolved:DNS_UNRESOLVABLE']);
    expect(kinds(r.run([finding('DNS_UNRESOLVABLE', { sniName: undefined, address: undefined, port: undefined })], after(3)))).toEqual([]);
  });
});

describe('origins not observed keep their state', () => {
  function alerted(): Runs {
    const r = new Runs();
    r.run([origin({ findings: [finding('CERT_EXPIRED')] }), origin({ originId: 'b', findings: [finding('PORT_REFUSED', { sniName: undefined })] })], T0);
    return r;
  }

  it('does not resolve the findings of an origin not reached before the deadline', () => {
    const r = alerted();
    const before = JSON.stringify(r.state);
    const scan = report([notReached(), notReached({ originId: 'b' })], {
      incomplete: { reason: 'the scan deadline was reached', notScanned: ['E2EXAMPLE/api-origin', 'E2EXAMPLE/b'] },
    });
    expect(r.run(scan, after(1)).news).toEqual([]);
    expect(JSON.stringify(r.state)).toBe(before);
  });

  it('does not resolve the findings of an origin absent from an incomplete report', () => {
    const r = alerted();
    const scan = report([], { incomplete: { reason: 'the scan did not return before the Lambda deadline', notScanned: [] } });
    expect(r.run(scan, after(1)).news).toEqual([]);
    expect(Object.keys(r.state.findings)).toHaveLength(2);
  });

  it('does not resolve the findings of a skipped or partly probed origin', () => {
    const r = alerted();
    const skipped = origin({ status: 'skipped', skippedReason: 'distribution disabled' });
    const partial = origin({
      originId: 'b',
      facts: {
        dns: { name: 'api.example.com', status: 'ok', addresses: [], durationMs: 1 },
        endpoints: [],
        notProbed: [{ what: '203.0.113.10:443', reason: 'deadline' }],
      },
    });
    expect(r.run([skipped, partial], after(1)).news).toEqual([]);
    expect(Object.keys(r.state.findings)).toHaveLength(2);
  });

  it('does not resolve the findings of an origin not checked because the resolver failed', () => {
    const r = alerted();
    const unchecked = origin({ status: 'unchecked', uncheckedReason: 'resolver failed: ETIMEOUT after 4 tries' });
    const other = origin({ originId: 'b', status: 'unchecked', uncheckedReason: 'resolver failed: ESERVFAIL after 4 tries' });
    expect(r.run([unchecked, other], after(1)).news).toEqual([]);
    expect(Object.keys(r.state.findings)).toHaveLength(2);
  });

  it('keeps a pending reachability streak across an unreached run', () => {
    const r = new Runs();
    r.run([finding('PORT_TIMEOUT')], T0);
    r.run(report([notReached()], { incomplete: { reason: 'deadline', notScanned: ['E2EXAMPLE/api-origin'] } }), after(1));
    expect(kinds(r.run([finding('PORT_TIMEOUT')], after(2)))).toEqual(['new:PORT_TIMEOUT']);
  });
});

describe('certificate expiry thresholds', () => {
  it('goes out once per threshold 30, 14, 7, 3, 1', () => {
    const r = new Runs();
    const sent: string[] = [];
    for (let days = 29; days >= 1; days--) {
      const d = r.run([expiring(days)], after(24 * (29 - days)));
      for (const n of d.news) sent.push(`${n.kind}:${n.expiry?.daysLeft}:${n.expiry?.threshold}`);
    }
    expect(sent).toEqual(['expiry:29:30', 'expiry:14:14', 'expiry:7:7', 'expiry:3:3', 'expiry:1:1']);
  });

  it('sends the stage reached when first seen late, and skips stages passed between runs', () => {
    const r = new Runs();
    expect(r.run([expiring(10)], T0).news.map((n) => n.expiry?.threshold)).toEqual([14]);
    expect(r.run([expiring(2)], after(24 * 8)).news.map((n) => n.expiry?.threshold)).toEqual([3]);
    expect(r.run([expiring(2)], after(24 * 8 + 1)).news).toEqual([]);
  });

  it('starts over when the certificate changes (fingerprint)', () => {
    const r = new Runs();
    r.run([expiring(6, 'OLD')], T0);
    expect(r.run([expiring(5, 'OLD')], after(24)).news).toEqual([]);
    // Renewed with a short-lived certificate: a new notice for it.
    const d = r.run([expiring(20, 'NEW')], after(48));
    expect(d.news.map((n) => `${n.kind}:${n.expiry?.threshold}:${n.expiry?.fingerprint256}`)).toEqual(['expiry:30:NEW']);
    expect(r.run([expiring(19, 'NEW')], after(72)).news).toEqual([]);
    expect(r.run([expiring(14, 'NEW')], after(96)).news.map((n) => n.expiry?.threshold)).toEqual([14]);
  });

  it('sends an early notice when the warning window is wider than the first threshold, then the thresholds', () => {
    const r = new Runs();
    const d = r.run([expiring(40)], T0);
    expect(d.news).toHaveLength(1);
    expect(d.news[0].expiry?.threshold).toBeUndefined();
    expect(r.run([expiring(35)], after(24 * 5)).news).toEqual([]);
    expect(r.run([expiring(30)], after(24 * 10)).news.map((n) => n.expiry?.threshold)).toEqual([30]);
  });

  it('is RESOLVED when the certificate is renewed, but not when it expired (CERT_EXPIRED says it)', () => {
    const renewed = new Runs();
    renewed.run([expiring(5)], T0);
    expect(kinds(renewed.run([], after(24)))).toEqual(['resolved:CERT_EXPIRING_SOON']);

    const lapsed = new Runs();
    lapsed.run([expiring(1)], T0);
    expect(kinds(lapsed.run([finding('CERT_EXPIRED')], after(24)))).toEqual(['new:CERT_EXPIRED']);
  });

  it('uses the soonest expiry when several addresses serve different certificates', () => {
    const d = new Runs().run([expiring(20, 'A', { address: '203.0.113.10' }), expiring(6, 'B', { address: '203.0.113.11' })], T0);
    expect(d.news).toHaveLength(1);
    expect(d.news[0].expiry).toMatchObject({ daysLeft: 6, threshold: 7, fingerprint256: 'B' });
    expect(d.news[0].addresses).toEqual(['203.0.113.10', '203.0.113.11']);
  });

  it('does not remind expiry warnings', () => {
    const r = new Runs();
    r.run([expiring(20)], T0);
    expect(r.run([expiring(19)], after(25)).news).toEqual([]);
  });
});

describe('suppressions', () => {
  const sup = (over: Partial<Suppression> = {}): Suppression => ({
    distributionId: 'E2EXAMPLE',
    until: '2025-06-08',
    reason: 'OPS-123 migrating the API',
    ...over,
  });

  it('keeps a finding out of the news while active, but tracks it', () => {
    const r = new Runs({ ...CONFIG, suppressions: [sup()] });
    const d = r.run([finding('CERT_EXPIRED')], T0);
    expect(d.news).toEqual([]);
    expect(d.suppressed).toEqual([{ key: 'E2EXAMPLE/api-origin/api.example.com/CERT_EXPIRED', reason: 'OPS-123 migrating the API', until: '2025-06-08' }]);
    expect(Object.keys(r.state.findings)).toHaveLength(1);
    expect(r.run([finding('CERT_EXPIRED')], after(48)).news).toEqual([]);
  });

  it('stops applying once expired: the finding is news then (a bare date lasts through that day, UTC)', () => {
    const r = new Runs({ ...CONFIG, suppressions: [sup({ until: '2025-06-01' })] });
    expect(r.run([finding('CERT_EXPIRED')], at('2025-06-01T23:59:00Z')).news).toEqual([]);
    expect(kinds(r.run([finding('CERT_EXPIRED')], at('2025-06-02T00:00:00Z')))).toEqual(['new:CERT_EXPIRED']);
    expect(r.last.news[0].firstSeen).toBe('2025-06-01T23:59:00.000Z');
  });

  it('an alerted finding suppressed then unsuppressed gets a reminder, not a second "new"', () => {
    const r = new Runs();
    r.run([finding('CERT_EXPIRED')], T0);
    r.run([finding('CERT_EXPIRED')], after(30), { suppressions: [sup({ until: '2025-06-05T00:00:00Z' })] });
    expect(kinds(r.run([finding('CERT_EXPIRED')], at('2025-06-05T01:00:00Z')))).toEqual(['reminder:CERT_EXPIRED']);
  });

  it('matches on distribution, then optional origin and code', () => {
    const f = () => [
      origin({ findings: [finding('CERT_EXPIRED'), finding('TLS_LEGACY_ONLY')] }),
      origin({ originId: 'other', findings: [finding('CERT_EXPIRED')] }),
      origin({ distributionId: 'E9OTHER', findings: [finding('CERT_EXPIRED')] }),
    ];
    const byCode = new Runs({ ...CONFIG, suppressions: [sup({ originId: 'api-origin', code: 'CERT_EXPIRED' })] }).run(f(), T0);
    expect(byCode.news.map((n) => n.key).sort()).toEqual([
      'E2EXAMPLE/api-origin/api.example.com/TLS_LEGACY_ONLY',
      'E2EXAMPLE/other/api.example.com/CERT_EXPIRED',
      'E9OTHER/api-origin/api.example.com/CERT_EXPIRED',
    ]);
    const byDistribution = new Runs({ ...CONFIG, suppressions: [sup()] }).run(f(), T0);
    expect(byDistribution.news.map((n) => n.key)).toEqual(['E9OTHER/api-origin/api.example.com/CERT_EXPIRED']);
  });

  it('mutes the RESOLVED of a suppressed finding too', () => {
    const r = new Runs();
    r.run([finding('CERT_EXPIRED')], T0);
    expect(r.run([], after(1), { suppressions: [sup()] }).news).toEqual([]);
  });

  it('ignores an unparseable until (validated at configuration time)', () => {
    expect(Number.isNaN(suppressionEnd('next week'))).toBe(true);
    const d = new Runs({ ...CONFIG, suppressions: [sup({ until: 'next week' })] }).run([finding('CERT_EXPIRED')], T0);
    expect(d.news).toHaveLength(1);
  });
});

describe('news order', () => {
  it('puts new critical first, then expiry, new warnings, reminders, resolved', () => {
    const r = new Runs();
    r.run([origin({ originId: 'old', findings: [finding('CERT_SELF_SIGNED')] }), origin({ originId: 'fixed', findings: [finding('CERT_CHAIN_ORDER')] })], T0);
    const d = r.run(
      [
        origin({ originId: 'old', findings: [finding('CERT_SELF_SIGNED')] }),
        origin({ findings: [finding('TLS_LEGACY_ONLY'), expiring(5), finding('CERT_NAME_MISMATCH')] }),
      ],
      after(24),
    );
    expect(kinds(d)).toEqual([
      'new:CERT_NAME_MISMATCH',
      'expiry:CERT_EXPIRING_SOON',
      'new:TLS_LEGACY_ONLY',
      'reminder:CERT_SELF_SIGNED',
      'resolved:CERT_CHAIN_ORDER',
    ]);
  });
});
