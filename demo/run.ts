/**
 * `cf-origin-monitor demo` (`npm run demo`): the whole story with no AWS account. Everything the demo needs is in
 * this folder: the fleet (fleet.ts), its certificates (pki.ts), its loopback servers (servers.ts) and this story.
 *
 * 1. Starts a local fleet of origins on loopback: a healthy one and one per condition that yields a 502, named
 *    `<id>.origins.localhost` (RFC 6761: such names are 127.0.0.1 with no DNS, so the commands printed work as is).
 * 2. Writes an inventory in the shape `aws cloudfront list-distributions` prints: one distribution whose behaviors
 *    lead to every origin, one of them forwarding the viewer's Host header (the most common real 502), and the
 *    fleet's root CA, which stands in for the Mozilla CA list CloudFront trusts.
 * 3. Runs the very code the Lambda runs (`runOnce` of lambda/run/monitor-run.ts: inventory -> targets -> probes ->
 *    findings -> alert policy -> digest), with the alert state in memory and the e-mail printed instead of sent.
 * 4. Renews the expired certificate and runs again, 15 minutes later on the demo's clock: the RESOLVED e-mail.
 * 5. With `keep`, leaves the fleet running and prints the `scan` command to try on it (and the e-mail's checks work).
 *
 * Nothing leaves the machine: the fleet, the edge (demo/edge.ts) and the DNS server (demo/dns-server.ts) are on
 * loopback, the e-mail's commands are sent to them, and demo/loopback-only.cjs refuses any other connection.
 */
import { promises as dnsPromises } from 'node:dns';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getProfile } from '../lambda/cloudfront/client-profile';
import { MemoryStateStore, TextPublisher } from '../lambda/alerting/local';
import { runOnce, type RunDeps, type LoggerLike, type MetricsLike } from '../lambda/run/monitor-run';
import { decodeEnvironment } from '../lib/settings';
import { loadTargets } from '../lambda/inventory';
import type { ScanReport } from '../lambda/model';
import type { Resolver } from '../lambda/probe/dns';
import { trustStoreFromPems } from '../lambda/probe/trust-store';
import { runScan } from '../lambda/pipeline';
import { renderTable } from '../lambda/report/table';
import { EDGE_ORIGINS, edgeInventory, startDemoEdge, type DemoEdge } from './edge';
import { startDnsServer, type DnsServer } from './dns-server';
import { startFleet, type Fleet } from './fleet';
import { installLoopbackOnly } from './loopback-only.cjs';

export const DISTRIBUTION_ID = 'E1DEMOEXAMPLE';
/** The demo distribution's domain name: the demo's fake edge answers for it (nothing is asked of CloudFront). */
export const DEMO_DISTRIBUTION_DOMAIN = 'd111111abcdef8.cloudfront.net';
/** The value of the demo origins' custom header: it must never be printed, logged or published. */
export const DEMO_HEADER_SECRET = 'demo-shared-secret-never-printed';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3'; // managed origin request policy: forwards the viewer Host
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

/** The fleet's names: `<id>.origins.localhost`, which resolve to loopback with no DNS (RFC 6761). */
export const DEMO_DOMAIN = 'origins.localhost';
/** The retired origin of the story: its name no longer exists. */
const RETIRED = 'retired-api.origins.test';

/**
 * The demo's DNS, for names that are not localhost names (those never reach a resolver): a DNS server on loopback
 * that knows no name (NXDOMAIN), so the story's retired origin is DNS_UNRESOLVABLE without a query leaving the
 * machine, and the e-mail's `host` check, which asks the same server, shows the NXDOMAIN.
 */
function demoResolver(server: string): Resolver {
  const r = new dnsPromises.Resolver({ timeout: 1000, tries: 2 });
  r.setServers([server]);
  return r;
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

/**
 * What `aws cloudfront list-distributions` would print for the demo account. `retired: false` leaves out the
 * origin whose name does not exist (the kept fleet's inventory: a real resolver would be asked about it).
 */
export function demoInventory(fleet: Fleet, options: { retired?: boolean; edge?: DemoEdge } = {}) {
  const retired = options.retired ?? true;
  // The three origins only the edge check can judge (demo/edge.ts), when the demo's edge runs.
  const throughEdge = options.edge ? edgeInventory(options.edge, (id, name, port) => customOrigin(id, name, port, ['TLSv1.2'])) : { origins: [], behaviors: [] };
  const origins = [
    ...fleet.origins.map((o) => customOrigin(o.id, o.name, o.port, o.allowedVersions)),
    // The healthy server again, behind a behavior that forwards the viewer's Host: CloudFront then sends
    // www.shop.test as SNI, and the certificate only covers healthy.origins.test.
    customOrigin('app-forwarding-host', fleet.byId('healthy').name, fleet.byId('healthy').port, ['TLSv1.2']),
    ...(retired ? [customOrigin('retired-api', RETIRED, 443, ['TLSv1.2'])] : []),
    { Id: 'assets-bucket', DomainName: 'shop-assets.s3.us-east-1.amazonaws.com', OriginPath: '', S3OriginConfig: { OriginAccessIdentity: '' }, OriginAccessControlId: 'E2OACEXAMPLE' },
    ...throughEdge.origins,
  ];
  const behaviors = [
    ...fleet.origins.filter((o) => o.id !== 'healthy').map((o) => behavior(`/${o.id}/*`, o.id)),
    behavior('/app/*', 'app-forwarding-host', ALL_VIEWER),
    ...(retired ? [behavior('/retired/*', 'retired-api')] : []),
    behavior('/assets/*', 'assets-bucket'),
    ...throughEdge.behaviors,
  ];
  return {
    DistributionList: {
      Items: [
        {
          Id: DISTRIBUTION_ID,
          ARN: `arn:aws:cloudfront::123456789012:distribution/${DISTRIBUTION_ID}`,
          Status: 'Deployed',
          DomainName: DEMO_DISTRIBUTION_DOMAIN,
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

export interface DemoOptions {
  /** Leave the fleet running after the story, with its inventory and root CA written to `dir`. */
  keep?: boolean;
  /** Where the inventory and the root CA go. Default: a new temporary folder (removed at the end unless `keep`). */
  dir?: string;
  out?: (s: string) => void;
  /** The command name in what is printed. */
  command?: string;
}

export interface DemoRun {
  code: number;
  /** The folder holding list-distributions.json and demo-root-ca.pem. */
  dir: string;
  inventoryFile: string;
  caFile: string;
  /** The e-mails of run 1 and run 2 ('' when a run sent none). */
  emails: [string, string];
  /** The `scan` command printed for the kept fleet. */
  scanCommand: string;
  fleet: Fleet;
  /** Stops the fleet (and removes the folder if the demo made it and is not keeping it). */
  close(): Promise<void>;
}

const MINUTE = 60_000;

export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const out = options.out ?? ((s: string) => void process.stdout.write(s));
  const command = options.command ?? 'cf-origin-monitor';
  const heading = (s: string) => out(`\n${'='.repeat(100)}\n${s}\n${'='.repeat(100)}\n`);
  // The demo never leaves the machine: its origins, edge and DNS are on loopback, and anything else is refused.
  installLoopbackOnly(`${command} demo`);
  out('Starting a local fleet of origins on 127.0.0.1 ...\n');
  const fleet = await startFleet({ domain: DEMO_DOMAIN });
  const madeDir = options.dir === undefined;
  const dir = madeDir ? mkdtempSync(join(tmpdir(), 'cfom-demo-')) : resolve(options.dir!);
  let closed = false;
  let edge: DemoEdge | undefined;
  let dns: DnsServer | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await edge?.close();
    await dns?.close();
    await fleet.close();
    if (madeDir && !options.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(dir, { recursive: true });
    // A fake CloudFront edge in front of the distribution (the edge check goes through it; it connects to origins
    // from 127.0.0.2), and three origins only it can judge.
    edge = await startDemoEdge(fleet, { distributionDomainName: DEMO_DISTRIBUTION_DOMAIN, alias: 'www.shop.test', forwardedHostPaths: ['/app/'], refusedPaths: ['/retired/'] });
    dns = await startDnsServer({});
    for (const o of [...fleet.origins, ...edge.origins]) out(`  ${o.id.padEnd(16)} ${`${o.name}:${o.port}`.padEnd(42)} ${o.description}\n`);
    out(`  ${'(edge)'.padEnd(16)} ${`127.0.0.1:${edge.edge.port}`.padEnd(42)} a fake CloudFront edge for ${DEMO_DISTRIBUTION_DOMAIN}\n`);
    out(`  ${'(dns)'.padEnd(16)} ${dns.server.padEnd(42)} the demo's DNS server: it knows no name (NXDOMAIN)\n`);

    // The story's inventory has the retired origin too; the file left for `scan` has only the fleet.
    const storyInventory = join(dir, 'story-list-distributions.json');
    writeFileSync(storyInventory, JSON.stringify(demoInventory(fleet, { edge }), null, 2));
    const inventoryFile = join(dir, 'list-distributions.json');
    writeFileSync(inventoryFile, JSON.stringify(demoInventory(fleet, { retired: false, edge }), null, 2));
    const caFile = join(dir, 'demo-root-ca.pem');
    writeFileSync(caFile, fleet.pki.root.certPem);

    const [dnsServer, demoEdge] = [dns, edge];
    const resolver = demoResolver(dns.server);
    const trust = trustStoreFromPems([fleet.pki.root.certPem], 'the demo root CA, in place of the Mozilla CA list');
    const reports: ScanReport[] = [];
    const logLines: string[] = [];
    let email = '';
    // The demo's clock: run 2 is 15 minutes after run 1, as on the deployed schedule.
    let clockOffset = 0;
    const defaults = decodeEnvironment({});
    const deps: RunDeps = {
      // Reachability findings are confirmed after one run here (the deployed default, confirmRuns 2, waits for a
      // second run in a row), so that run 1 shows them all.
      settings: { ...defaults, confirmRuns: 1, scanConcurrency: 16, connectTimeoutMs: 1500 },
      loadTargets: () => loadTargets({ kind: 'file', inventory: storyInventory }, {}),
      scan: async (targets, scanOptions) => {
        // caFiles names the root in the e-mail's openssl commands; the scan itself trusts only `trust`.
        // commands: the e-mail's checks ask the demo's DNS server and go to its edge, never to the internet.
        const report = await runScan(targets, {
          ...scanOptions,
          trust,
          caFiles: [caFile],
          deps: { resolver },
          commands: { dnsServer: dnsServer.server, edgeConnectTo: [demoEdge.connectTo] },
        });
        reports.push(report);
        return report;
      },
      store: new MemoryStateStore(),
      publisher: new TextPublisher((text) => (email += text)),
      logger: collectingLogger(logLines),
      metrics: noMetrics,
      now: () => new Date(Date.now() + clockOffset),
      functionName: 'CloudFrontOriginMonitor-ScanFunction (demo)',
      edgeProbe: edge.probe,
    };

    heading(
      `Run 1: scanning distribution ${DISTRIBUTION_ID} as the Lambda does (profile ${getProfile(defaults.profile).name}).\n` +
        `The demo e-mails reachability findings (DNS, port, handshake) after 1 run; deployed, the default is ${defaults.confirmRuns} runs in a row (confirmRuns).`,
    );
    const first = await runOnce(deps);
    out(renderTable(reports[0], { color: process.stdout.isTTY === true && !process.env.NO_COLOR, verbose: false }));
    heading('Through CloudFront: what the edge check adds (one request per cache behavior; POP and request id kept)');
    for (const id of [EDGE_ORIGINS.ALLOWLISTED, EDGE_ORIGINS.MTLS, EDGE_ORIGINS.RUNTIME]) {
      const o = reports[0].origins.find((r) => r.originId === id);
      for (const f of o?.findings ?? []) out(`  ${id.padEnd(12)} ${f.severity.toUpperCase().padEnd(8)} ${f.code}: ${f.message}\n`);
    }
    const confirmed = reports[0].origins.flatMap((o) => o.findings).filter((f) => f.evidence.confirmedThroughCloudFront).length;
    out(`  and ${confirmed} critical finding(s) of the direct probe confirmed through CloudFront (its own 502 or 504, with the request id).\n`);
    heading('The e-mail run 1 sends through SNS');
    const email1 = first.published ? email : '';
    out(first.published ? email : '(no e-mail: nothing to say)\n');
    heading('The CloudWatch log lines of run 1 (the first three origins, and the summary)');
    for (const line of [...logLines.filter((l) => l.includes('"origin result"')).slice(0, 3), ...logLines.filter((l) => l.includes('"scan summary"'))]) out(`${line}\n`);

    out(`\nNow the operator renews the expired certificate of ${fleet.byId('expired').name} ...\n`);
    await fleet.renew('expired');
    email = '';
    clockOffset = 15 * MINUTE;
    heading('Run 2, 15 minutes later: the e-mail it sends');
    const second = await runOnce(deps);
    const email2 = second.published ? email : '';
    out(second.published ? email : '(no e-mail: nothing new)\n');

    const secrets = JSON.stringify(reports) + logLines.join('\n');
    if (secrets.includes(DEMO_HEADER_SECRET)) throw new Error('a custom header value reached the report or the logs');
    // --connect-to: the demo's distribution domain is not on CloudFront; its edge is the demo's, on loopback.
    // --check-without-tls13: the monitor's run 1 asked the TLS 1.3 origin without TLS 1.3 (it does once a day), so
    // the command finds its TLS13_ONLY too.
    const scanCommand = `${command} scan --inventory ${inventoryFile} --ca-file ${caFile} --connect-to ${edge.connectTo} --check-without-tls13`;
    out(
      `\nDone. Run 1 found ${reports[0].summary.critical} critical, ${reports[0].summary.warning} warning, ${reports[0].summary.ok} ok, ${reports[0].summary.skipped} skipped origin(s); run 2 sent ${second.published ? `"${second.subject}"` : 'nothing'}.\n` +
        'The deployed monitor does the same every 15 minutes and e-mails through SNS: see README.md, "Deploy the monitor".\n',
    );
    if (options.keep) {
      out(
        `\nThe fleet keeps running (Ctrl-C stops it), and its CloudFront edge. Its inventory and root CA are in ${dir}:\n` +
          `  ${inventoryFile}\n  ${caFile}\n` +
          `Scan it as you would your account (the root CA stands in for the CA list CloudFront trusts):\n  ${scanCommand}\n` +
          `The "Check" commands of the e-mail above work against it too (but ${fleet.byId('expired').name} has its renewed certificate now).\n`,
      );
    } else {
      out(`Run \`${command} demo --keep\` to leave the fleet running, scan it yourself and try the e-mail's "Check" commands.\n`);
    }
    const run: DemoRun = { code: 0, dir, inventoryFile, caFile, emails: [email1, email2], scanCommand, fleet, close };
    if (!options.keep) await close();
    return run;
  } catch (err) {
    await close();
    throw err;
  }
}

if (require.main === module) {
  const keep = process.argv.includes('--keep');
  runDemo({ keep, command: 'npx cf-origin-monitor' }).then(
    (r) => (process.exitCode = r.code),
    (err: Error) => {
      process.stderr.write(`demo failed: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
