/**
 * What the organization construct (lib/organization/) and its Lambda functions (lambda/organization/) agree on:
 * environment variables and metric names. The scan settings shared with the single-account monitor (profile,
 * expiry days, reminders, suppressions, ...) use the same variables as it does (lambda/contract.ts ENV).
 */
export const ORG_ENV = {
  BUCKET: 'ORG_RUN_BUCKET',
  /** The member role's ARN with `{accountId}` in place of the account, e.g. arn:aws:iam::{accountId}:role/Name. */
  MEMBER_ROLE_ARN: 'ORG_MEMBER_ROLE_ARN',
  /** Comma-separated OU or root ids; empty = the whole organization. */
  PARENTS: 'ORG_PARENTS',
  EXCLUDE_ACCOUNTS: 'ORG_EXCLUDE_ACCOUNTS',
  CHUNK_ORIGINS: 'ORG_CHUNK_ORIGINS',
  /** Named in the digest: where the run history is. */
  STATE_MACHINE_NAME: 'ORG_STATE_MACHINE_NAME',
  /** The state machine's timeout, seconds: the run lock expires that long after a run started (run-lock.ts). */
  RUN_TIMEOUT_SECONDS: 'ORG_RUN_TIMEOUT_SECONDS',
  /** The functions' log group, named in the digest. */
  LOG_GROUP: 'ORG_LOG_GROUP_NAME',
} as const;

/** The organization monitor's metrics carry this `service` dimension (apart from a single-account monitor's). */
export const ORG_SERVICE = 'cloudfront-origin-monitor-organization';
export const ORG_METRIC_DIMENSIONS = { service: ORG_SERVICE } as const;

export const ORG_METRICS = {
  ACCOUNTS_LISTED: 'AccountsListed',
  ACCOUNTS_SCANNED: 'AccountsScanned',
  ACCOUNTS_NOT_SCANNED: 'AccountsNotScanned',
} as const;

/** State partitions in the alert table: origin findings as in the single-account monitor, and account problems. */
export const ACCOUNT_STATE_PARTITION = 'account';

/** The run lock's item in the alert table (run-lock.ts): one organization run at a time. */
export const RUN_LOCK_KEY = { pk: 'run-lock', sk: 'organization-run' } as const;
