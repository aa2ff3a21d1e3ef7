/**
 * The first step: the run lock (run-lock.ts: one run at a time), then the organization's accounts -> the Distributed
 * Map's items, written to the run bucket (the Map reads them with its S3 ItemReader, so the state's 256 KB payload
 * limit never bounds the organization's size). A run that finds the previous one still running ends at once.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { ORG_RUN_TIMEOUT_MINUTES } from '../../lib/settings';
import { type AccountSizes, listAccounts, planItems } from './accounts';
import { KEYS, type ListEvent, type ListOutput, type OrgAccount, type SkippedRun } from './model';
import type { RunLock } from './run-lock';
import type { RunStore } from './run-store';

export interface PlanDeps {
  listAccounts(): Promise<OrgAccount[]>;
  store: RunStore;
  bucket: string;
  chunkOrigins: number;
  excludeAccounts: readonly string[];
  logger: { info: (message: string, ...extra: Record<string, unknown>[]) => void; warn: (message: string, ...extra: Record<string, unknown>[]) => void };
  /** One run at a time; none: no guard (tests that run steps by hand). */
  lock?: RunLock;
  /** The state machine's timeout: the lock expires that long after the execution started (none: lib/settings.ts ORG_RUN_TIMEOUT_MINUTES.default). */
  runTimeoutMs?: number;
  now?: () => Date;
}

export async function planRun(event: ListEvent, deps: PlanDeps): Promise<ListOutput | SkippedRun> {
  if (!event?.runId || !/^[\w-]{1,80}$/.test(event.runId)) throw new Error(`runId must be the execution name (letters, digits, - and _), got ${JSON.stringify(event?.runId)}`);
  if (deps.lock) {
    const now = deps.now?.() ?? new Date();
    const startedAt = event.startedAt && Number.isFinite(Date.parse(event.startedAt)) ? new Date(event.startedAt) : now;
    const timeout = deps.runTimeoutMs ?? ORG_RUN_TIMEOUT_MINUTES.default * 60_000;
    const lock = await deps.lock.acquire(event.runId, startedAt, new Date(startedAt.getTime() + timeout), now);
    if (!lock.acquired) {
      deps.logger.warn('run skipped: the previous run is still running', { runId: event.runId, heldBy: lock.holder, since: lock.startedAt, expiresAt: lock.expiresAt });
      return { runId: event.runId, skipped: true, heldBy: lock.holder, since: lock.startedAt, expiresAt: lock.expiresAt };
    }
  }
  const accounts = await deps.listAccounts();
  const sizes = (await deps.store.getJson<AccountSizes>(KEYS.SIZES)) ?? {};
  const { items, excluded } = planItems(accounts, sizes, { chunkOrigins: deps.chunkOrigins, exclude: deps.excludeAccounts });
  const itemsKey = KEYS.items(event.runId);
  await deps.store.putJson(itemsKey, items);
  deps.logger.info('run planned', { runId: event.runId, accounts: accounts.length, excluded: excluded.length, items: items.length });
  return { runId: event.runId, skipped: false, bucket: deps.bucket, itemsKey, accounts: accounts.length - excluded.length, items: items.length, excluded: excluded.length };
}

export { listAccounts };
export type { OrganizationsClient };
