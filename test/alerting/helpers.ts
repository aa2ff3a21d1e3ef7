/** Crafted findings, origin reports and scan reports for the alerting and handler tests. */
import { findingDefinition, type FindingCode } from '../../lambda/diagnosis/findings';
import type { Finding, OriginReport, ScanReport } from '../../lambda/model';
import { NOT_REACHED_REASON, summarize } from '../../lambda/pipeline';

export function finding(code: FindingCode, over: Partial<Finding> = {}): Finding {
  const def = findingDefinition(code);
  const domainName = 'api.example.com';
  return {
    code,
    severity: def.severity,
    message: `${def.title} on ${over.sniName ?? domainName}`,
    sniName: domainName,
    address: '203.0.113.10',
    port: 443,
    evidence: {},
    why: def.why,
    fix: def.fix,
    reproduce: def.reproduce({ domainName, address: over.address ?? '203.0.113.10', port: over.port ?? 443, sniName: over.sniName ?? domainName }),
    ...over,
  };
}

export function expiring(daysLeft: number, fingerprint256 = 'AA:BB', over: Partial<Finding> = {}): Finding {
  return finding('CERT_EXPIRING_SOON', {
    message: `the certificate for api.example.com expires in ${daysLeft} days`,
    evidence: { daysLeft, fingerprint256, notAfter: '2030-01-01T00:00:00.000Z' },
    ...over,
  });
}

export function origin(over: Partial<OriginReport> = {}): OriginReport {
  const findings = over.findings ?? [];
  const status =
    over.status ??
    (findings.some((f) => f.severity === 'critical') ? 'critical' : findings.some((f) => f.severity === 'warning') ? 'warning' : 'ok');
  const distributionId = over.distributionId ?? 'E2EXAMPLE';
  const originId = over.originId ?? 'api-origin';
  return {
    key: `${distributionId}/${originId}`,
    distributionId,
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    aliases: ['www.example.com', 'shop.example.com'],
    originId,
    domainName: 'api.example.com',
    ports: [{ port: 443, tls: true }],
    sniNames: [{ name: 'api.example.com', source: 'origin-domain', behaviors: ['/api/*', '/checkout/*'] }],
    allowedVersions: ['TLSv1.2'],
    durationMs: 120,
    ...over,
    status,
    findings,
  };
}

export function report(origins: OriginReport[], over: Partial<ScanReport> = {}): ScanReport {
  const summary = summarize(origins, new Set(over.incomplete?.notScanned ?? []));
  return {
    schemaVersion: 1,
    tool: { name: 'cloudfront-origin-monitor', version: '0.1.0', runtime: 'node test' },
    profile: 'cloudfront-2025',
    startedAt: '2025-06-01T10:00:00.000Z',
    durationMs: 4200,
    origins,
    summary,
    ...over,
  };
}

/** An origin the scan did not reach before the deadline, as the pipeline reports it. */
export function notReached(o: Partial<OriginReport> = {}): OriginReport {
  return origin({ ...o, status: 'skipped', skippedReason: NOT_REACHED_REASON, findings: [] });
}

export const hours = (h: number) => h * 3600 * 1000;
export const at = (iso: string) => new Date(iso);
export const T0 = at('2025-06-01T10:00:00.000Z');
export const after = (h: number, from: Date = T0) => new Date(from.getTime() + hours(h));
