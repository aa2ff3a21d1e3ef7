/**
 * One run of the monitor, as the scheduled Lambda does it (and the demo, with local stand-ins):
 *
 *   state (load) -> targets -> scan (deadline-aware, each origin logged as it finishes) -> logs + metrics
 *     -> decide (policy) -> publish the news, if any -> state (save)
 *
 * Nothing lost: the state is saved only after the digest was published, so a failed publish sends the same news
 * next run, and the run fails (the error alarm fires). Never silent: a scan that does not come back before the
 * deadline is reported with what it had done. Every dependency is passed in (lambda/handler.ts builds the real ones).
 */
import type { Context } from 'aws-lambda';
import { decide, observe, type AlertState } from '../alerting/policy';
import type { Publisher } from '../alerting/publish';
import type { StateStore } from '../alerting/state-store';
import { tls13CheckSchedule } from '../alerting/tls13-check';
import { METRICS } from '../contract';
import type { OriginTarget, ScanReport } from '../model';
import type { ScanOptions } from '../pipeline';
import type { EdgeProbe } from '../probe/edge';
import type { RunSettings } from '../../lib/settings';
import { deadlineFrom } from './deadline-backstop';
import { publishNews } from './publish-news';
import { logScanSummary, UNIT, type LoggerLike, type MetricsLike } from './run-logging';
import { scanRun } from './scan-run';

export type { LoggerLike, MetricsLike } from './run-logging';

export interface RunDeps {
  settings: RunSettings;
  loadTargets(): Promise<OriginTarget[]>;
  scan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport>;
  store: StateStore;
  publisher: Publisher;
  logger: LoggerLike;
  metrics: MetricsLike;
  now(): Date;
  /** Named in the e-mail ("see the CloudWatch logs of ..."); the context's function name otherwise. */
  functionName?: string;
  /** Time kept after the last probe starts, from the Lambda's remaining time. Default: deadlineMargin. */
  margin?: (remainingMs: number) => number;
  /** The edge check's request (when `settings.edgeCheck`); the real one, to the distribution's domain, by default. */
  edgeProbe?: EdgeProbe;
}

export interface RunResult {
  origins: number;
  notReached: number;
  news: number;
  published: boolean;
  messageId?: string;
  subject?: string;
  incomplete: boolean;
}

export async function runOnce(deps: RunDeps, context?: Partial<Context>): Promise<RunResult> {
  const { settings, logger, metrics } = deps;
  const started = deps.now();
  const functionName = deps.functionName ?? context?.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME;
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const limits = deadlineFrom(started.getTime(), remaining, deps.margin);

  let publishMetrics = false;
  try {
    const previous: AlertState = await deps.store.load();
    const targets = await deps.loadTargets();
    const tls13Checks = tls13CheckSchedule(previous, deps.now());
    logger.info('scan starting', {
      targets: targets.length,
      trackedFindings: Object.keys(previous.findings).length,
      deadline: limits ? new Date(limits.deadline).toISOString() : null,
    });

    // Scan (the same one as each organization item: scan-run.ts), logging each origin as it finishes.
    const report = await scanRun({
      settings,
      targets,
      scan: deps.scan,
      checkWithoutTls13: tls13Checks.due,
      ...(limits ? { limits } : {}),
      ...(deps.edgeProbe ? { edgeProbe: deps.edgeProbe } : {}),
      startedAt: started,
      now: deps.now,
      logger,
    });
    publishMetrics = true;
    logScanSummary(report, logger, metrics);

    const now = deps.now();
    const policy = { confirmRuns: settings.confirmRuns, reminderHours: settings.reminderHours };
    const decision = decide(previous, observe(report), { ...policy, suppressions: settings.suppressions }, now);
    decision.nextState.tls13Checks = tls13Checks.next(targets);

    // Publish, then save: the state moves on only once the news is out.
    const out = await publishNews({ decision, report, now, functionName, policy, publisher: deps.publisher, logger, metrics });
    try {
      await deps.store.save(decision.nextState, previous);
    } catch (e) {
      logger.error('alert state not saved; news just sent may be sent again next run', {
        error: (e as Error).message,
        published: out.published,
      });
      throw e;
    }

    metrics.addMetric(METRICS.SCAN_COMPLETED, UNIT.COUNT, 1);
    return {
      origins: report.summary.origins,
      notReached: report.summary.notReached,
      news: decision.news.length,
      ...out,
      incomplete: report.incomplete !== undefined,
    };
  } catch (e) {
    logger.error('scan run failed', { error: (e as Error).message, errorName: (e as Error).name });
    throw e;
  } finally {
    if (publishMetrics) metrics.publishStoredMetrics();
  }
}

/** A Lambda handler over runOnce; the dependencies are built at the first invocation (so a bad setting fails it). */
export function createHandler(deps: RunDeps | (() => RunDeps)) {
  let resolved: RunDeps | undefined;
  return async (_event?: unknown, context?: Context): Promise<RunResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    if (context && resolved.logger.addContext) resolved.logger.addContext(context);
    return runOnce(resolved, context);
  };
}
