/**
 * The report written as origins finish (lambda/report/spill.ts) is byte for byte the report rendered whole, in JSON
 * and as the table, with origin groups whose failover is only known at the end, and the scan keeps only slim records.
 */
import type { Finding, OriginReport, ScanReport } from '../../lambda/model';
import { assembleReport } from '../../lambda/pipeline';
import { renderJson } from '../../lambda/report/json';
import { ReportSpill } from '../../lambda/report/spill';
import { renderTable } from '../../lambda/report/table';
import { existsSync } from 'node:fs';

const finding: Finding = {
  code: 'CERT_EXPIRED',
  severity: 'critical',
  message: 'the certificate of o1 expired',
  why: 'CloudFront rejects it',
  fix: 'renew it',
  address: '192.0.2.1',
  port: 443,
} as Finding;

function origins(): OriginReport[] {
  const base = (i: number, status: OriginReport['status'], extra: Partial<OriginReport> = {}): OriginReport => ({
    key: `E1/o${i}`,
    distributionId: 'E1',
    originId: `o${i}`,
    domainName: `o${i}.example.com`,
    status,
    ports: [{ port: 443, tls: true, behaviors: ['*'] }],
    sniNames: [{ name: `o${i}.example.com "ü"\n`, source: 'origin-domain', behaviors: ['*'] }],
    allowedVersions: ['TLSv1.2'],
    findings: [],
    durationMs: i,
    facts: {
      dns: { name: `o${i}.example.com`, status: 'ok', addresses: [{ address: '192.0.2.1', family: 4 }], durationMs: 1 },
      endpoints: [{ address: '192.0.2.1', family: 4, port: 443, tls: true, tcp: { address: '192.0.2.1', port: 443, status: 'open', durationMs: 1 }, der: Buffer.from([i, 2, 3]) }],
    } as unknown as OriginReport['facts'],
    ...extra,
  });
  return [
    base(0, 'ok'),
    base(1, 'critical', { findings: [finding] }),
    base(2, 'skipped', { skippedReason: 'an S3 origin', facts: undefined }),
    base(3, 'critical', { findings: [finding], originGroups: [{ groupId: 'g', role: 'primary', partnerOriginId: 'o4' }] }),
    base(4, 'ok', { originGroups: [{ groupId: 'g', role: 'secondary', partnerOriginId: 'o3' }] }),
    base(5, 'unchecked', { uncheckedReason: 'resolver failed', facts: undefined }),
  ];
}

const assemble = (list: OriginReport[]): ScanReport =>
  assembleReport({ profile: 'p', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, origins: list, notReached: { keys: [], reason: 'r' } });

describe('the report written as origins finish', () => {
  it.each([
    ['json', { format: 'json' } as const, (r: ScanReport) => renderJson(r)],
    ['table', { format: 'table', options: { color: false } } as const, (r: ScanReport) => renderTable(r, { color: false })],
    ['table in colour', { format: 'table', options: { color: true } } as const, (r: ScanReport) => renderTable(r, { color: true })],
  ])('%s: the same bytes as the whole report; only slim records kept', (_name, how, whole) => {
    const spill = new ReportSpill(how);
    // Finished out of order, as a scan finishes them.
    const finished = origins();
    const kept: OriginReport[] = [];
    for (const i of [1, 0, 3, 5, 2, 4]) kept[i] = spill.keep(finished[i], i);
    const spilled = [...spill.chunks(assemble(kept))].join('');
    spill.close();
    expect(spilled).toBe(whole(assemble(origins())));
    // The primary's failover, known only once its partner finished, is in it.
    expect(spilled).toContain(how.format === 'json' ? '"failsOver": true' : 'fails over to o4 (ok)');
    // The origin groups are kept whole (failover is known at the end); the others without their facts.
    expect(kept.map((o) => o.facts !== undefined)).toEqual([false, false, false, true, true, false]);
    expect(kept[1].findings).toEqual([finding]);
    expect(assemble(kept).summary).toEqual(assemble(origins()).summary);
  });

  it('removes its temporary file when closed', () => {
    const spill = new ReportSpill({ format: 'json' });
    const dir = (spill as unknown as { dir?: string }).dir;
    expect(dir && existsSync(dir)).toBe(true);
    spill.close();
    spill.close();
    expect(existsSync(dir as string)).toBe(false);
  });
});

describe('coalesce', () => {
  it('joins pieces into writes of at least the size asked, the same text in all', async () => {
    const { coalesce } = await import('../../lambda/report/output');
    const pieces = Array.from({ length: 1000 }, (_, i) => `piece ${i} ü\n`);
    const out = [...coalesce(pieces, 1000)];
    expect(out.join('')).toBe(pieces.join(''));
    expect(out.slice(0, -1).every((c) => c.length >= 1000)).toBe(true);
    expect(out.length).toBeLessThan(20);
    expect([...coalesce([], 10)]).toEqual([]);
  });
});
