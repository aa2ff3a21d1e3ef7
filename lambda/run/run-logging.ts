/**
 * What a run writes to its logs and metrics, and the small logger and metrics interfaces it needs: Powertools in
 * the Lambda (lambda/handler.ts), collectors in the demo and the tests. The log lines and metric names are a
 * contract with the dashboard and the alarms (contract.ts LOG and METRICS).
 */
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { LOG, METRICS } from '../contract';
import type { DigestItem } from '../alerting/policy';
import type { OriginReport, ScanReport } from '../model';
import { recordMonitorHealth } from './monitor-health';

type LogFn = (message: string, ...extra: Record<string, unknown>[]) => void;
export interface LoggerLike {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  addContext?(context: Context): void;
}

export type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
export interface MetricsLike {
  addMetric(name: string, unit: Unit, value: number): unknown;
  publishStoredMetrics(): void;
}

/** Powertools' unit names (MetricUnit), as literals: the run never loads Powertools itself. */
export const UNIT = { COUNT: 'Count', MILLISECONDS: 'Milliseconds' } as const satisfies Record<string, Unit>;

/** The LOG.ORIGIN_RESULT line of one origin. Findings never carry header values; only codes are logged here. */
export function originLine(o: OriginReport): Record<string, unknown> {
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
  if (o.uncheckedReason) line.uncheckedReason = o.uncheckedReason;
  // A template's origin is scanned once per tenant: the tenant tells the lines apart.
  if (o.paths?.tenant) line.tenant = o.paths.tenant.name;
  return line;
}

/**
 * The 'alert item' line of one piece of news (new, expiry, reminder, RESOLVED), as the digest lists it: the same for
 * one account and for an organization (which puts the item's accountId first).
 */
export function alertItemLine(item: DigestItem): Record<string, unknown> {
  return {
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
  };
}

/** A scan's duration and its origins by status: the same metrics for one account and for an organization. */
export function addScanMetrics(report: Pick<ScanReport, 'durationMs' | 'summary'>, metrics: MetricsLike): void {
  const s = report.summary;
  metrics.addMetric(METRICS.SCAN_DURATION, UNIT.MILLISECONDS, report.durationMs);
  metrics.addMetric(METRICS.ORIGINS_OK, UNIT.COUNT, s.ok);
  metrics.addMetric(METRICS.ORIGINS_WARNING, UNIT.COUNT, s.warning);
  metrics.addMetric(METRICS.ORIGINS_CRITICAL, UNIT.COUNT, s.critical);
  metrics.addMetric(METRICS.ORIGINS_SKIPPED, UNIT.COUNT, s.skipped);
  metrics.addMetric(METRICS.ORIGINS_NOT_REACHED, UNIT.COUNT, s.notReached);
}

/** The scan's metrics and its LOG.SCAN_SUMMARY line (and a warning when it was incomplete). */
export function logScanSummary(report: ScanReport, logger: LoggerLike, metrics: MetricsLike): void {
  const s = report.summary;
  addScanMetrics(report, metrics);
  // Origins not checked (resolver failed, probe threw): the monitor's health, one metric and one line, not an alert per origin.
  const { unchecked } = recordMonitorHealth(report, logger, metrics);
  logger.info(LOG.SCAN_SUMMARY, {
    origins: s.origins,
    ok: s.ok,
    warning: s.warning,
    critical: s.critical,
    skipped: s.skipped,
    notReached: s.notReached,
    unchecked,
    durationMs: report.durationMs,
  });
  if (report.incomplete) {
    logger.warn('scan incomplete: origins not reached keep their alert state', {
      reason: report.incomplete.reason,
      notReached: s.notReached,
      notScanned: report.incomplete.notScanned.slice(0, 100),
    });
  }
}
