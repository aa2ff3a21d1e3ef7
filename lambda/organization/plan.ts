/**
 * The first step: the organization's accounts -> the Distributed Map's items, written to the run bucket (the Map
 * reads them with its S3 ItemReader, so the state's 256 KB payload limit never bounds the organization's size).
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AccountSizes, listAccounts, planItems } from './accounts';
import { KEYS, type ListOutput, type OrgAccount } from './model';
import type { RunStore } from './run-store';

export interface PlanDeps {
  listAccounts(): Promise<OrgAccount[]>;
  store: RunStore;
  bucket: string;
  chunkOrigins: number;
  excludeAccounts: readonly string[];
  logger: { info: (message: string, ...extra: Record<string, unknown>[]) => void };
}

export async function planRun(event: { runId: string }, deps: PlanDeps): Promise<ListOutput> {
  if (!event?.runId || !/^[\w-]{1,80}$/.test(event.runId)) throw new Error(`runId must be the execution name (letters, digits, - and _), got ${JSON.stringify(event?.runId)}`);
  const accounts = await deps.listAccounts();
  const sizes = (await deps.store.getJson<AccountSizes>(KEYS.SIZES)) ?? {};
  const { items, excluded } = planItems(accounts, sizes, { chunkOrigins: deps.chunkOrigins, exclude: deps.excludeAccounts });
  const itemsKey = KEYS.items(event.runId);
  await deps.store.putJson(itemsKey, items);
  deps.logger.info('run planned', { runId: event.runId, accounts: accounts.length, excluded: excluded.length, items: items.length });
  return { runId: event.runId, bucket: deps.bucket, itemsKey, accounts: accounts.length - excluded.length, items: items.length, excluded: excluded.length };
}

export { listAccounts };
export type { OrganizationsClient };
