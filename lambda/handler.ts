/**
 * The scheduled Lambda: a thin shell over the pipeline the CLI uses.
 *
 *   config (env) -> state (load) -> targets (CloudFront API) -> runScan (deadline-aware) -> logs + metrics
 *     -> decide (policy) -> one digest if there is news -> SNS -> state (save)
 *
 * Nothing lost: the state is saved only after the digest was published, so a failed publish sends the same news
 * next run, and the run fails (the error alarm fires). Never silent: a scan that does not come back before the
 * deadline is reported with what it had done.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { buildDigest } from './alerting/digest';
import { decide, observe, suppressionEnd, type AlertState, type Decision } from './alerting/policy';
import { SnsPublisher, type Publisher } from './alerting/publish';
import { DynamoStateStore, type StateStore } from './alerting/state-store';
import { DEFAULT_PROFILE, getProfile } from './cloudfront/client-profile';
import { ENV, LOG, METRICS, type Suppression } from './contract';
import { createCloudFrontClient, loadTargets } from './inventory';
import type { OriginReport, OriginTarget, ScanReport } from './model';
import { assembleReport, DEFAULT_CONCURRENCY, notReachedReport, runScan, type ScanOptions } from './pipeline';

// ---------------------------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------------------------

export interface RunConfig {
  profile: string;
  expiryWarningDays: number;
  reminderHours: number;
  confirmRuns: number;
  suppressions: Suppression[];
  distributions?: string[];
  excludeDistributions?: string[];
  connectTimeoutMs?: number;
  concurrency: number;
}

export interface MonitorConfig extends RunConfig {
  topicArn: string;
  tableName: string;
}

export const DEFAULT_CONFIG = {
  profile: DEFAULT_PROFILE,
  expiryWarningDays: 30,
  reminderHours: 24,
  confirmRuns: 2,
  concurrency: DEFAULT_CONCURRENCY,
} as const;

/** Reads the configuration from the environment; every problem at once, in one line. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  const errors: string[] = [];
  const str = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const required = (name: string) => {
    const v = str(name);
    if (!v) errors.push(`${name} is not set`);
    return v ?? '';
  };
  const num = (name: string, dflt: number | undefined, check: (n: number) => boolean, what: string) => {
    const v = str(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || !check(n)) {
      errors.push(`${name} must be ${what} (got "${v}")`);
      return dflt;
    }
    return n;
  };
  const ids = (name: string) => {
    const v = str(name);
    if (!v) return undefined;
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    return list.length ? list : undefined;
  };

  const profile = str(ENV.PROFILE) ?? DEFAULT_CONFIG.profile;
  try {
    getProfile(profile);
  } catch (e) {
    errors.push(`${ENV.PROFILE}: ${(e as Error).message}`);
  }

  const config: MonitorConfig = {
    topicArn: required(ENV.TOPIC_ARN),
    tableName: required(ENV.TABLE_NAME),
    profile,
    expiryWarningDays: num(ENV.EXPIRY_WARNING_DAYS, DEFAULT_CONFIG.expiryWarningDays, (n) => n > 0, 'a number of days > 0')!,
    reminderHours: num(ENV.REMINDER_HOURS, DEFAULT_CONFIG.reminderHours, (n) => n > 0, 'a number of hours > 0')!,
    confirmRuns: num(ENV.CONFIRM_RUNS, DEFAULT_CONFIG.confirmRuns, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1')!,
    concurrency: num(ENV.CONCURRENCY, DEFAULT_CONFIG.concurrency, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1')!,
    suppressions: parseSuppressions(str(ENV.SUPPRESSIONS), errors),
  };
  const connectTimeoutMs = num(ENV.CONNECT_TIMEOUT_MS, undefined, (n) => Number.isInteger(n) && n > 0, 'an integer number of ms > 0');
  if (connectTimeoutMs !== undefined) config.connectTimeoutMs = connectTimeoutMs;
  const distributions = ids(ENV.DISTRIBUTIONS);
  if (distributions) config.distributions = distributions;
  const exclude = ids(ENV.EXCLUDE_DISTRIBUTIONS);
  if (exclude) config.excludeDistributions = exclude;

  if (errors.length > 0) throw new Error(`invalid configuration: ${errors.join('; ')}`);
  return config;
}

export function parseSuppressions(raw: string | undefined, errors: string[]): Suppression[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    errors.push(`${ENV.SUPPRESSIONS} is not valid JSON (${(e as Error).message})`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    errors.push(`${ENV.SUPPRESSIONS} must be a JSON array of {distributionId, originId?, code?, until, reason}`);
    return [];
  }
  const out: Suppression[] = [];
  parsed.forEach((s: unknown, i) => {
    const at = `${ENV.SUPPRESSIONS}[${i}]`;
    const o = s as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) return void errors.push(`${at} is not an object`);
    const bad: string[] = [];
    if (typeof o.distributionId !== 'string' || !o.distributionId) bad.push('distributionId is required');
    if (o.originId !== undefined && typeof o.originId !== 'string') bad.push('originId must be a string');
    if (o.code !== undefined && typeof o.code !== 'string') bad.push('code must be a string');
    if (typeof o.until !== 'string' || Number.isNaN(suppressionEnd(o.until))) bad.push(`until must be an ISO date (got ${JSON.stringify(o.until)})`);
    if (typeof o.reason !== 'string' || !o.reason) bad.push('reason is required');
    if (bad.length) return void errors.push(`${at}: ${bad.join(', ')}`);
    const sup: Suppression = { distributionId: o.distributionId as string, until: o.until as string, reason: o.reason as string };
    if (o.originId) sup.originId = o.originId as string;
    if (o.code) sup.code = o.code as string;
    out.push(sup);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------------------------------

type LogFn = (message: string, ...extra: Record<string, unknown>[]) => void;
export interface LoggerLike {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  addContext?(context: Context): void;
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
export interface MetricsLike {
  addMetric(name: string, unit: Unit, value: number): unknown;
  publishStoredMetrics(): void;
}

export interface HandlerDeps {
  config: RunConfig;
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
}

/** Deadline margin: the time kept for alerting after the last probe starts. */
export function deadlineMargin(remainingMs: number): number {
  return Math.max(20_000, Math.round(remainingMs * 0.1));
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

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

function originLine(o: OriginReport): Record<string, unknown> {
  // The LOG.ORIGIN_RESULT keys of contract.ts. Findings never carry header values; only codes are logged here.
  const line: Record<string, unknown> = {
    distributionId: o.distributionId ?? null,
    originId: o.originId ?? null,
    domainName: o.domainName,
    status: o.status,
    findingCodes: [...new Set(o.findings.map((f) => f.code))],
    critical: o.findings.filter((f) => f.severity === 'critical').length,
    warning: o.findings.filter((f) => f.severity === 'warning').length,
  };
  if (o.skippedReason) line.skippedReason = o.skippedReason;
  return line;
}

class ScanOverrun extends Error {}

/**
 * runScan with a backstop: if it has not returned shortly after the deadline (a probe that ignores it), the run goes
 * on with the origins finished so far and names the rest as not reached.
 */
async function scanWithBackstop(
  deps: HandlerDeps,
  targets: OriginTarget[],
  options: ScanOptions,
  backstopAt: number | undefined,
  finished: Map<string, OriginReport>,
  startedAt: Date,
): Promise<ScanReport> {
  const scanning = deps.scan(targets, options);
  if (backstopAt === undefined) return scanning;
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScanOverrun()), Math.max(0, backstopAt - deps.now().getTime()));
    timer.unref?.();
  });
  try {
    return await Promise.race([scanning, backstop]);
  } catch (e) {
    if (!(e instanceof ScanOverrun)) throw e;
    scanning.catch(() => undefined); // it may still fail later; nobody is listening then
    const missing = targets.filter((t) => !finished.has(t.key));
    deps.logger.error('scan did not return by the deadline; reporting what was finished', {
      finished: finished.size,
      notReached: missing.length,
    });
    return assembleReport({
      profile: options.profile.name,
      startedAt: startedAt.toISOString(),
      durationMs: deps.now().getTime() - startedAt.getTime(),
      origins: [...finished.values(), ...missing.map(notReachedReport)],
      notReached: { keys: missing.map((t) => t.key), reason: 'the scan did not return before the Lambda deadline' },
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export async function runOnce(deps: HandlerDeps, context?: Partial<Context>): Promise<RunResult> {
  const { config, logger, metrics } = deps;
  const started = deps.now();
  const functionName = deps.functionName ?? context?.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME;

  let deadline: number | undefined;
  let backstopAt: number | undefined;
  if (typeof context?.getRemainingTimeInMillis === 'function') {
    const remaining = context.getRemainingTimeInMillis();
    const margin = (deps.margin ?? deadlineMargin)(remaining);
    deadline = started.getTime() + remaining - margin;
    backstopAt = deadline + margin / 2;
  }

  let publishMetrics = false;
  try {
    const previous: AlertState = await deps.store.load();
    const targets = await deps.loadTargets();
    logger.info('scan starting', {
      targets: targets.length,
      trackedFindings: Object.keys(previous.findings).length,
      deadline: deadline ? new Date(deadline).toISOString() : null,
    });

    // Scan, logging each origin as it finishes (so a run that dies late has still said what it saw).
    const finished = new Map<string, OriginReport>();
    const logOrigin = (o: OriginReport) => {
      if (finished.has(o.key)) return;
      finished.set(o.key, o);
      logger.info(LOG.ORIGIN_RESULT, originLine(o));
    };
    const report = await scanWithBackstop(
      deps,
      targets,
      {
        profile: getProfile(config.profile),
        expiryWarningDays: config.expiryWarningDays,
        concurrency: config.concurrency,
        ...(config.connectTimeoutMs ? { connectTimeoutMs: config.connectTimeoutMs } : {}),
        ...(deadline !== undefined ? { deadline } : {}),
        now: deps.now,
        onOrigin: logOrigin,
      },
      backstopAt,
      finished,
      started,
    );
    for (const o of report.origins) logOrigin(o);

    // Scan metrics and summary.
    const s = report.summary;
    const { skipped, notReached } = s;
    publishMetrics = true;
    metrics.addMetric(METRICS.SCAN_DURATION, MetricUnit.Milliseconds, report.durationMs);
    metrics.addMetric(METRICS.ORIGINS_OK, MetricUnit.Count, s.ok);
    metrics.addMetric(METRICS.ORIGINS_WARNING, MetricUnit.Count, s.warning);
    metrics.addMetric(METRICS.ORIGINS_CRITICAL, MetricUnit.Count, s.critical);
    metrics.addMetric(METRICS.ORIGINS_SKIPPED, MetricUnit.Count, skipped);
    metrics.addMetric(METRICS.ORIGINS_NOT_REACHED, MetricUnit.Count, notReached);
    logger.info(LOG.SCAN_SUMMARY, {
      origins: s.origins,
      ok: s.ok,
      warning: s.warning,
      critical: s.critical,
      skipped,
      notReached,
      durationMs: report.durationMs,
    });
    if (report.incomplete) {
      logger.warn('scan incomplete: origins not reached keep their alert state', {
        reason: report.incomplete.reason,
        notReached,
        notScanned: report.incomplete.notScanned.slice(0, 100),
      });
    }

    // Policy.
    const now = deps.now();
    const decision: Decision = decide(
      previous,
      observe(report),
      { confirmRuns: config.confirmRuns, reminderHours: config.reminderHours, suppressions: config.suppressions },
      now,
    );
    for (const item of decision.news) {
      logger.info('alert item', {
        kind: item.kind,
        key: item.key,
        code: item.code,
        severity: item.severity,
        distributionId: item.distributionId ?? null,
        originId: item.originId ?? null,
        domainName: item.domainName,
        sniName: item.sniName ?? null,
        addresses: item.addresses,
        findingMessage: item.message, // not `message`: Powertools reserves it and would drop the value
      });
    }
    if (decision.suppressed.length > 0) {
      logger.info('findings suppressed from alerts', { suppressed: decision.suppressed });
    }

    // Publish, then save: the state moves on only once the news is out.
    let published = false;
    let messageId: string | undefined;
    let subject: string | undefined;
    if (decision.news.length > 0) {
      const digest = buildDigest({
        items: decision.news,
        report,
        now,
        functionName,
        policy: { confirmRuns: config.confirmRuns, reminderHours: config.reminderHours },
        suppressed: decision.suppressed.length,
        pending: decision.pending.length,
      });
      subject = digest.subject;
      try {
        ({ messageId } = await deps.publisher.publish(digest));
      } catch (e) {
        metrics.addMetric(METRICS.ALERTS_PUBLISHED, MetricUnit.Count, 0);
        logger.error('alert digest not published; state not advanced, the same news goes out next run', {
          subject: digest.subject,
          items: decision.news.length,
          error: (e as Error).message,
          errorName: (e as Error).name,
        });
        throw new Error(`alert digest not published: ${(e as Error).message}`, { cause: e });
      }
      published = true;
      logger.info('alert digest published', {
        subject: digest.subject,
        messageId: messageId ?? null,
        severity: digest.worstSeverity,
        items: decision.news.length,
        included: digest.included,
        omitted: digest.omitted,
        bytes: digest.envelopeBytes,
      });
    }
    metrics.addMetric(METRICS.ALERTS_PUBLISHED, MetricUnit.Count, published ? 1 : 0);

    try {
      await deps.store.save(decision.nextState, previous);
    } catch (e) {
      logger.error('alert state not saved; news just sent may be sent again next run', {
        error: (e as Error).message,
        published,
      });
      throw e;
    }

    metrics.addMetric(METRICS.SCAN_COMPLETED, MetricUnit.Count, 1);
    return {
      origins: s.origins,
      notReached,
      news: decision.news.length,
      published,
      ...(messageId ? { messageId } : {}),
      ...(subject ? { subject } : {}),
      incomplete: report.incomplete !== undefined,
    };
  } catch (e) {
    logger.error('scan run failed', { error: (e as Error).message, errorName: (e as Error).name });
    throw e;
  } finally {
    if (publishMetrics) metrics.publishStoredMetrics();
  }
}

export function createHandler(deps: HandlerDeps | (() => HandlerDeps)) {
  let resolved: HandlerDeps | undefined;
  return async (_event?: unknown, context?: Context): Promise<RunResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    if (context && resolved.logger.addContext) resolved.logger.addContext(context);
    return runOnce(resolved, context);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda wiring: clients once per container; the configuration read at the first invocation, so a bad variable
// fails each invocation with its one-line message (and the error alarm), not the module import.
// ---------------------------------------------------------------------------------------------------------------

const logger = new Logger({ serviceName: METRICS.SERVICE });
const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.SERVICE });
const sns = new SNSClient({ maxAttempts: 5 });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), {
  marshallOptions: { removeUndefinedValues: true },
});
const cloudfront = createCloudFrontClient();

export function defaultDeps(): HandlerDeps {
  let config: MonitorConfig;
  try {
    config = configFromEnv();
  } catch (e) {
    logger.error((e as Error).message);
    throw e;
  }
  return {
    config,
    loadTargets: () =>
      loadTargets(
        { kind: 'api', client: cloudfront },
        {
          ...(config.distributions ? { distributions: config.distributions } : {}),
          ...(config.excludeDistributions ? { excludeDistributions: config.excludeDistributions } : {}),
        },
      ),
    scan: runScan,
    store: new DynamoStateStore(dynamo, config.tableName),
    publisher: new SnsPublisher(sns, config.topicArn),
    logger,
    metrics,
    now: () => new Date(),
  };
}

export const handler = createHandler(defaultDeps);
