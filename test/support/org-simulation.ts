/**
 * A simulated organization for the reduce step: N accounts x M distributions x K origins, written to an in-memory
 * run bucket as the workers would (slim ItemResults), with a chosen share of origins failing. Used by
 * `npm run bench:org` (time, memory, digest size) and the summarising unit test.
 */
import { findingDefinition } from '../../lambda/diagnosis/findings';
import type { Finding, OriginReport } from '../../lambda/model';
import { KEYS, accountKey, type ItemResult, type ScanItem } from '../../lambda/organization/model';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { assembleReport } from '../../lambda/pipeline';

export interface SimulationOptions {
  accounts: number;
  distributionsPerAccount: number;
  originsPerDistribution: number;
  /** Which origins fail (critical CERT_NAME_MISMATCH): a function of (account index, distribution index, origin index). */
  failing: (a: number, d: number, o: number) => boolean;
  /** Accounts (by index) whose member role is missing. */
  unreadable?: (a: number) => boolean;
  runId: string;
  startedAt: string;
  /** When the TLS 1.3 origins were last asked without TLS 1.3 (the item's times: every origin's); none: no times. */
  tls13CheckedAt?: string;
}

export const accountIdOf = (a: number) => String(100000000000 + a);
export const distributionIdOf = (a: number, d: number) => `E${String(a).padStart(4, '0')}${String(d).padStart(4, '0')}SIMXX`;

function mismatch(host: string): Finding {
  const def = findingDefinition('CERT_NAME_MISMATCH');
  return {
    code: 'CERT_NAME_MISMATCH',
    severity: def.severity,
    message: `the certificate of legacy.example.net does not cover ${host} (it covers legacy.example.net, www.legacy.example.net); add ${host} to its subject alternative names`,
    sniName: host,
    address: '203.0.113.10',
    addresses: ['203.0.113.10', '203.0.113.11'],
    port: 443,
    behaviors: ['/api/*', '/checkout/*'],
    evidence: { subject: 'CN=legacy.example.net', sans: ['legacy.example.net', 'www.legacy.example.net'] },
    why: def.why,
    fix: def.fix,
    reproduce: def.reproduce({ domainName: host, address: '203.0.113.10', port: 443, sniName: host }),
  };
}

export function simulateOrganization(opts: SimulationOptions): { store: MemoryRunStore; itemsKey: string; items: ScanItem[]; origins: number; failing: number } {
  const store = new MemoryRunStore();
  const items: ScanItem[] = [];
  let origins = 0;
  let failing = 0;
  for (let a = 0; a < opts.accounts; a++) {
    const accountId = accountIdOf(a);
    const item: ScanItem = { accountId, accountName: `team-${a}`, chunk: 0, chunks: 1 };
    items.push(item);
    if (opts.unreadable?.(a)) {
      const result: ItemResult = { schemaVersion: 1, item, problem: { code: 'ROLE_NOT_ASSUMABLE', message: `arn:aws:iam::${accountId}:role/CloudFrontOriginMonitorMember cannot be assumed (AccessDenied)` } };
      void store.putJson(KEYS.result(opts.runId, item), result);
      continue;
    }
    const reports: OriginReport[] = [];
    for (let d = 0; d < opts.distributionsPerAccount; d++) {
      const distributionId = distributionIdOf(a, d);
      for (let o = 0; o < opts.originsPerDistribution; o++) {
        const originId = `origin-${o}`;
        const host = `api-${o}.team-${a}-app-${d}.example.com`;
        const bad = opts.failing(a, d, o);
        const findings = bad ? [mismatch(host)] : [];
        origins++;
        if (bad) failing++;
        reports.push({
          key: accountKey(accountId, `${distributionId}/${originId}`),
          distributionId,
          distributionDomainName: `d${a}x${d}.cloudfront.net`,
          aliases: [`www.team-${a}-app-${d}.example.com`, `shop.team-${a}-app-${d}.example.com`],
          originId,
          domainName: host,
          status: bad ? 'critical' : 'ok',
          ports: [{ port: 443, tls: true }],
          sniNames: [{ name: host, source: 'origin-domain', behaviors: ['/api/*', '/checkout/*'] }],
          allowedVersions: ['TLSv1.2'],
          findings,
          durationMs: 80,
        });
      }
    }
    const report = assembleReport({ profile: 'cloudfront-2025', startedAt: opts.startedAt, durationMs: 30_000, origins: reports, notReached: { keys: [], reason: '' } });
    const result: ItemResult = {
      schemaVersion: 1,
      item,
      accountTargets: reports.length,
      report,
      ...(opts.tls13CheckedAt ? { tls13Checks: Object.fromEntries(reports.map((r) => [r.key.slice(accountId.length + 1), opts.tls13CheckedAt!])) } : {}),
    };
    void store.putJson(KEYS.result(opts.runId, item), result);
  }
  const itemsKey = KEYS.items(opts.runId);
  void store.putJson(itemsKey, items);
  return { store, itemsKey, items, origins, failing };
}
