/**
 * When the monitor asks a TLS 1.3 origin a second time, without TLS 1.3 (the TLS13_ONLY info: would CloudFront's
 * legacy profile, at most TLS 1.2, still get through?). That answer changes no status and no alert, so it is not
 * worth a second connection on every run: at most once a day per origin, the time kept in the state table.
 * PURE: the clock is passed in.
 */
import type { OriginTarget } from '../model';
import type { AlertState } from './policy';

export const TLS13_CHECK_INTERVAL_MS = 24 * 3_600_000;
/** A schedule that runs every day at the same minute must not slip to every other day by a few seconds. */
const SLACK_MS = 10 * 60_000;

export interface Tls13CheckSchedule {
  /** For ScanOptions.checkWithoutTls13: true when the origin's last check is older than a day (or there is none). */
  due(target: OriginTarget): boolean;
  /** The times to store after the run: the origins checked now, the others as they were (origins gone dropped). */
  next(targets: readonly OriginTarget[]): Record<string, string>;
}

export function tls13CheckSchedule(previous: AlertState, now: Date): Tls13CheckSchedule {
  const last = previous.tls13Checks ?? {};
  const checked = new Set<string>();
  return {
    due(target) {
      const at = Date.parse(last[target.key] ?? '');
      const due = !Number.isFinite(at) || now.getTime() - at >= TLS13_CHECK_INTERVAL_MS - SLACK_MS || at > now.getTime();
      if (due) checked.add(target.key);
      return due;
    },
    next(targets) {
      const out: Record<string, string> = {};
      for (const t of targets) {
        if (checked.has(t.key)) out[t.key] = now.toISOString();
        else if (last[t.key]) out[t.key] = last[t.key];
      }
      return out;
    },
  };
}
