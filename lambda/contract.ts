/**
 * What the CDK stack and the Lambda handler agree on: environment variables, metric names and log fields.
 * One place, so a rename cannot leave the dashboard or the alarms reading nothing.
 */
export const ENV = {
  TOPIC_ARN: 'ALERT_TOPIC_ARN',
  TABLE_NAME: 'STATE_TABLE_NAME',
  PROFILE: 'TLS_PROFILE',
  EXPIRY_WARNING_DAYS: 'EXPIRY_WARNING_DAYS',
  REMINDER_HOURS: 'REMINDER_HOURS',
  CONFIRM_RUNS: 'CONFIRM_RUNS',
  /** JSON array of Suppression. */
  SUPPRESSIONS: 'SUPPRESSIONS',
  /** Comma-separated distribution ids; empty means all. */
  DISTRIBUTIONS: 'DISTRIBUTIONS',
  EXCLUDE_DISTRIBUTIONS: 'EXCLUDE_DISTRIBUTIONS',
  /** Cap on the per-origin connect timeout, ms. */
  CONNECT_TIMEOUT_MS: 'CONNECT_TIMEOUT_MS',
  CONCURRENCY: 'SCAN_CONCURRENCY',
  /**
   * Comma-separated PEM files of extra trust anchors (e.g. a test CA shipped with the function). The trust store is
   * Mozilla's list as Node bundles it plus these; NODE_EXTRA_CA_CERTS never counts.
   */
  CA_FILES: 'CA_FILES',
  /** `true` or `false`: the request through CloudFront per cache behavior (the edge check). */
  EDGE_CHECK: 'EDGE_CHECK',
  /**
   * `vpc-origins` for the VPC probe function (only VPC origins, probed directly from inside the VPC);
   * `with-vpc-probe` for the main function of a stack that has one (its VPC origins are the VPC probe's to check).
   */
  SCAN_MODE: 'SCAN_MODE',
} as const;

/**
 * Powertools Metrics is created as `new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.SERVICE })`,
 * so every metric carries exactly one dimension, `service` = METRICS.SERVICE. Alarms and the dashboard use the
 * same dimension map (METRIC_DIMENSIONS).
 */
export const METRICS = {
  NAMESPACE: 'CloudFrontOriginMonitor',
  SERVICE: 'cloudfront-origin-monitor',
  /** 1 per completed scan; the "no scan completed" alarm watches it (missing data = breaching). */
  SCAN_COMPLETED: 'ScanCompleted',
  SCAN_DURATION: 'ScanDurationMs',
  ORIGINS_OK: 'OriginsOk',
  ORIGINS_WARNING: 'OriginsWarning',
  ORIGINS_CRITICAL: 'OriginsCritical',
  ORIGINS_SKIPPED: 'OriginsSkipped',
  ORIGINS_NOT_REACHED: 'OriginsNotReached',
  /**
   * Origins not checked (status unchecked): the monitor's DNS resolver failed for them, their probe threw, or the
   * inventory could not read what checking them needs (a distribution, tenants, a VPC origin's settings). The
   * monitor's fault, never an origin's; the "origins not checked" alarm watches it. (Name kept stable for dashboards.)
   */
  ORIGINS_UNCHECKED: 'OriginsUnchecked',
  ALERTS_PUBLISHED: 'AlertDigestsPublished',
} as const;

export const METRIC_DIMENSIONS = { service: 'cloudfront-origin-monitor' } as const;

/**
 * Log lines the dashboard's Logs Insights query reads (Powertools Logger JSON: `message` plus keys).
 * ORIGIN_RESULT keys: distributionId, originId, domainName, status, findingCodes (string[]), critical, warning
 *   e.g. `fields @timestamp, distributionId, originId, domainName, status, findingCodes
 *         | filter message = "origin result" and status != "ok" | sort @timestamp desc`
 * SCAN_SUMMARY keys: origins, ok, warning, critical, skipped, notReached, unchecked, durationMs
 * ORIGINS_NOT_CHECKED keys: unchecked, reasons ({reason: count}, e.g. "resolver failed: ETIMEOUT after 4 tries",
 *   "could not be probed: ...", "the distribution could not be read: ..."), origins (keys, at most 50)
 */
export const LOG = {
  ORIGIN_RESULT: 'origin result',
  SCAN_SUMMARY: 'scan summary',
  /** Once per run in which some origins were not checked: the resolver failed or their probe threw (warn). */
  ORIGINS_NOT_CHECKED: 'origins not checked',
} as const;

/** A suppression: defined by its schema in lib/settings.ts (strict: unknown keys, unknown codes and bad dates are errors). */
export type { Suppression } from '../lib/settings';
