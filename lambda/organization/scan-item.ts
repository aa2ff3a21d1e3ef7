/**
 * One Distributed Map item: under the account's member role, the same scan the single-account Lambda runs
 * (loadTargets from the account's CloudFront API with its ACM for origin mTLS certificates, then lambda/run/
 * scan-run.ts: the same options from the same settings, the edge check, caFiles, the once-a-day TLS 1.3 re-check,
 * the deadline and its backstop), restricted to the item's chunk of distributions, written to the run bucket as an
 * ItemResult.
 *
 * - The member role cannot be assumed, or may not read CloudFront: the result says so (`problem`), and the item
 *   succeeds: the reduce step reports the account once. Retrying would not change the answer.
 * - Anything else (throttling that outlasted the SDK's retries, S3 down): thrown, so Step Functions retries the item;
 *   an item that keeps failing leaves no result, which the reduce step reports as well.
 */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { RunSettings } from '../../lib/settings';
import { tls13CheckSchedule } from '../alerting/tls13-check';
import { LOG } from '../contract';
import type { BuildTargetsOptions } from '../inventory';
import type { OriginReport, OriginTarget, ScanReport } from '../model';
import type { ScanOptions } from '../pipeline';
import type { EdgeProbe } from '../probe/edge';
import type { Deadline } from '../run/deadline-backstop';
import { monitorHealth } from '../run/monitor-health';
import { scanRun, type ScanSettings } from '../run/scan-run';
import { MemberRoleError } from './assume-role';
import { chunkOf } from './accounts';
import { accountKey, type ItemResult, KEYS, type Tls13Checks, type WorkerEvent } from './model';
import type { RunStore } from './run-store';

/** The single-account function's scan settings (lib/settings.ts), read from the same environment variables. */
export type WorkerSettings = ScanSettings & Pick<RunSettings, 'distributions' | 'excludeDistributions'>;

type LogFn = (message: string, ...extra: Record<string, unknown>[]) => void;

/** The account's clients, signed with its member role's credentials. */
export interface AccountClients {
  cloudfront: CloudFrontClient;
  /** ACM in us-east-1: the client certificates origins' OriginMtlsConfig names (origin mTLS) live in the account. */
  acm: Pick<ACMClient, 'send' | 'destroy'>;
}

export interface WorkerDeps {
  settings: WorkerSettings;
  /** Credentials of the account's member role; throws MemberRoleError when the role cannot be assumed. */
  assume(accountId: string, runId: string): Promise<AwsCredentialIdentity>;
  /** Clients with those credentials (destroyed after the item). */
  clients(credentials: AwsCredentialIdentity): AccountClients;
  /** lambda/inventory loadTargets over the account's API, as the single-account handler calls it. */
  loadTargets(source: { kind: 'api'; client: CloudFrontClient; acm: Pick<ACMClient, 'send'> }, options: BuildTargetsOptions): Promise<OriginTarget[]>;
  scan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport>;
  /** The edge check's request (settings.edgeCheck): the real one (HTTPS to the distribution's domain, no credentials) by default. */
  edgeProbe?: EdgeProbe;
  store: RunStore;
  logger: { info: LogFn; warn: LogFn; error: LogFn };
  now(): Date;
}

export interface WorkerOutput {
  accountId: string;
  chunk: number;
  /** Where the result is. */
  key: string;
  outcome: 'scanned' | 'not scanned';
  origins: number;
}

const isAccessDenied = (e: unknown) =>
  /^AccessDenied/.test((e as Error)?.message ?? '') || ['AccessDenied', 'AccessDeniedException'].includes((e as { name?: string })?.name ?? '');

/** The report as the reduce step needs it: no probe facts but `notProbed`, keys carrying the account. */
export function slimReport(report: ScanReport, accountId: string): ScanReport {
  const origins = report.origins.map((o): OriginReport => {
    const { facts, ...rest } = o;
    const slim: OriginReport = { ...rest, key: accountKey(accountId, o.key) };
    if (facts?.notProbed && facts.notProbed.length > 0) slim.facts = { notProbed: facts.notProbed } as OriginReport['facts'];
    return slim;
  });
  return {
    ...report,
    origins,
    ...(report.incomplete
      ? { incomplete: { reason: report.incomplete.reason, notScanned: report.incomplete.notScanned.map((k) => accountKey(accountId, k)) } }
      : {}),
  };
}

export async function scanItem(event: WorkerEvent, deps: WorkerDeps, limits?: Deadline): Promise<WorkerOutput> {
  const { item, runId } = event;
  const key = KEYS.result(runId, item);
  const write = async (result: ItemResult, origins: number): Promise<WorkerOutput> => {
    await deps.store.putJson(key, result);
    return { accountId: item.accountId, chunk: item.chunk, key, outcome: result.problem ? 'not scanned' : 'scanned', origins };
  };

  let credentials: AwsCredentialIdentity;
  try {
    credentials = await deps.assume(item.accountId, runId);
  } catch (e) {
    if (!(e instanceof MemberRoleError)) throw e;
    deps.logger.warn('account not scanned', { accountId: item.accountId, chunk: item.chunk, code: e.problem.code, problem: e.problem.message });
    return write({ schemaVersion: 1, item, problem: e.problem }, 0);
  }

  const clients = deps.clients(credentials);
  try {
    let all: OriginTarget[];
    try {
      all = await deps.loadTargets(
        { kind: 'api', client: clients.cloudfront, acm: clients.acm },
        { distributions: deps.settings.distributions, excludeDistributions: deps.settings.excludeDistributions },
      );
    } catch (e) {
      if (!isAccessDenied(e)) throw e;
      const problem = { code: 'ACCESS_DENIED' as const, message: `${(e as Error).message.split('\n')[0]} (the member role's policy, or an SCP, denies it).` };
      deps.logger.warn('account not scanned', { accountId: item.accountId, chunk: item.chunk, code: problem.code, problem: problem.message });
      return write({ schemaVersion: 1, item, problem }, 0);
    }
    const targets = all.filter((t) => chunkOf(t, item.chunks) === item.chunk);
    // The once-a-day TLS 1.3 re-check: the times the reduce step keeps in the alert state, copied for the workers
    // to the run bucket per account (KEYS.tls13Checks); the times of this run go back in the result.
    const startedAt = deps.now();
    // A copy that cannot be read (S3's 403 for a missing object where ListBucket is not granted, an outage) must not
    // cost the account its scan: every TLS 1.3 origin is due, which costs a handshake each and changes no verdict.
    let previousChecks: Tls13Checks = {};
    try {
      previousChecks = (await deps.store.getJson<Tls13Checks>(KEYS.tls13Checks(item.accountId))) ?? {};
    } catch (e) {
      deps.logger.warn('TLS 1.3 re-check times not read: every TLS 1.3 origin of the item is re-checked', {
        accountId: item.accountId,
        chunk: item.chunk,
        error: (e as Error).message.split('\n')[0],
      });
    }
    const tls13 = tls13CheckSchedule({ findings: {}, tls13Checks: previousChecks }, startedAt);
    deps.logger.info('item scan starting', {
      accountId: item.accountId,
      chunk: item.chunk,
      chunks: item.chunks,
      accountTargets: all.length,
      targets: targets.length,
      deadline: limits ? new Date(limits.deadline).toISOString() : null,
    });
    const report = await scanRun({
      settings: deps.settings,
      targets,
      scan: deps.scan,
      checkWithoutTls13: tls13.due,
      ...(limits ? { limits } : {}),
      ...(deps.edgeProbe ? { edgeProbe: deps.edgeProbe } : {}),
      startedAt,
      now: deps.now,
      logger: deps.logger,
      lineFields: { accountId: item.accountId },
    });
    deps.logger.info(LOG.SCAN_SUMMARY, { accountId: item.accountId, chunk: item.chunk, ...report.summary, durationMs: report.durationMs });
    const health = monitorHealth(report);
    if (health.unchecked > 0) deps.logger.warn(LOG.ORIGINS_NOT_CHECKED, { accountId: item.accountId, chunk: item.chunk, unchecked: health.unchecked, reasons: health.reasons });
    return write(
      { schemaVersion: 1, item, accountTargets: all.length, report: slimReport(report, item.accountId), tls13Checks: tls13.next(targets) },
      report.origins.length,
    );
  } finally {
    clients.cloudfront.destroy();
    clients.acm.destroy();
  }
}
