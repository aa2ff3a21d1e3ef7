/**
 * The alert policy: what of this run's findings is news for the people on call. PURE: no I/O, the clock is passed in.
 *
 *   decide(previousState, observe(report), config, now) => { news, nextState }
 *
 * - identity = (distributionId, originId, sniName, code); addresses and ports are evidence (several findings with the
 *   same identity in one run are one item listing every address);
 * - new critical/warning findings are news once; reachability findings (DNS, port, handshake) only after
 *   `confirmRuns` consecutive runs;
 * - ongoing critical findings are reminded every `reminderHours`;
 * - a finding that disappears is news once as RESOLVED, only if it had been alerted;
 * - CERT_EXPIRING_SOON goes out once per threshold (30, 14, 7, 3, 1 days), again from the top for a new certificate;
 * - suppressions keep findings out of the news (they stay tracked, so the news comes when the suppression expires);
 * - info findings are never news and are not tracked;
 * - origins skipped, not reached before the deadline or only partly probed keep their state: absence is not recovery.
 */
import type { Suppression } from '../contract';
import { lookupFinding, SEVERITY_RANK } from '../diagnosis/findings';
import type { Finding, OriginReport, OriginStatus, ScanReport, Severity } from '../model';
import { identityKey } from './identity';

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

/** What is remembered about one finding identity between runs. Small, no secrets, no evidence beyond one line. */
export interface FindingRecord {
  key: string;
  code: string;
  severity: Severity;
  distributionId?: string;
  originId?: string;
  originKey: string;
  domainName: string;
  sniName?: string;
  /** The distribution tenant of a multi-tenant template's target (part of the identity). */
  tenantId?: string;
  /** First run of the current streak (ISO). */
  firstSeen: string;
  /** Consecutive runs the finding was seen in, capped at confirmRuns (so a steady finding is not rewritten every run). */
  runs: number;
  /** Last time news about it was sent (new, expiry or reminder). Absent: never alerted. */
  alertedAt?: string;
  /** CERT_EXPIRING_SOON: the certificate and the smallest threshold already sent for it. */
  expiry?: { fingerprint: string; stage: number };
  /** The finding's message when it was last alerted (for the RESOLVED line), at most MAX_MESSAGE characters. */
  message: string;
}

export interface AlertState {
  findings: Record<string, FindingRecord>;
  /** Origin key -> when it was last asked without TLS 1.3 (ISO); see tls13-check.ts. Set by the handler. */
  tls13Checks?: Record<string, string>;
}

export const emptyState = (): AlertState => ({ findings: {} });

// ---------------------------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------------------------

export interface PolicyConfig {
  /** Consecutive runs a reachability finding must be seen in before it is alerted. Default 2. */
  confirmRuns: number;
  /** Ongoing critical findings are reminded after this many hours. Default 24. */
  reminderHours: number;
  suppressions: Suppression[];
  /** CERT_EXPIRING_SOON thresholds in days. Default [30, 14, 7, 3, 1]. */
  expiryThresholds?: number[];
}

export const DEFAULT_POLICY: Omit<PolicyConfig, 'suppressions'> & { expiryThresholds: number[] } = {
  confirmRuns: 2,
  reminderHours: 24,
  expiryThresholds: [30, 14, 7, 3, 1],
};

/** Scheduled runs jitter by seconds: a reminder due in less than this is sent now rather than one run late. */
export const REMINDER_SLACK_MS = 5 * 60 * 1000;
/** Stage of an expiry notice sent before the first threshold (EXPIRY_WARNING_DAYS larger than the first threshold). */
export const EARLY_NOTICE_STAGE = 1_000_000;
const MAX_MESSAGE = 300;

// ---------------------------------------------------------------------------------------------------------------
// Observation: the run's findings with their origin context
// ---------------------------------------------------------------------------------------------------------------

export interface OriginContext {
  key: string;
  distributionId?: string;
  distributionDomainName?: string;
  aliases?: string[];
  originId?: string;
  domainName: string;
  status: OriginStatus;
  /** False when the origin was skipped or only partly probed: what is absent is not known to be fixed. */
  complete: boolean;
  /** Path patterns per SNI name and port, to say which paths a finding hits when the finding does not say. */
  sniNames: OriginReport['sniNames'];
  ports: OriginReport['ports'];
  originGroups?: OriginReport['originGroups'];
  /** Staging, tenant, Origin Shield: said in the alert (a staging origin's alert says only staged traffic is hit). */
  paths?: OriginReport['paths'];
}

export interface Observation {
  origins: OriginContext[];
  findings: { origin: OriginContext; finding: Finding }[];
  /** The scan stopped early: origins absent from `origins` were not reached (not removed). */
  incomplete: boolean;
  /** Origin keys (or distribution ids) the scan names as not reached. */
  notReached: string[];
}

export function observe(report: ScanReport): Observation {
  const origins: OriginContext[] = [];
  const findings: Observation['findings'] = [];
  for (const o of report.origins) {
    const ctx: OriginContext = {
      key: o.key,
      distributionId: o.distributionId,
      distributionDomainName: o.distributionDomainName,
      aliases: o.aliases,
      originId: o.originId,
      domainName: o.domainName,
      status: o.status,
      // Skipped or unchecked (the monitor's resolver failed or the probe threw): nothing was seen, so nothing is resolved either.
      complete: o.status !== 'skipped' && o.status !== 'unchecked' && !(o.facts?.notProbed && o.facts.notProbed.length > 0),
      sniNames: o.sniNames,
      ports: o.ports,
      originGroups: o.originGroups,
      ...(o.paths ? { paths: o.paths } : {}),
    };
    origins.push(ctx);
    for (const finding of o.findings) findings.push({ origin: ctx, finding });
  }
  return {
    origins,
    findings,
    incomplete: report.incomplete !== undefined,
    notReached: report.incomplete?.notScanned ?? [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// News
// ---------------------------------------------------------------------------------------------------------------

export type DigestItemKind = 'new' | 'expiry' | 'reminder' | 'resolved';

export interface DigestItem {
  kind: DigestItemKind;
  /** Identity key. */
  key: string;
  code: string;
  title: string;
  severity: Severity;
  distributionId?: string;
  distributionDomainName?: string;
  aliases?: string[];
  originId?: string;
  originKey: string;
  domainName: string;
  sniName?: string;
  /** Every address this identity was seen on in this run (empty for DNS and inventory findings, and for resolved). */
  addresses: string[];
  ports: number[];
  /** Path patterns of the cache behaviors hit (`*` = default behavior). */
  paths: string[];
  message: string;
  why?: string;
  source?: string;
  fix?: string;
  reproduce?: string;
  /** First run of the current streak. */
  firstSeen: string;
  /** Consecutive runs seen (capped at confirmRuns). */
  runs?: number;
  /** Reminders: when it was last sent. */
  lastAlertedAt?: string;
  expiry?: { daysLeft: number; threshold?: number; notAfter?: string; fingerprint256: string };
  /** Resolved: `fixed` (the origin was probed and the finding is gone) or `origin-gone` (no longer in the scan). */
  resolution?: 'fixed' | 'origin-gone';
  originGroups?: OriginReport['originGroups'];
  /** Staging, tenant, Origin Shield of the origin (the report's `paths`). */
  requestPaths?: OriginReport['paths'];
}

export interface Decision {
  news: DigestItem[];
  nextState: AlertState;
  /** Identities muted by a suppression this run (they stay in logs and metrics). */
  suppressed: { key: string; reason: string; until: string }[];
  /** Reachability findings seen but not yet confirmed. */
  pending: string[];
}

/** Most important first: new critical, expiring certificates, new warnings, reminders, resolved. */
function rank(i: DigestItem): number {
  if (i.kind === 'new') return i.severity === 'critical' ? 0 : 2;
  return { expiry: 1, reminder: 3, resolved: 4 }[i.kind];
}

export function sortItems(items: DigestItem[]): DigestItem[] {
  return [...items].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (a.expiry?.daysLeft ?? 0) - (b.expiry?.daysLeft ?? 0) ||
      a.key.localeCompare(b.key),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Suppressions
// ---------------------------------------------------------------------------------------------------------------

/** `until` as the instant the suppression stops applying; a bare date lasts to the end of that day (UTC). */
export function suppressionEnd(until: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(until)) return Date.parse(`${until}T00:00:00Z`) + 24 * 3600 * 1000;
  return Date.parse(until);
}

export function activeSuppression(
  suppressions: readonly Suppression[],
  id: { distributionId?: string; originId?: string; code: string },
  now: Date,
): Suppression | undefined {
  return suppressions.find(
    (s) =>
      s.distributionId === id.distributionId &&
      (s.originId === undefined || s.originId === id.originId) &&
      (s.code === undefined || s.code === id.code) &&
      now.getTime() < suppressionEnd(s.until), // NaN (unparseable) compares false: not applied
  );
}

// ---------------------------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------------------------

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 3)}...`);

interface Group {
  key: string;
  origin: OriginContext;
  findings: Finding[];
  /** The finding that speaks for the group (the worst; for expiry, the soonest to expire). */
  lead: Finding;
  severity: Severity;
}

function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function groupFindings(obs: Observation): Group[] {
  const groups = new Map<string, Group>();
  for (const { origin, finding } of obs.findings) {
    if (finding.severity === 'info') continue;
    const key = identityKey({
      distributionId: origin.distributionId,
      originId: origin.originId,
      originKey: origin.key,
      sniName: finding.sniName,
      code: finding.code,
      ...(origin.paths?.tenant ? { tenantId: origin.paths.tenant.id } : {}),
    });
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { key, origin, findings: [finding], lead: finding, severity: finding.severity });
      continue;
    }
    g.findings.push(finding);
    if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[g.severity]) g.severity = finding.severity;
    const sooner =
      (numberOf(finding.evidence?.daysLeft) ?? Infinity) < (numberOf(g.lead.evidence?.daysLeft) ?? Infinity);
    if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[g.lead.severity] || sooner) g.lead = finding;
  }
  return [...groups.values()];
}

function pathsOf(g: Group): string[] {
  const fromFindings = uniq(g.findings.flatMap((f) => f.behaviors ?? []));
  if (fromFindings.length > 0) return fromFindings;
  const sni = g.lead.sniName ? g.origin.sniNames.find((s) => s.name === g.lead.sniName) : undefined;
  if (sni && sni.behaviors.length > 0) return uniq(sni.behaviors);
  return uniq([
    ...g.origin.sniNames.flatMap((s) => s.behaviors),
    ...g.origin.ports.flatMap((p) => p.behaviors ?? []),
  ]);
}

/** Findings about a certificate's coming expiry: e-mailed again at each threshold crossed (14, 7, 3, 1 days). */
const EXPIRY_CODES = new Set(['CERT_EXPIRING_SOON', 'MTLS_CERT_EXPIRING_SOON']);

function expiryStage(daysLeft: number, thresholds: number[]): number {
  const crossed = thresholds.filter((t) => daysLeft <= t);
  return crossed.length > 0 ? Math.min(...crossed) : EARLY_NOTICE_STAGE;
}

function itemFromGroup(kind: DigestItemKind, g: Group, record: FindingRecord): DigestItem {
  const def = lookupFinding(g.lead.code);
  const item: DigestItem = {
    kind,
    key: g.key,
    code: g.lead.code,
    title: def?.title ?? g.lead.code,
    severity: g.severity,
    distributionId: g.origin.distributionId,
    distributionDomainName: g.origin.distributionDomainName,
    aliases: g.origin.aliases,
    originId: g.origin.originId,
    originKey: g.origin.key,
    domainName: g.origin.domainName,
    sniName: g.lead.sniName,
    addresses: uniq(g.findings.flatMap((f) => f.addresses ?? (f.address ? [f.address] : []))),
    ports: uniq(g.findings.map((f) => f.port).filter((p): p is number => typeof p === 'number')).sort((a, b) => a - b),
    paths: pathsOf(g),
    message: g.lead.message,
    why: g.lead.why,
    source: def?.source,
    fix: g.lead.fix,
    reproduce: g.lead.reproduce,
    firstSeen: record.firstSeen,
    runs: record.runs,
  };
  if (g.origin.originGroups && g.origin.originGroups.length > 0) item.originGroups = g.origin.originGroups;
  if (g.origin.paths) item.requestPaths = g.origin.paths;
  return item;
}

function resolvedItem(r: FindingRecord, resolution: 'fixed' | 'origin-gone'): DigestItem {
  const def = lookupFinding(r.code);
  return {
    kind: 'resolved',
    key: r.key,
    code: r.code,
    title: def?.title ?? r.code,
    severity: r.severity,
    distributionId: r.distributionId,
    originId: r.originId,
    originKey: r.originKey,
    domainName: r.domainName,
    sniName: r.sniName,
    addresses: [],
    ports: [],
    paths: [],
    message: r.message,
    firstSeen: r.firstSeen,
    lastAlertedAt: r.alertedAt,
    resolution,
  };
}

export function decide(previous: AlertState, observation: Observation, config: PolicyConfig, now: Date): Decision {
  const confirmRuns = Math.max(1, Math.floor(config.confirmRuns));
  const reminderMs = config.reminderHours * 3600 * 1000;
  const thresholds = config.expiryThresholds ?? DEFAULT_POLICY.expiryThresholds;
  const nowIso = now.toISOString();

  const news: DigestItem[] = [];
  const next: AlertState = { findings: {} };
  const suppressed: Decision['suppressed'] = [];
  const pending: string[] = [];

  // 1. What is there this run.
  for (const g of groupFindings(observation)) {
    const prev = previous.findings[g.key];
    const def = lookupFinding(g.lead.code);
    const record: FindingRecord = {
      key: g.key,
      code: g.lead.code,
      severity: g.severity,
      distributionId: g.origin.distributionId,
      originId: g.origin.originId,
      originKey: g.origin.key,
      domainName: g.origin.domainName,
      sniName: g.lead.sniName,
      ...(g.origin.paths?.tenant ? { tenantId: g.origin.paths.tenant.id } : {}),
      firstSeen: prev?.firstSeen ?? nowIso,
      runs: Math.min((prev?.runs ?? 0) + 1, confirmRuns),
      message: prev?.message ?? truncate(g.lead.message, MAX_MESSAGE),
    };
    if (prev?.alertedAt) record.alertedAt = prev.alertedAt;
    if (prev?.expiry) record.expiry = prev.expiry;
    next.findings[g.key] = record;

    const suppression = activeSuppression(config.suppressions, record, now);
    if (suppression) {
      suppressed.push({ key: g.key, reason: suppression.reason, until: suppression.until });
      continue;
    }
    if (def?.reachability && record.runs < confirmRuns) {
      pending.push(g.key);
      continue;
    }
    const alert = (kind: DigestItemKind, item = itemFromGroup(kind, g, record)) => {
      if (kind === 'reminder') item.lastAlertedAt = record.alertedAt;
      record.alertedAt = nowIso;
      record.message = truncate(g.lead.message, MAX_MESSAGE);
      news.push(item);
      return item;
    };

    const daysLeft = numberOf(g.lead.evidence?.daysLeft);
    const fingerprint = g.lead.evidence?.fingerprint256;
    if (EXPIRY_CODES.has(g.lead.code) && daysLeft !== undefined && typeof fingerprint === 'string') {
      const stage = expiryStage(daysLeft, thresholds);
      if (!record.expiry || record.expiry.fingerprint !== fingerprint || stage < record.expiry.stage) {
        const item = itemFromGroup('expiry', g, record);
        item.expiry = {
          daysLeft,
          threshold: stage === EARLY_NOTICE_STAGE ? undefined : stage,
          notAfter: typeof g.lead.evidence.notAfter === 'string' ? g.lead.evidence.notAfter : undefined,
          fingerprint256: fingerprint,
        };
        alert('expiry', item);
        record.expiry = { fingerprint, stage };
      }
      continue;
    }
    if (!record.alertedAt) {
      alert('new');
    } else if (g.severity === 'critical' && now.getTime() - Date.parse(record.alertedAt) >= reminderMs - REMINDER_SLACK_MS) {
      alert('reminder');
    }
  }

  // 2. What was there before and is not now.
  const seenOrigins = new Map(observation.origins.map((o) => [o.key, o]));
  const notReached = new Set(observation.notReached);
  for (const r of Object.values(previous.findings)) {
    if (next.findings[r.key]) continue;
    const origin = seenOrigins.get(r.originKey);
    const unreached =
      notReached.has(r.originKey) ||
      (r.distributionId !== undefined && notReached.has(r.distributionId)) ||
      (origin ? !origin.complete : observation.incomplete);
    if (unreached) {
      next.findings[r.key] = r; // not observed: unchanged
      continue;
    }
    // Gone. News only if people were told about it, and not while it is suppressed.
    if (!r.alertedAt) continue;
    // An expiry warning superseded by CERT_EXPIRED did not get better: the CERT_EXPIRED item says it all.
    if (r.code === 'CERT_EXPIRING_SOON') {
      const expiredKey = identityKey({ ...r, code: 'CERT_EXPIRED' });
      if (next.findings[expiredKey]) continue;
    }
    const suppression = activeSuppression(config.suppressions, r, now);
    if (suppression) {
      suppressed.push({ key: r.key, reason: suppression.reason, until: suppression.until });
      continue;
    }
    news.push(resolvedItem(r, origin ? 'fixed' : 'origin-gone'));
  }

  return { news: sortItems(news), nextState: next, suppressed, pending };
}
