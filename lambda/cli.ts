/**
 * `cf-origin-monitor scan | demo`: flags -> targets -> the pipeline the Lambda runs -> a report.
 * Exit codes: 0 no critical finding, 2 at least one critical finding, 1 the tool could not do its job.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PROFILE, getProfile, PROFILES } from './cloudfront/client-profile';
import { createCloudFrontClient } from './inventory/cloudfront-api';
import { createAcmClient, loadTargets } from './inventory';
import { applyResolve, parseResolve, singleOriginTarget, type ResolveEntry } from './inventory/single-origin';
import type { OriginTarget, ScanReport } from './model';
import { DEFAULT_CONCURRENCY, runScan } from './pipeline';
import { connectToTable, createEdgeProbe, parseConnectTo, type ConnectToEntry } from './probe/edge';
import { renderJson } from './report/json';
import { renderTable } from './report/table';
import { version } from '../package.json';

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
  profile: string;
  expiryWarningDays: number;
  concurrency: number;
  connectTimeout: number;
  format: 'table' | 'json';
  output?: string;
  color: boolean;
  progress: boolean;
  edge: boolean;
  connectTo: ConnectToEntry[];
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[]) => [...previous, parse(value)];
const asIs = (v: string) => v;

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function wrapped<T>(parse: (v: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message.replace(/^--[a-z-]+: /, ''));
    }
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
      'Probe origins as CloudFront connects to them. With no --origin or --inventory, scans every distribution of the AWS account (standard AWS credentials; needs cloudfront:ListDistributions, GetCachePolicy, GetOriginRequestPolicy; for staging and multi-tenant distributions also ListDistributionsByConnectionMode, ListDistributionTenants, GetDistributionTenant, GetDistributionConfig, GetContinuousDeploymentPolicy, whose denial is reported on the distributions concerned).',
    )
    .option('--origin <host[:port]>', 'one origin, described by the flags below')
    .option('--sni <name>', 'a name CloudFront sends as SNI (repeatable; default: the origin host)', collect(asIs), [])
    .option('--protocols <list>', "the origin's OriginSslProtocols, e.g. TLSv1.2,TLSv1.1", 'TLSv1.2')
    .addOption(new Option('--policy <policy>', 'origin protocol policy').choices(['https-only', 'http-only', 'match-viewer']).default('https-only'))
    .option('--http-port <n>', 'HTTP port (default 80)', integer(1, 65535))
    .option('--https-port <n>', 'HTTPS port (default 443, or the --origin port)', integer(1, 65535))
    .addOption(
      new Option('--ip-address-type <type>', "the origin's IP address type: which addresses CloudFront connects to").choices(['ipv4', 'ipv6', 'dualstack']).default('ipv4'),
    )
    .option(
      '--inventory <file>',
      'the JSON of `aws cloudfront list-distributions` (one page or an array of pages); repeatable, e.g. also `list-distributions-by-connection-mode --connection-mode tenant-only`',
      collect(asIs),
      [],
    )
    .option('--policies <file>', 'the JSON of `aws cloudfront list-cache-policies|list-origin-request-policies --type custom` (repeatable)', collect(asIs), [])
    .option(
      '--details <file>',
      'more AWS CLI JSON for staging and multi-tenant distributions: get-distribution (primaries, templates), list-continuous-deployment-policies, list-distribution-tenants, get-distribution-tenant (repeatable)',
      collect(asIs),
      [],
    )
    .option('--distribution <id>', 'only this distribution (repeatable)', collect(asIs), [])
    .option('--exclude-distribution <id>', 'leave this distribution out (repeatable)', collect(asIs), [])
    .option('--skip-disabled', 'leave disabled distributions out')
    .option('--ca-file <pem>', 'extra trusted roots, for testing private origins (repeatable; CloudFront itself never trusts them)', collect(asIs), [])
    .option('--resolve <host:port:address>', "use these addresses for host, as curl's --resolve (repeatable)", collect(wrapped(parseResolve)), [])
    .addOption(new Option('--profile <name>', "CloudFront's TLS client profile").choices(Object.keys(PROFILES)).default(DEFAULT_PROFILE))
    .option('--expiry-warning-days <n>', 'warn when a certificate expires within N days', integer(1, 365), 30)
    .option('--concurrency <n>', 'origins probed at once', integer(1, 1000), DEFAULT_CONCURRENCY)
    .option('--connect-timeout <ms>', "cap on each origin's connection timeout, ms", integer(100, 10_000), 5000)
    .addOption(new Option('--format <format>', 'report format').choices(['table', 'json']).default('table'))
    .option('--output <file>', 'write the report to this file instead of stdout')
    .option('--no-edge', 'no edge check (the request through CloudFront per cache behavior, on by default with an inventory)')
    .option('--connect-to <host:port:to-host:to-port>', "send the edge check for host:port to to-host:to-port instead, as curl's --connect-to (repeatable)", collect(wrapped(parseConnectTo)), [])
    .option('--no-color', 'no colour, even on a terminal')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (flags: ScanFlags) => {
      io.setExitCode(await scan(flags, io));
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

async function loadScanTargets(flags: ScanFlags): Promise<OriginTarget[]> {
  const filters = {
    distributions: flags.distribution,
    excludeDistributions: flags.excludeDistribution,
    ...(flags.skipDisabled ? { skipDisabled: true } : {}),
  };
  if (flags.origin && flags.inventory.length > 0) throw new Error('give either --origin or --inventory, not both');
  if (flags.details.length > 0 && flags.inventory.length === 0) {
    throw new Error('--details goes with --inventory (a live scan looks staging policies and tenants up itself)');
  }
  if (flags.origin) {
    return [
      singleOriginTarget({
        origin: flags.origin,
        sni: flags.sni,
        ...(flags.protocols ? { protocols: flags.protocols } : {}),
        ...(flags.policy ? { policy: flags.policy } : {}),
        ...(flags.httpPort ? { httpPort: flags.httpPort } : {}),
        ...(flags.httpsPort ? { httpsPort: flags.httpsPort } : {}),
        ...(flags.ipAddressType ? { ipAddressType: flags.ipAddressType } : {}),
      }),
    ];
  }
  if (flags.inventory.length > 0) {
    return loadTargets({ kind: 'file', inventory: flags.inventory, policies: flags.policies, details: flags.details }, filters);
  }
  return loadTargets({ kind: 'api', client: createCloudFrontClient(), acm: createAcmClient() }, filters);
}

async function scan(flags: ScanFlags, io: CliIo): Promise<number> {
  const targets = applyResolve(await loadScanTargets(flags), flags.resolve);
  const tty = 'isTTY' in io.stderr && io.stderr.isTTY === true;
  let done = 0;
  const report: ScanReport = await runScan(targets, {
    profile: getProfile(flags.profile),
    caFiles: flags.caFile,
    expiryWarningDays: flags.expiryWarningDays,
    concurrency: flags.concurrency,
    connectTimeoutMs: flags.connectTimeout,
    // The edge check needs the distribution's domain name: an inventory (live or file) has it, --origin does not.
    ...(flags.edge && !flags.origin ? { edge: { probe: edgeProbe(flags) } } : {}),
    onOrigin: () => {
      done++;
      if (tty && flags.progress && targets.length > 1) io.stderr.write(`\rscanned ${done}/${targets.length} origins`);
    },
  });
  if (tty && flags.progress && targets.length > 1) io.stderr.write('\r\x1b[K');

  const stdoutTty = 'isTTY' in io.stdout && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const text = flags.format === 'json' ? renderJson(report) : renderTable(report, { color: flags.color && stdoutTty && !flags.output });
  if (flags.output) {
    writeFileSync(flags.output, text);
    const s = report.summary;
    io.stderr.write(`wrote ${flags.output}: ${s.origins} origin(s), ${s.ok} ok, ${s.warning} warning, ${s.critical} critical, ${s.skipped} skipped${s.notReached ? `, ${s.notReached} not reached` : ''}\n`);
  } else {
    io.stdout.write(text);
  }
  return report.summary.critical > 0 ? EXIT.CRITICAL : EXIT.OK;
}

function edgeProbe(flags: ScanFlags) {
  const connectTo = connectToTable(flags.connectTo);
  return createEdgeProbe({ ...(connectTo ? { connectTo } : {}), extraCa: flags.caFile.map((f) => readFileSync(f, 'utf8')) });
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode: number = EXIT.OK;
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
