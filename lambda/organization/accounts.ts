/**
 * The accounts to scan, from AWS Organizations (the SDK's paginators), and the Distributed Map's items: one per
 * account, or one per chunk of origins when the previous run found the account large.
 *
 * Whole organization (no OUs given, or the root id): ListAccounts. Chosen OUs: the accounts of each OU and of every
 * OU below it (ListAccountsForParent, ListOrganizationalUnitsForParent), which is where the StackSet deploys the
 * member role. Only ACTIVE accounts (suspended and closing accounts cannot be scanned and are not listed).
 */
import {
  type Account,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { pageBound } from '../inventory/page-bound';
import type { OrgAccount, ScanItem } from './model';

const active = (a: Account) => (a.State ?? a.Status) === 'ACTIVE';
const toAccount = (a: Account): OrgAccount => ({ id: a.Id!, ...(a.Name ? { name: a.Name } : {}) });

/** Root ids (`r-...`) mean the whole organization. */
export const isRoot = (id: string) => /^r-[0-9a-z]{4,32}$/.test(id);

export async function listAccounts(client: OrganizationsClient, parents: readonly string[] = []): Promise<OrgAccount[]> {
  const found = new Map<string, OrgAccount>();
  const keep = (a: Account) => {
    if (a.Id && active(a) && !found.has(a.Id)) found.set(a.Id, toAccount(a));
  };
  if (parents.length === 0 || parents.some(isRoot)) {
    // Bounded as every listing is (page-bound.ts): a repeated or endless NextToken is an error, not a hang.
    const pages = pageBound('ListAccounts', 'NextToken');
    for await (const page of paginateListAccounts({ client }, {})) {
      pages.page();
      for (const a of page.Accounts ?? []) keep(a);
      pages.next(page.NextToken);
    }
  } else {
    const queue = [...new Set(parents)];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const parent = queue.shift()!;
      const accountPages = pageBound(`ListAccountsForParent ${parent}`, 'NextToken');
      for await (const page of paginateListAccountsForParent({ client }, { ParentId: parent })) {
        accountPages.page();
        for (const a of page.Accounts ?? []) keep(a);
        accountPages.next(page.NextToken);
      }
      const unitPages = pageBound(`ListOrganizationalUnitsForParent ${parent}`, 'NextToken');
      for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent })) {
        unitPages.page();
        for (const ou of page.OrganizationalUnits ?? []) {
          if (ou.Id && !seen.has(ou.Id)) {
            seen.add(ou.Id);
            queue.push(ou.Id);
          }
        }
        unitPages.next(page.NextToken);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** What the last run learnt about each account: its origins, and whether a chunk ran out of time. */
export type AccountSizes = Record<string, { targets: number; notReached: number }>;

export interface PlanOptions {
  /** Origins per Map item. */
  chunkOrigins: number;
  /** Accounts never scanned (excludeAccounts). */
  exclude?: readonly string[];
}

/**
 * One item per account; an account that had more than `chunkOrigins` origins last run gets ceil(origins/chunk)
 * items, doubled when a chunk did not finish before its deadline (so a slow account spreads out by itself). A new
 * account has one item: its first run tells how large it is.
 */
export function planItems(accounts: readonly OrgAccount[], sizes: AccountSizes, options: PlanOptions): { items: ScanItem[]; excluded: string[] } {
  const exclude = new Set(options.exclude ?? []);
  const items: ScanItem[] = [];
  const excluded: string[] = [];
  for (const a of accounts) {
    if (exclude.has(a.id)) {
      excluded.push(a.id);
      continue;
    }
    const size = sizes[a.id];
    let chunks = size ? Math.max(1, Math.ceil(size.targets / Math.max(1, options.chunkOrigins))) : 1;
    if (size && size.notReached > 0) chunks *= 2;
    chunks = Math.min(chunks, MAX_CHUNKS);
    for (let chunk = 0; chunk < chunks; chunk++) {
      items.push({ accountId: a.id, ...(a.name ? { accountName: a.name } : {}), chunk, chunks });
    }
  }
  return { items, excluded };
}

/** Most chunks per account: CloudFront's default quota is 200 distributions per account (500 with an increase). */
export const MAX_CHUNKS = 64;

/** FNV-1a, 32 bits: a stable spread of distributions over chunks. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The chunk an origin belongs to: by its distribution, so a distribution's origins (and an origin group's primary
 * and secondary) are always scanned together.
 */
export function chunkOf(target: { distributionId?: string; key: string }, chunks: number): number {
  return chunks <= 1 ? 0 : fnv1a(target.distributionId ?? target.key) % chunks;
}
