/**
 * One Distributed Map item: under the account's member role, the same scan the single-account Lambda runs
 * (loadTargets from the CloudFront API, then runScan), restricted to the item's chunk of distributions, written to
 * the run bucket as an ItemResult.
 *
 * - The member role cannot be assumed, or may not read CloudFront: the result says so (`problem`), and the item
 *   succeeds: the reduce step reports the account once. Retrying would not change the answer.
 * - Anything else (throttling that outlasted the SDK's retries, S3 down): thrown, so Step Functions retries the item;
 *   an item that keeps failing leaves no result, which the reduce step reports as well.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { ClientProfile } from '../cloudfront/client-profile';
import { LOG } from '../contract';
import type { BuildTargetsOptions } from '../inventory';
import type { OriginReport, OriginTarget, ScanReport } from '../model';
import type { ScanOptions } from '../pipeline';
import { monitorHealth } from '../run/monitor-health';
import { originLine } from '../run/run-logging';
import { MemberRoleError } from './assume-role';
import { chunkOf } from './accounts';
import { accountKey, type ItemResult, KEYS, type WorkerEvent } from './model';
import type { RunStore } from './run-store';

export interface WorkerSettings {
  profile: ClientProfile;
  expiryWarningDays: number;
  concurrency: number;
  connectTimeoutMs?: number;
  distributions?: string[];
  excludeDistributions?: string[];
}

type LogFn = (message: string, ...extra: Record<string, unknown>[]) => void;

export interface WorkerDeps {
  settings: WorkerSettings;
  /** Credentials of the account's member role; throws MemberRoleError when the role cannot be assumed. */
  assume(accountId: string, runId: string): Promise<AwsCredentialIdentity>;
  /** A CloudFront client with those credentials (destroyed after the item). */
  cloudFront(credentials: AwsCredentialIdentity): CloudFrontClient;
  loadTargets(client: CloudFrontClient, options: BuildTargetsOptions): Promise<OriginTarget[]>;
  scan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport>;
  store: RunStore;
  logger: { info: LogFn; warn: LogFn };
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

export async function scanItem(event: WorkerEvent, deps: WorkerDeps, deadline?: number): Promise<WorkerOutput> {
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

  const client = deps.cloudFront(credentials);
  try {
    let all: OriginTarget[];
    try {
      all = await deps.loadTargets(client, {
        ...(deps.settings.distributions?.length ? { distributions: deps.settings.distributions } : {}),
        ...(deps.settings.excludeDistributions?.length ? { excludeDistributions: deps.settings.excludeDistributions } : {}),
      });
    } catch (e) {
      if (!isAccessDenied(e)) throw e;
      const problem = { code: 'ACCESS_DENIED' as const, message: `${(e as Error).message.split('\n')[0]} (the member role's policy, or an SCP, denies it).` };
      deps.logger.warn('account not scanned', { accountId: item.accountId, chunk: item.chunk, code: problem.code, problem: problem.message });
      return write({ schemaVersion: 1, item, problem }, 0);
    }
    const targets = all.filter((t) => chunkOf(t, item.chunks) === item.chunk);
    deps.logger.info('item scan starting', { accountId: item.accountId, chunk: item.chunk, chunks: item.chunks, accountTargets: all.length, targets: targets.length });
    const report = await deps.scan(targets, {
      profile: deps.settings.profile,
      expiryWarningDays: deps.settings.expiryWarningDays,
      concurrency: deps.settings.concurrency,
      ...(deps.settings.connectTimeoutMs ? { connectTimeoutMs: deps.settings.connectTimeoutMs } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
      now: deps.now,
      onOrigin: (o) => deps.logger.info(LOG.ORIGIN_RESULT, { accountId: item.accountId, ...originLine(o) }),
    });
    deps.logger.info(LOG.SCAN_SUMMARY, { accountId: item.accountId, chunk: item.chunk, ...report.summary, durationMs: report.durationMs });
    const health = monitorHealth(report);
    if (health.unchecked > 0) deps.logger.warn(LOG.ORIGINS_NOT_CHECKED, { accountId: item.accountId, chunk: item.chunk, unchecked: health.unchecked, reasons: health.reasons });
    return write({ schemaVersion: 1, item, accountTargets: all.length, report: slimReport(report, item.accountId) }, report.origins.length);
  } finally {
    client.destroy();
  }
}
