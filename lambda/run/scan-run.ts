/**
 * The scan of one run, made ONE way for the single-account Lambda (monitor-run.ts) and for each item of the
 * organization mode (lambda/organization/scan-item.ts): the options from the run-time settings (lib/settings.ts:
 * profile, expiry days, concurrency, caFiles, connect timeout, the edge check), the once-a-day TLS 1.3 re-check
 * (alerting/tls13-check.ts), the deadline and its backstop (deadline-backstop.ts), and each origin logged once as it
 * finishes (run-logging.ts originLine). The callers differ only in where the targets and the schedule come from.
 */
import type { RunSettings } from '../../lib/settings';
import { getProfile } from '../cloudfront/client-profile';
import { LOG } from '../contract';
import type { OriginReport, OriginTarget, ScanReport } from '../model';
import type { ScanOptions } from '../pipeline';
import type { EdgeProbe } from '../probe/edge';
import { type Deadline, scanWithBackstop } from './deadline-backstop';
import { type LoggerLike, originLine } from './run-logging';

/** The settings the scan reads (the rest of RunSettings is the alerting's). */
export type ScanSettings = Pick<RunSettings, 'profile' | 'expiryWarningDays' | 'scanConcurrency' | 'caFiles' | 'connectTimeoutMs' | 'edgeCheck'>;

export interface ScanRunInput {
  settings: ScanSettings;
  targets: OriginTarget[];
  scan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport>;
  /** Which TLS 1.3 origins are asked again without TLS 1.3 this run (tls13CheckSchedule(...).due). */
  checkWithoutTls13: (target: OriginTarget) => boolean;
  /** None outside Lambda. */
  limits?: Deadline;
  /** The edge check's request (when settings.edgeCheck); the real one, to the distribution's domain, by default. */
  edgeProbe?: EdgeProbe;
  startedAt: Date;
  now(): Date;
  logger: LoggerLike;
  /** Fields put before each origin's LOG.ORIGIN_RESULT line (the organization: its accountId). */
  lineFields?: Record<string, unknown>;
}

/** The pipeline's options for a run, from the settings. */
export function scanOptions(settings: ScanSettings, run: Pick<ScanRunInput, 'checkWithoutTls13' | 'edgeProbe' | 'now'> & { deadline?: number; onOrigin?: (o: OriginReport) => void }): ScanOptions {
  return {
    profile: getProfile(settings.profile),
    expiryWarningDays: settings.expiryWarningDays,
    concurrency: settings.scanConcurrency,
    ...(settings.caFiles.length ? { caFiles: [...settings.caFiles] } : {}),
    ...(settings.connectTimeoutMs ? { connectTimeoutMs: settings.connectTimeoutMs } : {}),
    ...(run.deadline !== undefined ? { deadline: run.deadline } : {}),
    ...(settings.edgeCheck ? { edge: run.edgeProbe ? { probe: run.edgeProbe } : {} } : {}),
    checkWithoutTls13: run.checkWithoutTls13,
    now: run.now,
    ...(run.onOrigin ? { onOrigin: run.onOrigin } : {}),
  };
}

/** Scans the targets, logging each origin as it finishes (so a run that dies late has still said what it saw). */
export async function scanRun(input: ScanRunInput): Promise<ScanReport> {
  const { logger, limits } = input;
  const finished = new Map<string, OriginReport>();
  const logOrigin = (o: OriginReport) => {
    if (finished.has(o.key)) return;
    finished.set(o.key, o);
    logger.info(LOG.ORIGIN_RESULT, { ...input.lineFields, ...originLine(o) });
  };
  const options = scanOptions(input.settings, {
    checkWithoutTls13: input.checkWithoutTls13,
    ...(input.edgeProbe ? { edgeProbe: input.edgeProbe } : {}),
    now: input.now,
    ...(limits ? { deadline: limits.deadline } : {}),
    onOrigin: logOrigin,
  });
  const report = await scanWithBackstop({
    scanning: input.scan(input.targets, options),
    targets: input.targets,
    options,
    backstopAt: limits?.backstopAt,
    finished,
    startedAt: input.startedAt,
    now: input.now,
    logger,
  });
  for (const o of report.origins) logOrigin(o);
  return report;
}
