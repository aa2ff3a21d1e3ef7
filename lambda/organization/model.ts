/**
 * The organization mode's data: what the account lister hands the Distributed Map (one item per account, or per
 * chunk of a large account), what each item's worker writes to S3, and where everything lives in the run bucket.
 *
 *   runs/<runId>/items.json                      the Map's items (read by its S3 ItemReader, and by the reduce step)
 *   runs/<runId>/results/<accountId>/<chunk>.json one ItemResult per item
 *   runs/<runId>/map/...                          the Map's own result manifest (Step Functions ResultWriter)
 *   state/account-sizes.json                      origins per account at the last run (how the next run chunks)
 *   state/tls13-checks/<accountId>.json           the account's TLS 1.3 re-check times, for its workers (a copy of
 *                                                 the alert state's, written by the reduce step)
 */
import type { ScanReport } from '../model';

export interface OrgAccount {
  id: string;
  name?: string;
}

/** One Distributed Map item: an account, or chunk `chunk` (0-based) of `chunks` of it. */
export interface ScanItem {
  accountId: string;
  accountName?: string;
  chunk: number;
  chunks: number;
}

/** Why an account (or one of its chunks) could not be scanned. The monitor's own problem, never an origin's. */
export type AccountProblemCode = 'ROLE_NOT_ASSUMABLE' | 'ACCESS_DENIED' | 'SCAN_FAILED';

export interface AccountProblem {
  code: AccountProblemCode;
  /** One line a person can act on. */
  message: string;
}

export const PROBLEM_TITLES: Record<AccountProblemCode, string> = {
  ROLE_NOT_ASSUMABLE: 'member role missing or not assumable',
  ACCESS_DENIED: 'member role may not read CloudFront',
  SCAN_FAILED: 'scan failed',
};

/** What one item's worker writes (results/<accountId>/<chunk>.json). */
export interface ItemResult {
  schemaVersion: 1;
  item: ScanItem;
  /** Origins of the whole account (every chunk lists them all), for sizing the next run. */
  accountTargets?: number;
  /** Present when the item could not be scanned. */
  problem?: AccountProblem;
  /**
   * The chunk's scan, slimmed for the reduce step: probe facts dropped (only `notProbed`, which the alert policy
   * reads, is kept), origin keys prefixed with the account id (`<accountId>/<distributionId>/<originId>`).
   */
  report?: ScanReport;
  /**
   * When each TLS 1.3 origin of the chunk was last asked without TLS 1.3 (origin key without the account -> ISO
   * time): those asked this run at the item's start, the others as the run bucket had them.
   */
  tls13Checks?: Tls13Checks;
}

/** Origin key (without the account) -> when it was last asked without TLS 1.3 (alerting/tls13-check.ts). */
export type Tls13Checks = Record<string, string>;

export interface ListOutput {
  runId: string;
  skipped: false;
  bucket: string;
  itemsKey: string;
  accounts: number;
  items: number;
  excluded: number;
}

/** A run that found the previous one still running (it holds the run lock, run-lock.ts): it ends at once. */
export interface SkippedRun {
  runId: string;
  skipped: true;
  /** The run (execution name) holding the lock, since when, and when its lock expires. */
  heldBy: string;
  since: string;
  expiresAt: string;
}

/** The lister's event: the execution's name and start time ($$.Execution.Name, $$.Execution.StartTime). */
export interface ListEvent {
  runId: string;
  startedAt?: string;
}

export interface WorkerEvent {
  runId: string;
  item: ScanItem;
}

export interface ReduceEvent {
  runId: string;
  itemsKey: string;
}

/** S3 keys of the run bucket. `runId` is the Step Functions execution name (letters, digits, - and _). */
export const KEYS = {
  RUNS_PREFIX: 'runs/',
  items: (runId: string) => `runs/${runId}/items.json`,
  result: (runId: string, item: Pick<ScanItem, 'accountId' | 'chunk'>) => `runs/${runId}/results/${item.accountId}/${item.chunk}.json`,
  MAP_RESULTS_PREFIX: 'runs/map/',
  SIZES: 'state/account-sizes.json',
  TLS13_CHECKS_PREFIX: 'state/tls13-checks/',
  tls13Checks: (accountId: string) => `state/tls13-checks/${accountId}.json`,
} as const;

/** Origin keys in the organization carry their account: `<accountId>/<key>`. */
export const accountKey = (accountId: string, key: string) => `${accountId}/${key}`;
export function accountOfKey(key: string): string | undefined {
  const m = /^(\d{12})\//.exec(key);
  return m?.[1];
}

export const ACCOUNT_ID = /^\d{12}$/;
