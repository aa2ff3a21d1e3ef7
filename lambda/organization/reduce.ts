/**
 * The reduce step: every item's result -> one alert decision for the organization -> ONE digest -> SNS -> state.
 *
 *   items.json + results/<account>/<chunk>.json
 *     -> per account: its origins (chunks merged), or the reason it was not scanned
 *     -> decide (lambda/alerting/policy.ts, the single-account rules: new, confirmRuns, reminders, RESOLVED,
 *        suppressions, expiry thresholds) over all origins at once; an account not (fully) scanned keeps its
 *        findings as they were (absence is not recovery)
 *     -> decideAccounts: an account not scanned is news once, and RESOLVED when it is scanned again
 *     -> the workers' TLS 1.3 re-check copies -> buildOrgDigest -> publish -> save both states -> the sizes the
 *        next run chunks by -> metrics
 *
 * As in the single-account handler the state moves on only once the news is out: a failed publish fails the run
 * (the failed-run alarm) and the same news goes out next run.
 */
import { decide, observe, type AlertState, type Observation } from '../alerting/policy';
import type { Publisher } from '../alerting/publish';
import type { StateStore } from '../alerting/state-store';
import type { Suppression } from '../contract';
import { LOG, METRICS } from '../contract';
import type { OriginReport } from '../model';
import { assembleReport } from '../pipeline';
import { addScanMetrics, alertItemLine, type LoggerLike, type MetricsLike, UNIT } from '../run/run-logging';
import { mapLimit } from '../util/limiter';
import { decideAccounts } from './account-policy';
import type { AccountSizes } from './accounts';
import { ORG_METRICS } from './contract';
import { type AccountProblem, accountOfKey, type ItemResult, KEYS, type ReduceEvent, type ScanItem } from './model';
import { buildOrgDigest } from './org-digest';
import type { RunStore } from './run-store';
import type { RunLock } from './run-lock';
import { changedAccountChecks, mergeTls13Checks } from './tls13-checks';


export interface ReduceSettings {
  profile: string;
  confirmRuns: number;
  reminderHours: number;
  suppressions: Suppression[];
  stateMachineName?: string;
  logGroupName?: string;
}

export interface ReduceDeps {
  settings: ReduceSettings;
  store: RunStore;
  originState: StateStore;
  accountState: StateStore;
  publisher: Publisher;
  logger: LoggerLike;
  metrics: MetricsLike;
  now(): Date;
  /** One run at a time (run-lock.ts): confirmed before anything is published or saved, released at the end. */
  lock?: RunLock;
}

export interface ReduceResult {
  runId: string;
  accounts: number;
  scanned: number;
  notScanned: number;
  origins: number;
  news: number;
  accountNews: number;
  published: boolean;
  subject?: string;
  messageId?: string;
  digestBytes?: number;
  included?: number;
  brief?: number;
  omitted?: number;
}

/** Results read from S3 at once. */
const READ_CONCURRENCY = 32;

interface AccountRun {
  id: string;
  name?: string;
  items: ScanItem[];
  results: (ItemResult | undefined)[];
}

export async function reduceRun(event: ReduceEvent, deps: ReduceDeps): Promise<ReduceResult> {
  const { settings, logger, metrics } = deps;
  const items = await deps.store.getJson<ScanItem[]>(event.itemsKey);
  if (!items) throw new Error(`the run's item list ${event.itemsKey} is missing from the run bucket`);
  const results = await mapLimit(items, READ_CONCURRENCY, (item) => deps.store.getJson<ItemResult>(KEYS.result(event.runId, item)));

  // Per account, in the lister's order.
  const accounts = new Map<string, AccountRun>();
  items.forEach((item, i) => {
    let a = accounts.get(item.accountId);
    if (!a) accounts.set(item.accountId, (a = { id: item.accountId, ...(item.accountName ? { name: item.accountName } : {}), items: [], results: [] }));
    a.items.push(item);
    a.results.push(results[i]);
  });

  const origins: OriginReport[] = [];
  const notScannedKeys: string[] = [];
  const problems = new Map<string, { name?: string; problem: AccountProblem }>();
  const incompleteAccounts = new Set<string>();
  const sizes: AccountSizes = {};
  let startedAt: string | undefined;
  for (const a of accounts.values()) {
    const missing = a.results.filter((r) => r === undefined).length;
    const failed = a.results.find((r) => r?.problem)?.problem;
    let notReached = 0;
    let targets = 0;
    for (const r of a.results) {
      if (!r?.report) continue;
      origins.push(...r.report.origins);
      if (r.report.incomplete) notScannedKeys.push(...r.report.incomplete.notScanned);
      notReached += r.report.incomplete?.notScanned.length ?? 0;
      targets = Math.max(targets, r.accountTargets ?? 0);
      if (!startedAt || r.report.startedAt < startedAt) startedAt = r.report.startedAt;
    }
    if (failed) {
      problems.set(a.id, { ...(a.name ? { name: a.name } : {}), problem: failed });
    } else if (missing > 0) {
      problems.set(a.id, {
        ...(a.name ? { name: a.name } : {}),
        problem: {
          code: 'SCAN_FAILED',
          message: `${missing} of ${plural(a.items.length, 'item')} left no result: the worker failed after its retries (see run ${event.runId} in the Step Functions console and the worker's logs).`,
        },
      });
    }
    if (failed || missing > 0 || notReached > 0) incompleteAccounts.add(a.id);
    if (!failed && targets > 0) sizes[a.id] = { targets, notReached };
  }

  const [previous, previousAccounts] = await Promise.all([deps.originState.load(), deps.accountState.load()]);

  // What an account not fully scanned had is not known to be fixed: its unseen records stay as they were.
  const seen = new Set(origins.map((o) => o.key));
  const kept = Object.values(previous.findings)
    .filter((r) => !seen.has(r.originKey) && incompleteAccounts.has(accountOfKey(r.originKey) ?? ''))
    .map((r) => r.originKey);

  const now = deps.now();
  const report = assembleReport({
    profile: settings.profile,
    startedAt: startedAt ?? now.toISOString(),
    durationMs: startedAt ? now.getTime() - Date.parse(startedAt) : 0,
    origins,
    notReached: { keys: notScannedKeys, reason: 'an item reached its deadline' },
  });
  // Completeness is per account here (an account that was not reached says so above); origins absent from a fully
  // scanned account are gone (removed, or excluded), as they are in a single-account scan.
  const observation: Observation = { ...observe(report), incomplete: false, notReached: [...notScannedKeys, ...kept] };
  const policy = { confirmRuns: settings.confirmRuns, reminderHours: settings.reminderHours, suppressions: settings.suppressions };
  const decision = decide(previous, observation, policy, now);
  decision.nextState.tls13Checks = mergeTls13Checks(
    previous.tls13Checks ?? {},
    [...accounts.values()].map((a) => ({ id: a.id, complete: !incompleteAccounts.has(a.id), results: a.results })),
  );
  const accountDecision = decideAccounts(previousAccounts, problems, new Set(accounts.keys()), now);

  const s = report.summary;
  const scanned = accounts.size - problems.size;
  logger.info(LOG.SCAN_SUMMARY, {
    runId: event.runId,
    accounts: accounts.size,
    scannedAccounts: scanned,
    notScannedAccounts: problems.size,
    items: items.length,
    ...s,
    durationMs: report.durationMs,
  });
  for (const a of accountDecision.open) logger.warn('account not scanned', { accountId: a.accountId, code: a.code, problem: a.message, since: a.since });
  for (const a of accountDecision.news) if (a.kind === 'resolved') logger.info('account scanned again', { accountId: a.accountId, code: a.code, since: a.since, resolution: a.resolution ?? null });
  if (decision.suppressed.length > 0) logger.info('findings suppressed from alerts', { suppressed: decision.suppressed });
  for (const item of decision.news) {
    logger.info('alert item', { accountId: accountOfKey(item.originKey) ?? null, ...alertItemLine(item) });
  }

  const result: ReduceResult = {
    runId: event.runId,
    accounts: accounts.size,
    scanned,
    notScanned: problems.size,
    origins: s.origins,
    news: decision.news.length,
    accountNews: accountDecision.news.length,
    published: false,
  };
  try {
    // A run that outlived its timeout (a later run may have taken over) publishes and saves nothing.
    if (deps.lock && !(await deps.lock.confirm(event.runId, deps.now()))) {
      throw new Error(`run ${event.runId} no longer holds the run lock (it ran past the state machine's timeout, and the lock expired): nothing published, the alert state left to the next run`);
    }
    // The workers' copy of the TLS 1.3 re-check times, per account, where they changed (tls13-checks.ts): written
    // before anything is published or saved. A copy that fails fails the step while the saved state still has the old
    // times, so the retry (or the next run) finds the same change and writes it again; written after the state, the
    // retry would find no change and leave the copy stale.
    const changedChecks = changedAccountChecks(previous.tls13Checks ?? {}, decision.nextState.tls13Checks, accounts.keys());
    await mapLimit([...changedChecks], READ_CONCURRENCY, ([id, checks]) => deps.store.putJson(KEYS.tls13Checks(id), checks));
    if (decision.news.length > 0 || accountDecision.news.length > 0) {
      const digest = buildOrgDigest({
        items: decision.news,
        accountNews: accountDecision.news,
        notScanned: accountDecision.open,
        accountNames: new Map([...accounts.values()].map((a) => [a.id, a.name])),
        accounts: { listed: accounts.size, scanned },
        summary: s,
        startedAt: report.startedAt,
        durationMs: report.durationMs,
        profile: settings.profile,
        runId: event.runId,
        ...(settings.stateMachineName ? { stateMachineName: settings.stateMachineName } : {}),
        ...(settings.logGroupName ? { logGroupName: settings.logGroupName } : {}),
        now,
        policy,
        suppressed: decision.suppressed.length,
        pending: decision.pending.length,
      });
      result.subject = digest.subject;
      try {
        result.messageId = (await deps.publisher.publish(digest)).messageId;
      } catch (e) {
        logger.error('alert digest not published; the state is kept, so the same news goes out next run', { subject: digest.subject, error: (e as Error).message });
        throw new Error(`alert digest not published: ${(e as Error).message}`, { cause: e });
      }
      result.published = true;
      Object.assign(result, { digestBytes: digest.envelopeBytes, included: digest.included, brief: digest.brief, omitted: digest.omitted });
      logger.info('alert digest published', { subject: digest.subject, messageId: result.messageId ?? null, bytes: digest.envelopeBytes, included: digest.included, brief: digest.brief, omitted: digest.omitted });
    }
    await deps.originState.save(decision.nextState, previous);
    await deps.accountState.save(accountDecision.nextState, previousAccounts);
    const previousSizes = (await deps.store.getJson<AccountSizes>(KEYS.SIZES)) ?? {};
    // An account not scanned this run keeps its last known size.
    for (const id of problems.keys()) if (previousSizes[id]) sizes[id] = previousSizes[id];
    await deps.store.putJson(KEYS.SIZES, sizes);

    metrics.addMetric(ORG_METRICS.ACCOUNTS_LISTED, UNIT.COUNT, accounts.size);
    metrics.addMetric(ORG_METRICS.ACCOUNTS_SCANNED, UNIT.COUNT, scanned);
    metrics.addMetric(ORG_METRICS.ACCOUNTS_NOT_SCANNED, UNIT.COUNT, problems.size);
    addScanMetrics(report, metrics);
    // Origins the monitor could not check (its own fault): counted for the origins-not-checked alarm, never origin news.
    metrics.addMetric(METRICS.ORIGINS_UNCHECKED, UNIT.COUNT, s.unchecked);
    metrics.addMetric(METRICS.ALERTS_PUBLISHED, UNIT.COUNT, result.published ? 1 : 0);
    metrics.addMetric(METRICS.SCAN_COMPLETED, UNIT.COUNT, 1);
    await deps.lock?.release(event.runId);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/** For tests and the benchmark: an empty state. */
export const noState = (): AlertState => ({ findings: {} });
