/**
 * Accounts that could not be scanned: news once when it starts (or its cause changes), RESOLVED once when the
 * account is scanned again, never repeated in between (every digest's footer still lists them, and the
 * AccountsNotScanned metric counts them each run). PURE. Kept in its own state partition, in the FindingRecord
 * shape the state store already persists: key `account/<id>`, originKey = the account id, code = the problem.
 */
import type { AlertState, FindingRecord } from '../alerting/policy';
import { type AccountProblem, type AccountProblemCode, PROBLEM_TITLES } from './model';

export interface AccountNews {
  kind: 'new' | 'resolved';
  accountId: string;
  accountName?: string;
  code: AccountProblemCode;
  title: string;
  message: string;
  /** When the problem was first seen. */
  since: string;
  /** Resolved: scanned again, or no longer in the scan (left the organization, excluded). */
  resolution?: 'scanned' | 'no-longer-listed';
}

export interface AccountDecision {
  news: AccountNews[];
  nextState: AlertState;
  /** Every account not scanned this run, with its problem and since when. */
  open: AccountNews[];
}

export const accountStateKey = (accountId: string) => `account/${accountId}`;

export function decideAccounts(
  previous: AlertState,
  problems: ReadonlyMap<string, { name?: string; problem: AccountProblem }>,
  listed: ReadonlySet<string>,
  now: Date,
): AccountDecision {
  const nowIso = now.toISOString();
  const news: AccountNews[] = [];
  const open: AccountNews[] = [];
  const next: AlertState = { findings: {} };
  for (const [accountId, { name, problem }] of problems) {
    const key = accountStateKey(accountId);
    const prev = previous.findings[key];
    const changed = !prev || prev.code !== problem.code;
    const record: FindingRecord = {
      key,
      code: problem.code,
      severity: 'warning',
      originKey: accountId,
      domainName: name ?? accountId,
      firstSeen: changed ? nowIso : prev.firstSeen,
      runs: 1,
      alertedAt: changed ? nowIso : (prev.alertedAt ?? nowIso),
      message: problem.message.slice(0, 300),
    };
    next.findings[key] = record;
    const line: AccountNews = {
      kind: 'new',
      accountId,
      ...(name ? { accountName: name } : {}),
      code: problem.code,
      title: PROBLEM_TITLES[problem.code],
      message: problem.message,
      since: record.firstSeen,
    };
    open.push(line);
    if (changed) news.push(line);
  }
  for (const r of Object.values(previous.findings)) {
    if (next.findings[r.key]) continue;
    const code = r.code as AccountProblemCode;
    news.push({
      kind: 'resolved',
      accountId: r.originKey,
      ...(r.domainName !== r.originKey ? { accountName: r.domainName } : {}),
      code,
      title: PROBLEM_TITLES[code] ?? r.code,
      message: r.message,
      since: r.firstSeen,
      resolution: listed.has(r.originKey) ? 'scanned' : 'no-longer-listed',
    });
  }
  const byId = (a: AccountNews, b: AccountNews) => a.accountId.localeCompare(b.accountId);
  return { news: news.sort((a, b) => (a.kind === b.kind ? byId(a, b) : a.kind === 'new' ? -1 : 1)), nextState: next, open: open.sort(byId) };
}
