/**
 * `npm run demo`: the whole story with no AWS account.
 *
 * 1. Starts a local fleet of origins on loopback: a healthy one and one per condition that yields a 502.
 * 2. Writes an inventory in the shape `aws cloudfront list-distributions` prints: one distribution whose behaviors
 *    lead to every origin, one of them forwarding the viewer's Host header (the most common real 502).
 * 3. Runs the very code the Lambda runs (`runOnce` of lambda/handler.ts: inventory -> targets -> probes ->
 *    findings -> alert policy -> digest), with the alert state in memory and the e-mail printed instead of sent.
 * 4. Renews the expired certificate and runs again: the RESOLVED e-mail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getProfile } from '../lambda/cloudfront/client-profile';
import { MemoryStateStore } from '../lambda/alerting/state-store';
import { TextPublisher } from '../lambda/alerting/publish';
import { runOnce, type RunDeps, type LoggerLike, type MetricsLike } from '../lambda/run/monitor-run';
import { decodeEnvironment } from '../lib/settings';
import { loadTargets } from '../lambda/inventory';
import type { ScanReport } from '../lambda/model';
import type { Resolver } from '../lambda/probe/dns';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { runScan } from '../lambda/pipeline';
import { renderTable } from '../lambda/report/table';
import { startFleet, type Fleet } from '../demo/fleet';

export const DISTRIBUTION_ID = 'E1DEMOEXAMPLE';
/** The value of the demo origins' custom header: it must never be printed, logged or published. */
export const DEMO_HEADER_SECRET = 'demo-shared-secret-never-printed';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3'; // managed origin request policy: forwards the viewer Host
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

/** The demo's DNS: fleet names resolve to loopback; anything else does not exist (NXDOMAIN). */
function fleetResolver(fleet: Fleet): Resolver {
  const known = new Map(fleet.origins.map((o) => [o.name, o.address]));
  const nxdomain = (name: string) => Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return {
    resolve4: async (name) => {
      const a = known.get(name);
      if (!a) throw nxdomain(name);
      return [a];
    },
    resolve6: async (name) => {
      if (!known.has(name)) throw nxdomain(name);
      throw Object.assign(new Error(`queryAaaa ENODATA ${name}`), { code: 'ENODATA' });
    },
  };
}

function customOrigin(id: string, domain: string, port: number, protocols: string[], policy = 'https-only') {
  return {
    Id: id,
    DomainName: domain,
    OriginPath: '',
    CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: DEMO_HEADER_SECRET }] },
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: port,
      OriginProtocolPolicy: policy,
      OriginSslProtocols: { Quantity: protocols.length, Items: protocols },
      OriginReadTimeout: 30,
      OriginKeepaliveTimeout: 5,
    },
    ConnectionAttempts: 3,
    ConnectionTimeout: 2,
  };
}

function behavior(path: string | undefined, originId: string, originRequestPolicyId?: string) {
  return {
    ...(path ? { PathPattern: path } : {}),
    TargetOriginId: originId,
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: CACHING_OPTIMIZED,
    ...(originRequestPolicyId ? { OriginRequestPolicyId: originRequestPolicyId } : {}),
  };
}

/** What `aws cloudfront list-distributions` would print for the demo account. */
export function demoInventory(fleet: Fleet) {
  const origins = [
    ...fleet.origins.map((o) => customOrigin(o.id, o.name, o.port, o.allowedVersions)),
    // The healthy server again, behind a behavior that forwards the viewer's Host: CloudFront then sends
    // www.shop.test as SNI, and the certificate only covers healthy.origins.test.
    customOrigin('app-forwarding-host', fleet.byId('healthy').name, fleet.byId('healthy').port, ['TLSv1.2']),
    customOrigin('retired-api', 'retired-api.origins.test', 443, ['TLSv1.2']),
    { Id: 'assets-bucket', DomainName: 'shop-assets.s3.us-east-1.amazonaws.com', OriginPath: '', S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: 'E2OACEXAMPLE' },
  ];
  const behaviors = [
    ...fleet.origins.filter((o) => o.id !== 'healthy').map((o) => behavior(`/${o.id}/*`, o.id)),
    behavior('/app/*', 'app-forwarding-host', ALL_VIEWER),
    behavior('/retired/*', 'retired-api'),
    behavior('/assets/*', 'assets-bucket'),
  ];
  return {
    DistributionList: {
      Items: [
        {
          Id: DISTRIBUTION_ID,
          ARN: `arn:aws:cloudfront::123456789012:distribution/${DISTRIBUTION_ID}`,
          Status: 'Deployed',
          DomainName: 'd111111abcdef8.cloudfront.net',
          Aliases: { Quantity: 1, Items: ['www.shop.test'] },
          Origins: { Quantity: origins.length, Items: origins },
          OriginGroups: { Quantity: 0 },
          DefaultCacheBehavior: behavior(undefined, 'healthy'),
          CacheBehaviors: { Quantity: behaviors.length, Items: behaviors },
          Enabled: true,
          Comment: 'cloudfront-origin-monitor demo',
        },
      ],
    },
  };
}

function collectingLogger(lines: string[]): LoggerLike {
  const log = (level: string) => (message: string, ...extra: Record<string, unknown>[]) =>
    lines.push(JSON.stringify({ level, message, service: 'cloudfront-origin-monitor', ...Object.assign({}, ...extra) }));
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}

const noMetrics: MetricsLike = { addMetric: () => undefined, publishStoredMetrics: () => undefined };

export async function runDemo(out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const heading = (s: string) => out(`\n${'='.repeat(100)}\n${s}\n${'='.repeat(100)}\n`);
  out('Starting a local fleet of origins on 127.0.0.1 ...\n');
  const fleet = await startFleet();
  const dir = mkdtempSync(join(tmpdir(), 'cfom-demo-'));
  try {
    for (const o of fleet.origins) out(`  ${o.id.padEnd(16)} ${`${o.name}:${o.port}`.padEnd(38)} ${o.description}\n`);

    const inventoryFile = join(dir, 'list-distributions.json');
    writeFileSync(inventoryFile, JSON.stringify(demoInventory(fleet), null, 2));
    const trust = trustStoreFromPems([fleet.pki.root.certPem], 'the demo root CA (standing in for the Mozilla CA list)');
    const resolver = fleetResolver(fleet);
    const reports: ScanReport[] = [];
    const logLines: string[] = [];
    let email = '';
    const deps: RunDeps = {
      settings: { ...decodeEnvironment({}), confirmRuns: 1, scanConcurrency: 16, connectTimeoutMs: 1500 },
      loadTargets: () => loadTargets({ kind: 'file', inventory: inventoryFile }, {}),
      scan: async (targets, options) => {
        const report = await runScan(targets, { ...options, trust, deps: { resolver } });
        reports.push(report);
        return report;
      },
      store: new MemoryStateStore(),
      publisher: new TextPublisher((text) => (email += text)),
      logger: collectingLogger(logLines),
      metrics: noMetrics,
      now: () => new Date(),
      functionName: 'CloudFrontOriginMonitor-ScanFunction (demo)',
    };

    heading(`Run 1: scanning distribution ${DISTRIBUTION_ID} as the Lambda does (profile ${getProfile('cloudfront-2025').name})`);
    const first = await runOnce(deps);
    out(renderTable(reports[0], { color: process.stdout.isTTY === true, verbose: false }));
    heading('The e-mail run 1 sends through SNS');
    out(first.published ? email : '(no e-mail: nothing to say)\n');
    heading('The CloudWatch log lines of run 1 (the first three origins, and the summary)');
    for (const line of [...logLines.filter((l) => l.includes('"origin result"')).slice(0, 3), ...logLines.filter((l) => l.includes('"scan summary"'))]) out(`${line}\n`);

    out('\nNow the operator renews the expired certificate of expired.origins.test ...\n');
    await fleet.renew('expired');
    email = '';
    heading('Run 2, 15 minutes later: the e-mail it sends');
    const second = await runOnce(deps);
    out(second.published ? email : '(no e-mail: nothing new)\n');

    const secrets = JSON.stringify(reports) + logLines.join('\n');
    if (secrets.includes(DEMO_HEADER_SECRET)) throw new Error('a custom header value reached the report or the logs');
    out(
      `\nDone. Run 1 found ${reports[0].summary.critical} critical, ${reports[0].summary.warning} warning, ${reports[0].summary.ok} ok, ${reports[0].summary.skipped} skipped origin(s); run 2 sent ${second.published ? `"${second.subject}"` : 'nothing'}.\n` +
        'The deployed monitor does the same every 15 minutes and e-mails through SNS: see README.md, "Deploy".\n',
    );
    return 0;
  } finally {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runDemo().then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`demo failed: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
