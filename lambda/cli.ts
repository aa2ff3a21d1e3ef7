/**
 * `cf-origin-monitor scan | demo`: flags -> targets -> the pipeline the Lambda runs -> a report.
 * Exit codes: 0 no critical finding, 2 at least one critical finding, 1 the tool could not do its job.
 */
import { promises as dnsPromises } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  checkMode,
  checkResolveEntries,
  connectToValue,
  distributionId,
  dnsServerValue,
  nonEmpty,
  originValue,
  protocolsValue,
  resolveValue,
  sniValue,
  type ScanMode,
} from './cli-flags';
import { DEFAULT_PROFILE, getProfile, PROFILES } from './cloudfront/client-profile';
import { applyResolve, parseResolveFile, singleOriginTarget, type ResolveEntry } from './inventory/single-origin';
import type { OriginTarget, ScanReport } from './model';
import type { Resolver } from './probe/dns';
import type { ConnectToEntry } from './probe/edge';
import type { loadHosts } from './probe/hosts';
import type { loadTrustStore } from './probe/trust-store';
import { notCheckedLine } from './report/not-checked';
import { checkOutputPath, coalesce, ignorePipeErrors, writeChunksAtomic, writeQuietly } from './report/output';
import { DEFAULT_CONCURRENCY } from './scan-defaults';
import { version } from '../package.json';

// Start-up: `--help`, `--version` and bad flags load only the above. The inventory (and the AWS SDK), the probes,
// the trust store, the edge check (node:https) and the report writers load when a scan runs. require, not import(): tsx's CommonJS hook
// resolves it (see the demo command).
/* eslint-disable @typescript-eslint/no-require-imports */
const inventory = () => require('./inventory') as typeof import('./inventory');
const pipeline = () => require('./pipeline') as typeof import('./pipeline');
const probes = () => ({
  ...(require('./probe/dns') as typeof import('./probe/dns')),
  ...(require('./probe/hosts') as typeof import('./probe/hosts')),
  ...(require('./probe/trust-store') as typeof import('./probe/trust-store')),
});
const edge = () => require('./probe/edge') as typeof import('./probe/edge');
const reports = () => ({
  ReportSpill: (require('./report/spill') as typeof import('./report/spill')).ReportSpill,
});
/* eslint-enable @typescript-eslint/no-require-imports */

/** 2 wins over 1: a likely 502 found is the news, even when some origins could not be checked. */
export const EXIT = { OK: 0, FAILED: 1, CRITICAL: 2 } as const;

interface ScanFlags {
  origin?: string;
  sni: string[];
  protocols?: string;
  policy?: string;
  httpPort?: number;
  httpsPort?: number;
  ipAddressType?: string;
  inventory: string[];
  policies: string[];
  details: string[];
  distribution: string[];
  excludeDistribution: string[];
  skipDisabled?: boolean;
  caFile: string[];
  resolve: ResolveEntry[];
  resolveFile: string[];
  checkWithoutTls13?: boolean;
  fullChain?: boolean;
  profile: string;
  expiryWarningDays: number;
  concurrency: number;
  connectTimeout: number;
  format: 'table' | 'json';
  output?: string;
  dns: 'system' | 'public';
  dnsServer: string[];
  hostsFile?: string;
  color: boolean;
  progress: boolean;
  edge: boolean;
  connectTo: ConnectToEntry[];
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[]) => [...previous, parse(value)];

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function buildProgram(io: CliIo & { setExitCode: (code: number) => void }): Command {
  const program = new Command('cf-origin-monitor')
    .description('Find the CloudFront origins that would answer viewers with HTTP 502, before your users do.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('scan')
    .description(
      'Probe origins as CloudFront connects to them. With no --origin or --inventory, scans every distribution of the AWS account (standard AWS credentials; needs cloudfront:ListDistributions, GetCachePolicy, GetOriginRequestPolicy; for staging and multi-tenant distributions also ListDistributionsByConnectionMode, ListDistributionTenants, GetDistributionTenant, GetDistributionConfig, GetContinuousDeploymentPolicy; for VPC origins cloudfront:GetVpcOrigin; for origin mTLS acm:DescribeCertificate in us-east-1; a denial of these is reported on the distributions or origins concerned).',
    )
    .option('--origin <origin>', 'one origin, described by the flags below: HOST[:PORT], an IPv4 or IPv6 address ([v6]:PORT with a port) or a URL', originValue)
    .option('--sni <name>', 'a name CloudFront sends as SNI (repeatable; default: the origin host)', collect(sniValue), [])
    .option('--protocols <list>', "the origin's OriginSslProtocols, e.g. TLSv1.2,TLSv1.1", protocolsValue, 'TLSv1.2')
    .addOption(new Option('--policy <policy>', 'origin protocol policy (default https-only, or the scheme of an --origin URL)').choices(['https-only', 'http-only', 'match-viewer']))
    .option('--http-port <n>', 'HTTP port (default 80)', integer(1, 65535))
    .option('--https-port <n>', 'HTTPS port (default 443, or the --origin port)', integer(1, 65535))
    .addOption(
      new Option('--ip-address-type <type>', "the origin's IP address type: which addresses CloudFront connects to").choices(['ipv4', 'ipv6', 'dualstack']).default('ipv4'),
    )
    .option(
      '--inventory <file>',
      'the JSON of `aws cloudfront list-distributions` (every page: without --max-items); repeatable, e.g. also `list-distributions-by-connection-mode --connection-mode tenant-only`',
      collect(nonEmpty('--inventory', 'a file name')),
      [],
    )
    .option('--policies <file>', 'the JSON of `aws cloudfront list-cache-policies|list-origin-request-policies --type custom` (repeatable)', collect(nonEmpty('--policies', 'a file name')), [])
    .option(
      '--details <file>',
      'more AWS CLI JSON for staging and multi-tenant distributions: get-distribution (primaries, templates), list-continuous-deployment-policies, list-distribution-tenants, get-distribution-tenant (repeatable)',
      collect(nonEmpty('--details', 'a file name')),
      [],
    )
    .option('--distribution <id>', 'only this distribution (repeatable)', collect(distributionId('--distribution')), [])
    .option('--exclude-distribution <id>', 'leave this distribution out (repeatable)', collect(distributionId('--exclude-distribution')), [])
    .option('--skip-disabled', 'leave disabled distributions out')
    .option('--ca-file <pem>', 'extra trusted roots, for testing private origins (repeatable; CloudFront itself never trusts them)', collect(nonEmpty('--ca-file', 'a PEM file')), [])
    .option('--resolve <host:port:address>', "use these addresses for host, as curl's --resolve (repeatable)", collect(resolveValue), [])
    .option('--resolve-file <file>', 'the same, one HOST:PORT:ADDRESS a line (# comments), for thousands of entries (repeatable)', collect(nonEmpty('--resolve-file', 'a file name')), [])
    .addOption(
      new Option('--dns <mode>', 'system: the hosts file, then DNS, as curl and openssl here; public: DNS only, as CloudFront').choices(['system', 'public']).default('system'),
    )
    .option('--dns-server <address>', "ask this DNS resolver instead of the system's (repeatable, e.g. 1.1.1.1)", collect(dnsServerValue), [])
    .option('--hosts-file <file>', 'a hosts file read first with --dns system (default: the system\'s, e.g. /etc/hosts, in the order of /etc/nsswitch.conf)', nonEmpty('--hosts-file', 'a file name'))
    .addOption(new Option('--profile <name>', "CloudFront's TLS client profile").choices(Object.keys(PROFILES)).default(DEFAULT_PROFILE))
    .option('--expiry-warning-days <n>', 'warn when a certificate expires within N days', integer(1, 365), 30)
    .option('--concurrency <n>', 'connections in flight at once, over all origins (at most 4 to one address)', integer(1, 1000), DEFAULT_CONCURRENCY)
    .option(
      '--check-without-tls13',
      "also ask each TLS 1.3 origin without TLS 1.3 (one more connection): would CloudFront's legacy profile, at most TLS 1.2, get through? (finding TLS13_ONLY, an info)",
    )
    .option('--full-chain', 'JSON report: the certificates (DER, base64) of every origin, healthy ones too (default: of origins with findings)')
    .option('--connect-timeout <ms>', "cap on each origin's connection timeout, ms", integer(100, 10_000), 5000)
    .addOption(new Option('--format <format>', 'report format').choices(['table', 'json']).default('table'))
    .option('--output <file>', 'write the report to this file instead of stdout (checked before the scan; written atomically)', nonEmpty('--output', 'a file name'))
    .option('--no-edge', 'no edge check (the request through CloudFront per cache behavior, on by default with an inventory)')
    .option('--connect-to <host:port:to-host:to-port>', "send the edge check for host:port to to-host:to-port instead, as curl's --connect-to (repeatable)", collect(connectToValue), [])
    .option('--no-color', 'no colour, even on a terminal')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (flags: ScanFlags, command: Command) => {
      io.setExitCode(await scan(flags, (key) => command.getOptionValueSource(key) === 'cli', io));
    });

  program
    .command('demo')
    .description('Start a local fleet of broken and healthy origins, scan it with the Lambda pipeline and show the alert e-mails. No AWS account needed.')
    .option('--keep', 'leave the fleet running afterwards, write its inventory and root CA, and print the scan command to try on it')
    .option('--dir <path>', 'where the inventory and root CA go (default: a new temporary folder)')
    .action(async (flags: { keep?: boolean; dir?: string }) => {
      // The demo never calls AWS: the SDK's notice about future Node.js versions is noise there.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      // require, not import(): the checkout's command runs TypeScript through tsx's CommonJS hook, which import()
      // bypasses; and the demo loads only when asked for.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runDemo } = require('../demo/run') as typeof import('../demo/run');
      const run = await runDemo({
        keep: flags.keep === true,
        ...(flags.dir ? { dir: flags.dir } : {}),
        out: (s) => void io.stdout.write(s),
      });
      io.setExitCode(run.code);
      if (flags.keep) {
        // The servers keep the process alive; a signal stops them and the process ends by itself.
        const stop = () => void run.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
    });
  return program;
}

interface Prepared {
  mode: ScanMode;
  single?: OriginTarget;
  resolver: Resolver;
  hosts: ReturnType<typeof loadHosts>;
  trust: ReturnType<typeof loadTrustStore>;
  /** --resolve and --resolve-file entries, in that order. */
  resolve: ResolveEntry[];
}

/** Everything that can be checked without the network, checked: one line and exit 1 on the first problem found. */
function prepare(flags: ScanFlags, given: (key: string) => boolean): Prepared {
  const mode = checkMode(flags, given);
  const resolve = [...flags.resolve];
  for (const file of flags.resolveFile) resolve.push(...parseResolveFile(readText(file, '--resolve-file'), file));
  checkResolveEntries(resolve);
  const single =
    mode === 'origin'
      ? singleOriginTarget({
          origin: flags.origin!,
          sni: flags.sni,
          ...(given('protocols') ? { protocols: flags.protocols } : {}),
          ...(given('policy') ? { policy: flags.policy } : {}),
          ...(flags.httpPort !== undefined ? { httpPort: flags.httpPort } : {}),
          ...(flags.httpsPort !== undefined ? { httpsPort: flags.httpsPort } : {}),
          ...(flags.ipAddressType ? { ipAddressType: flags.ipAddressType } : {}),
        })
      : undefined;
  if (single) applyResolve([single], resolve); // an entry for no origin is an error now, not after the scan
  if (flags.output !== undefined) {
    checkOutputPath(flags.output, [
      ...flags.inventory.map((p) => ({ flag: '--inventory', path: p })),
      ...flags.policies.map((p) => ({ flag: '--policies', path: p })),
      ...flags.details.map((p) => ({ flag: '--details', path: p })),
      ...flags.caFile.map((p) => ({ flag: '--ca-file', path: p })),
      ...flags.resolveFile.map((p) => ({ flag: '--resolve-file', path: p })),
      ...(flags.hostsFile ? [{ flag: '--hosts-file', path: flags.hostsFile }] : []),
    ]);
  }
  // A hosts file given by name is read first, whatever nsswitch.conf says of the system's own.
  const { createResolver, loadHosts, loadTrustStore } = probes();
  const hosts = flags.dns === 'system' ? loadHosts(flags.hostsFile ? { hostsFile: flags.hostsFile, order: 'files-first' } : {}) : undefined;
  const resolver = createResolver();
  if (flags.dnsServer.length > 0) {
    try {
      (resolver as dnsPromises.Resolver).setServers(flags.dnsServer);
    } catch (e) {
      throw new Error(`--dns-server: ${(e as Error).message}`);
    }
  }
  const trust = loadTrustStore({ caFiles: flags.caFile });
  return { mode, ...(single ? { single } : {}), resolver, hosts, trust, resolve };
}

async function loadScanTargets(flags: ScanFlags, prepared: Prepared): Promise<OriginTarget[]> {
  const filters = {
    distributions: flags.distribution,
    excludeDistributions: flags.excludeDistribution,
    ...(flags.skipDisabled ? { skipDisabled: true } : {}),
  };
  if (prepared.single) return [prepared.single];
  const { loadTargets, createCloudFrontClient, createAcmClient } = inventory();
  if (prepared.mode === 'inventory') {
    return loadTargets({ kind: 'file', inventory: flags.inventory, policies: flags.policies, details: flags.details }, filters);
  }
  // The SDK's notice that future versions need a newer Node.js would precede every line this command prints.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return loadTargets({ kind: 'api', client: createCloudFrontClient(), acm: createAcmClient() }, filters);
}

async function scan(flags: ScanFlags, given: (key: string) => boolean, io: CliIo): Promise<number> {
  const prepared = prepare(flags, given);
  const targets = applyResolve(await loadScanTargets(flags, prepared), prepared.resolve);
  const { runScan } = pipeline();
  const tty = 'isTTY' in io.stderr && io.stderr.isTTY === true;
  let done = 0;
  const stdoutTty = 'isTTY' in io.stdout && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const color = flags.color && stdoutTty && !flags.output;
  // Each origin's part of the report is written away as it finishes (memory stays flat at 10,000 origins).
  const spill = new (reports().ReportSpill)(flags.format === 'json' ? { format: 'json' } : { format: 'table', options: { color } });
  const report: ScanReport = await runScan(targets, {
    profile: getProfile(flags.profile),
    trust: prepared.trust,
    expiryWarningDays: flags.expiryWarningDays,
    concurrency: flags.concurrency,
    connectTimeoutMs: flags.connectTimeout,
    deps: { resolver: prepared.resolver },
    // The edge check needs the distribution's domain name: an inventory (live or file) has it, --origin does not.
    ...(flags.edge && prepared.mode !== 'origin' ? { edge: { probe: edgeProbe(flags) } } : {}),
    ...(prepared.hosts ? { hosts: prepared.hosts } : {}),
    ...(flags.checkWithoutTls13 ? { checkWithoutTls13: true } : {}),
    commands: printedCommands(flags),
    certificates: flags.fullChain ? 'all' : 'with-findings',
    onOrigin: () => {
      done++;
      if (tty && flags.progress && targets.length > 1) io.stderr.write(`\rscanned ${done}/${targets.length} origins`);
    },
    keep: spill.keep,
  });
  if (tty && flags.progress && targets.length > 1) io.stderr.write('\r\x1b[K');

  // The report goes out one origin at a time: a report of 10,000 origins is never one string in memory.
  const chunks = (): Iterable<string> => coalesce(spill.chunks(report));
  const s = report.summary;
  if (flags.output) {
    writeChunksAtomic(flags.output, chunks());
    io.stderr.write(
      `wrote ${flags.output}: ${s.origins} origin(s), ${s.ok} ok, ${s.warning} warning, ${s.critical} critical, ${s.skipped} skipped${s.notReached ? `, ${s.notReached} not reached` : ''}${s.unchecked ? `, ${s.unchecked} not checked` : ''}\n`,
    );
  } else {
    for (const chunk of chunks()) if (!(await writeQuietly(io.stdout, chunk))) break;
  }
  spill.close();
  if (s.unchecked > 0) {
    io.stderr.write(`${notCheckedLine(report.origins)}\n`);
  }
  if (s.critical > 0) return EXIT.CRITICAL;
  return s.unchecked > 0 ? EXIT.FAILED : EXIT.OK;
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** The report's commands ask the DNS server the scan asked, and send edge requests where the scan sent them. */
function printedCommands(flags: ScanFlags): { dnsServer?: string; edgeConnectTo?: string[] } {
  const to = (e: ConnectToEntry) => `${e.host}:${e.port}:${e.toHost.includes(':') ? `[${e.toHost}]` : e.toHost}:${e.toPort}`;
  return { ...(flags.dnsServer[0] ? { dnsServer: flags.dnsServer[0] } : {}), ...(flags.connectTo.length ? { edgeConnectTo: flags.connectTo.map(to) } : {}) };
}

function edgeProbe(flags: ScanFlags) {
  const { connectToTable, createEdgeProbe } = edge();
  const connectTo = connectToTable(flags.connectTo);
  return createEdgeProbe({ ...(connectTo ? { connectTo } : {}), extraCa: flags.caFile.map((f) => readFileSync(f, 'utf8')) });
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode: number = EXIT.OK;
  ignorePipeErrors(io.stdout);
  ignorePipeErrors(io.stderr);
  const program = buildProgram({ ...io, setExitCode: (c) => (exitCode = c) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line error (or the help/version text).
      return err.exitCode === 0 ? EXIT.OK : EXIT.FAILED;
    }
    io.stderr.write(`cf-origin-monitor: ${oneLine(err)}\n`);
    return EXIT.FAILED;
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
