/**
 * The organization digest's summarising: within SNS's limits whatever the amount of news, items in full first, then
 * in brief, then counted per account; nothing dropped without being counted. No timing here (bench:org measures).
 */
import { decide, observe, type DigestItem } from '../../lambda/alerting/policy';
import { SNS_MAX_BYTES, SUBJECT_MAX } from '../../lambda/alerting/digest';
import type { ItemResult, ScanItem } from '../../lambda/organization/model';
import { KEYS } from '../../lambda/organization/model';
import { buildOrgDigest, type OrgDigestInput } from '../../lambda/organization/org-digest';
import { assembleReport } from '../../lambda/pipeline';
import { accountIdOf, simulateOrganization } from '../support/org-simulation';

const NOW = new Date('2026-01-01T01:00:00Z');

async function news(accounts: number, distributions: number, failing: (a: number, d: number, o: number) => boolean): Promise<{ items: DigestItem[]; input: Omit<OrgDigestInput, 'items'> }> {
  const sim = simulateOrganization({ accounts, distributionsPerAccount: distributions, originsPerDistribution: 2, failing, runId: 'r', startedAt: '2026-01-01T00:50:00Z' });
  const items = (await sim.store.getJson<ScanItem[]>(sim.itemsKey))!;
  const origins = [];
  for (const item of items) origins.push(...(await sim.store.getJson<ItemResult>(KEYS.result('r', item)))!.report!.origins);
  const report = assembleReport({ profile: 'cloudfront-2025', startedAt: '2026-01-01T00:50:00Z', durationMs: 60_000, origins, notReached: { keys: [], reason: '' } });
  const decision = decide({ findings: {} }, observe(report), { confirmRuns: 2, reminderHours: 24, suppressions: [] }, NOW);
  return {
    items: decision.news,
    input: {
      accountNews: [],
      notScanned: [],
      accountNames: new Map(items.map((i) => [i.accountId, i.accountName])),
      accounts: { listed: accounts, scanned: accounts },
      summary: report.summary,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      profile: 'cloudfront-2025',
      runId: 'r',
      now: NOW,
      policy: { confirmRuns: 2, reminderHours: 24 },
    },
  };
}

describe('the organization digest summarises when there is too much to list', () => {
  test('a little news: every item in full, grouped by account, nothing summarised', async () => {
    const { items, input } = await news(3, 2, (a, d, o) => a !== 1 && d === 0 && o === 0);
    const d = buildOrgDigest({ ...input, items });
    expect(items).toHaveLength(2);
    expect({ included: d.included, brief: d.brief, omitted: d.omitted }).toEqual({ included: 2, brief: 0, omitted: 0 });
    expect(d.text).toContain(`ACCOUNT ${accountIdOf(0)} (team-0): 1 new likely-502`);
    expect(d.text).toContain(`ACCOUNT ${accountIdOf(2)} (team-2): 1 new likely-502`);
    expect(d.text).not.toContain(`ACCOUNT ${accountIdOf(1)}`);
    expect(d.text).not.toContain('NOT LISTED');
    expect(d.json.omitted).toBeUndefined();
  });

  test('2,000 new likely-502s in 200 accounts: within 256 KB and 100 characters; full, brief, then counted', async () => {
    const { items, input } = await news(200, 5, () => true);
    expect(items).toHaveLength(2000);
    const d = buildOrgDigest({ ...input, items });
    expect(Buffer.byteLength(d.envelope)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(d.envelopeBytes).toBe(Buffer.byteLength(d.envelope));
    expect(d.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(d.subject).toBe('CloudFront origins, 200 accounts: 2000 new likely-502');
    expect(d.included).toBeGreaterThan(0);
    expect(d.brief).toBeGreaterThan(d.included);
    expect(d.omitted).toBeGreaterThan(0);
    expect(d.included + d.brief + d.omitted).toBe(2000);
    // The JSON says the same, and counts what it leaves out per account.
    expect(d.json.items).toHaveLength(d.included);
    expect(d.json.brief).toHaveLength(d.brief);
    expect(d.json.counts.new).toBe(2000);
    expect(d.json.omitted!.total).toBe(d.omitted);
    // Per account, for the first 100 accounts left out; the others are counted.
    const withOmitted = new Set(items.slice(d.included + d.brief).map((i) => i.originKey.slice(0, 12)));
    expect(d.json.omitted!.accounts.length + d.json.omitted!.accountsNotListed).toBe(withOmitted.size);
    expect(d.json.omitted!.accounts.reduce((n, a) => n + a.count, 0)).toBeLessThanOrEqual(d.omitted);
    // The text: the headline counts everything; the rest is counted per account.
    expect(d.text).toMatch(/^2000 new problems make CloudFront answer HTTP 502\./);
    expect(d.text).toContain('MORE, IN BRIEF');
    expect(d.text).toContain(`NOT LISTED (too many to fit in one message)`);
    expect(d.text.replace(/\s+/g, ' ')).toContain(`${d.omitted} more items in`);
    // Every account with news is named: with a block of its own or in the per-account counts.
    const flat = d.text.replace(/\s+/g, ' ');
    // Every account with news is named (a block of its own, or a line of per-account counts) or counted.
    let named = 0;
    for (let a = 0; a < 200; a++) if (flat.includes(`ACCOUNT ${accountIdOf(a)} `) || flat.includes(`- ${accountIdOf(a)} (team-${a}): `)) named++;
    const more = /- and (\d+) more accounts \((\d+) items\)/.exec(flat);
    expect(named + Number(more?.[1] ?? 0)).toBe(200);
  });

  test('a tighter limit lists fewer, never more than fits, and still counts the rest', async () => {
    const { items, input } = await news(20, 5, () => true);
    for (const maxBytes of [200_000, 60_000, 20_000]) {
      const d = buildOrgDigest({ ...input, items, maxBytes });
      expect(d.envelopeBytes).toBeLessThanOrEqual(maxBytes);
      expect(d.included + d.brief + d.omitted).toBe(items.length);
      expect(d.json.counts.new).toBe(items.length);
    }
  });

  test('thousands of accounts not scanned and listed: the lists are capped and the rest counted', () => {
    const accountNews = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'new' as const,
      accountId: accountIdOf(i),
      code: 'ROLE_NOT_ASSUMABLE' as const,
      title: 'member role missing or not assumable',
      message: `arn:aws:iam::${accountIdOf(i)}:role/CloudFrontOriginMonitorMember cannot be assumed (AccessDenied): the member role StackSet has no instance in this account`,
      since: NOW.toISOString(),
    }));
    const d = buildOrgDigest({
      items: [],
      accountNews,
      notScanned: accountNews,
      accountNames: new Map(),
      accounts: { listed: 3000, scanned: 0 },
      summary: { origins: 0, ok: 0, warning: 0, critical: 0, skipped: 0, notReached: 0, unchecked: 0 },
      startedAt: NOW.toISOString(),
      durationMs: 1000,
      profile: 'cloudfront-2025',
      runId: 'r',
      now: NOW,
      policy: { confirmRuns: 2, reminderHours: 24 },
    });
    expect(d.envelopeBytes).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(d.subject).toBe('CloudFront origins, 3000 accounts: 3000 accounts not scanned');
    expect(d.worstSeverity).toBe('warning');
    expect(d.text.replace(/\s+/g, ' ')).toContain("- and 2900 more accounts (each in the reduce step's logs)");
    expect(d.json.accountsNotScanned.total).toBe(3000);
  });
});
