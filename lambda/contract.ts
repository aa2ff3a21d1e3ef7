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
} as const;

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
  ALERTS_PUBLISHED: 'AlertDigestsPublished',
} as const;

/** Log lines the dashboard's Logs Insights query reads. */
export const LOG = {
  ORIGIN_RESULT: 'origin result',
  SCAN_SUMMARY: 'scan summary',
} as const;

export interface Suppression {
  distributionId: string;
  originId?: string;
  code?: string;
  /** ISO date or date-time; the suppression stops applying after it. */
  until: string;
  reason: string;
}
