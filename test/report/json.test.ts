import { renderJson, renderJsonChunks } from '../../lambda/report/json';
import type { ScanReport } from '../../lambda/model';

const legacy = (r: ScanReport) =>
  JSON.stringify(r, function (this: unknown, key: string, value: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
  }, 2) + '\n';

function report(origins: number): ScanReport {
  return {
    schemaVersion: 1,
    tool: { name: 'cloudfront-origin-monitor', version: '0', runtime: 'node' },
    profile: 'p',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    origins: Array.from({ length: origins }, (_, i) => ({
      key: `E1/o${i}`,
      domainName: `o${i}.example.com`,
      status: 'ok',
      ports: [],
      sniNames: [{ name: 'a\nb "quoted"', source: 'origin-domain', behaviors: [] }],
      allowedVersions: ['TLSv1.2'],
      findings: [],
      durationMs: i,
      facts: { dns: { name: 'x', addresses: [] }, endpoints: [{ der: Buffer.from([1, 2, 3]), nested: { empty: {}, list: [[], [1]] } }] },
    })) as unknown as ScanReport['origins'],
    summary: { origins, ok: origins, warning: 0, critical: 0, skipped: 0, notReached: 0, unchecked: 0 },
    ...(origins === 1 ? { incomplete: { reason: 'r', notScanned: ['k'] } } : {}),
  };
}

describe('renderJson', () => {
  it.each([0, 1, 3])('writes, one origin per chunk, exactly what JSON.stringify(report, _, 2) writes (%i origins)', (n) => {
    const r = report(n);
    expect(renderJson(r)).toBe(legacy(r));
    expect([...renderJsonChunks(r)]).toHaveLength(n === 0 ? 1 : n + 2);
    expect(JSON.parse(renderJson(r)).origins[0]?.facts.endpoints[0].der).toBe(n ? 'AQID' : undefined);
  });
});
