/**
 * The once-a-day TLS 1.3 re-check (alerting/tls13-check.ts) across the organization. PURE.
 *
 * The reduce step owns the times, in the alert state (`tls13Checks`, origin keys carrying the account, stored as
 * the single-account monitor stores them). Each worker needs its account's times before it scans, without reading
 * the whole alert table: after saving the state, the reduce step copies each account's times whose value changed to
 * the run bucket (KEYS.tls13Checks(account)), and the worker reads that one object (none yet, or unreadable: every
 * origin is due, with a warning when unreadable).
 * The worker answers with the times of its chunk (asked now, or as they were), which the reduce step merges here.
 */
import { accountKey, accountOfKey, type ItemResult, type Tls13Checks } from './model';

export interface AccountChecks {
  id: string;
  /** Every item left a result, none reported a problem, none ran out of time. */
  complete: boolean;
  results: readonly (ItemResult | undefined)[];
}

/**
 * The next times: an account scanned completely has exactly what its items report (its origins gone are dropped,
 * as in one account); one not (fully) scanned keeps its previous times under what its items did report; an account
 * no longer listed (left the organization, excluded) is dropped.
 */
export function mergeTls13Checks(previous: Tls13Checks, accounts: readonly AccountChecks[]): Tls13Checks {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const next: Tls13Checks = {};
  for (const [key, at] of Object.entries(previous)) {
    const account = byId.get(accountOfKey(key) ?? '');
    if (account && !account.complete) next[key] = at;
  }
  for (const a of accounts) {
    for (const r of a.results) for (const [key, at] of Object.entries(r?.tls13Checks ?? {})) next[accountKey(a.id, key)] = at;
  }
  return next;
}

/** One account's times, keys without the account, in key order. */
function perAccount(checks: Tls13Checks): Map<string, Tls13Checks> {
  const out = new Map<string, Tls13Checks>();
  for (const key of Object.keys(checks).sort()) {
    const id = accountOfKey(key);
    if (!id) continue;
    let m = out.get(id);
    if (!m) out.set(id, (m = {}));
    m[key.slice(id.length + 1)] = checks[key];
  }
  return out;
}

/** The accounts (of `listed`) whose times changed, with their new times: the objects the reduce step writes. */
export function changedAccountChecks(previous: Tls13Checks, next: Tls13Checks, listed: Iterable<string>): Map<string, Tls13Checks> {
  const before = perAccount(previous);
  const after = perAccount(next);
  const changed = new Map<string, Tls13Checks>();
  for (const id of listed) {
    const b = before.get(id) ?? {};
    const a = after.get(id) ?? {};
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.set(id, a);
  }
  return changed;
}
