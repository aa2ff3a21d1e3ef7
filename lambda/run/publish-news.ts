/**
 * Publishing a run's news: the alert items are logged, the digest is built and published, and the outcome is
 * logged and counted. A failed publish throws, so the run fails (the error alarm fires) and the state is not
 * advanced: the same news goes out next run.
 */
import { buildDigest } from '../alerting/digest';
import type { Decision } from '../alerting/policy';
import type { Publisher } from '../alerting/publish';
import { METRICS } from '../contract';
import type { ScanReport } from '../model';
import { alertItemLine, UNIT, type LoggerLike, type MetricsLike } from './run-logging';

export interface PublishNewsInput {
  decision: Decision;
  report: ScanReport;
  now: Date;
  functionName?: string;
  policy: { confirmRuns: number; reminderHours: number };
  publisher: Publisher;
  logger: LoggerLike;
  metrics: MetricsLike;
}

export interface Published {
  published: boolean;
  messageId?: string;
  subject?: string;
}

export async function publishNews(input: PublishNewsInput): Promise<Published> {
  const { decision, logger, metrics } = input;
  for (const item of decision.news) {
    logger.info('alert item', alertItemLine(item));
  }
  if (decision.suppressed.length > 0) {
    logger.info('findings suppressed from alerts', { suppressed: decision.suppressed });
  }
  if (decision.news.length === 0) {
    metrics.addMetric(METRICS.ALERTS_PUBLISHED, UNIT.COUNT, 0);
    return { published: false };
  }

  const digest = buildDigest({
    items: decision.news,
    report: input.report,
    now: input.now,
    functionName: input.functionName,
    policy: input.policy,
    suppressed: decision.suppressed.length,
    pending: decision.pending.length,
  });
  let messageId: string | undefined;
  try {
    ({ messageId } = await input.publisher.publish(digest));
  } catch (e) {
    metrics.addMetric(METRICS.ALERTS_PUBLISHED, UNIT.COUNT, 0);
    logger.error('alert digest not published; state not advanced, the same news goes out next run', {
      subject: digest.subject,
      items: decision.news.length,
      error: (e as Error).message,
      errorName: (e as Error).name,
    });
    throw new Error(`alert digest not published: ${(e as Error).message}`, { cause: e });
  }
  logger.info('alert digest published', {
    subject: digest.subject,
    messageId: messageId ?? null,
    severity: digest.worstSeverity,
    items: decision.news.length,
    included: digest.included,
    omitted: digest.omitted,
    bytes: digest.envelopeBytes,
  });
  metrics.addMetric(METRICS.ALERTS_PUBLISHED, UNIT.COUNT, 1);
  return { published: true, subject: digest.subject, ...(messageId ? { messageId } : {}) };
}
