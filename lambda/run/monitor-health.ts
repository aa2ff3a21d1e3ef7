/**
 * The monitor's own health, apart from the origins': origins the monitor could not check (status `unchecked`),
 * because its DNS resolver failed for them, their probe threw, or the inventory could not read what checking them
 * needs (a distribution, a template's tenants or parameter values, a VPC origin's settings; the reason says what to
 * grant or supply). They are counted (metric ORIGINS_UNCHECKED, which
 * one CloudWatch alarm watches: ONE monitor-health alert, not a likely-502 alert per origin) and logged once per run
 * (LOG.ORIGINS_NOT_CHECKED) with the reasons seen.
 * Their alert state is kept by the policy (absence is not recovery). Called from run-logging.ts.
 */
import { LOG, METRICS } from '../contract';
import type { ScanReport } from '../model';

type LogFn = (message: string, ...extra: Record<string, unknown>[]) => void;

export interface MonitorHealth {
  unchecked: number;
  /** Origins not checked, by reason (`resolver failed: ETIMEOUT after 3 tries`, `could not be probed: ...` -> count). */
  reasons: Record<string, number>;
}

export function monitorHealth(report: ScanReport): MonitorHealth {
  const reasons: Record<string, number> = {};
  let unchecked = 0;
  for (const o of report.origins) {
    if (o.status !== 'unchecked') continue;
    unchecked++;
    const reason = o.uncheckedReason ?? 'unknown';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return { unchecked, reasons };
}

/** One metric every run (0 when healthy, so the alarm returns to OK), one warning line when something failed. */
export function recordMonitorHealth(
  report: ScanReport,
  logger: { warn: LogFn },
  metrics: { addMetric(name: string, unit: 'Count', value: number): unknown },
): MonitorHealth {
  const health = monitorHealth(report);
  metrics.addMetric(METRICS.ORIGINS_UNCHECKED, 'Count', health.unchecked);
  if (health.unchecked > 0) {
    logger.warn(LOG.ORIGINS_NOT_CHECKED, {
      unchecked: health.unchecked,
      reasons: health.reasons,
      origins: report.origins
        .filter((o) => o.status === 'unchecked')
        .slice(0, 50)
        .map((o) => o.key),
    });
  }
  return health;
}
