/**
 * The organization's digest: ONE SNS message per run with news, grouped by account, built from the same items
 * (lambda/alerting/policy.ts) and the same item renderers (lambda/alerting/digest.ts) as the single-account
 * e-mail. PURE.
 *
 * - First the accounts that could not be scanned (new) and those scanned again (resolved), then one block per
 *   account with news, the worst account first, each with today's sections (new likely-502, certificates expiring,
 *   new warnings, still failing, resolved).
 * - Subject: ASCII, at most 100 characters. The envelope (text twice, JSON three times) stays within SNS's 256 KB:
 *   when everything does not fit, the first items (the worst accounts first) are listed in full within a quarter
 *   of the room, the next ones in brief (one line each: severity, code, where, what) in the rest, and what is left is
 *   summarised per account (counts by kind); when even that list is too long, the accounts left are counted.
 *   Nothing is dropped without being counted.
 */
import { SEVERITY_RANK } from '../diagnosis/findings';
import type { ScanSummary, Severity } from '../model';
import {
  buildSubject,
  digestCounts,
  ENVELOPE_MARGIN,
  envelopeOf,
  fullItem,
  jsonItem,
  omittedCounts,
  reminderItem,
  resolvedLine,
  SNS_MAX_BYTES,
  SUBJECT_MAX,
  utc,
  worstSeverityOf,
  wrap,
} from '../alerting/digest';
import { sortItems, type DigestItem, type DigestItemKind } from '../alerting/policy';
import { uncheckedNote, type Digest } from '../alerting/digest';
import type { AccountNews } from './account-policy';
import { accountOfKey } from './model';

export interface OrgDigestInput {
  /** Origin news of every account (origin keys carry the account id). */
  items: DigestItem[];
  accountNews: AccountNews[];
  /** Every account not scanned this run (for the footer). */
  notScanned: AccountNews[];
  /** Names of the accounts, by id. */
  accountNames: ReadonlyMap<string, string | undefined>;
  accounts: { listed: number; scanned: number };
  summary: ScanSummary;
  startedAt: string;
  durationMs: number;
  profile: string;
  runId: string;
  stateMachineName?: string;
  logGroupName?: string;
  now: Date;
  policy: { confirmRuns: number; reminderHours: number };
  suppressed?: number;
  pending?: number;
  /** Default: 256 KB minus room for the subject and attributes. */
  maxBytes?: number;
}

export interface OrgDigestJson {
  type: 'cloudfront-origin-monitor.organization-digest';
  schemaVersion: 1;
  generatedAt: string;
  runId: string;
  stateMachineName?: string;
  worstSeverity: Severity;
  scan: { startedAt: string; durationMs: number; profile: string; summary: ScanSummary; accounts: { listed: number; scanned: number; notScanned: number } };
  accountNews: AccountNews[];
  accountsNotScanned: { total: number; accounts: AccountNews[] };
  counts: Record<DigestItemKind, number> & { suppressed: number; pending: number };
  items: (DigestItem & { accountId?: string })[];
  /** Items listed in brief (after those in full), when not everything fits. */
  brief?: BriefItem[];
  omitted?: { total: number; accounts: { accountId: string; count: number }[]; accountsNotListed: number } & Partial<Record<DigestItemKind, number>>;
}

export type OrgDigest = Omit<Digest, 'json'> & { json: OrgDigestJson; /** Items listed in brief. */ brief: number };

/** An item in one line: what the JSON message carries for items listed in brief. */
export interface BriefItem {
  accountId: string;
  kind: DigestItemKind;
  key: string;
  code: string;
  severity: Severity;
  distributionId?: string;
  originId?: string;
  domainName: string;
  message: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const count = (items: readonly DigestItem[], kind: DigestItemKind) => items.filter((i) => i.kind === kind).length;
const UNKNOWN = 'unknown-account';
const accountOf = (i: DigestItem) => accountOfKey(i.originKey) ?? UNKNOWN;
/** Most accounts listed by name in the footer and in the per-account summary of what was not listed. */
const MAX_ACCOUNT_LINES = 100;

function label(id: string, names: ReadonlyMap<string, string | undefined>): string {
  const name = names.get(id);
  return name ? `${id} (${name})` : id;
}

/** "2 new likely-502, 1 new warning, 3 still failing, 1 resolved" */
function tally(items: readonly DigestItem[]): string {
  const parts: string[] = [];
  const newCrit = items.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
  const warn = items.filter((i) => i.kind === 'new' && i.severity !== 'critical').length;
  if (newCrit) parts.push(`${newCrit} new likely-502`);
  if (count(items, 'expiry')) parts.push(plural(count(items, 'expiry'), 'cert expiring', 'certs expiring'));
  if (warn) parts.push(plural(warn, 'new warning'));
  if (count(items, 'reminder')) parts.push(`${count(items, 'reminder')} still failing`);
  if (count(items, 'resolved')) parts.push(`${count(items, 'resolved')} resolved`);
  return parts.join(', ');
}

export function buildOrgSubject(items: DigestItem[], accountNews: AccountNews[], accounts: number): string {
  const originPart = buildSubject(items).replace(/^CloudFront origins: /, '');
  const parts = items.length > 0 ? [originPart] : [];
  const down = accountNews.filter((a) => a.kind === 'new').length;
  const up = accountNews.length - down;
  if (down) parts.push(`${plural(down, 'account')} not scanned`);
  if (up) parts.push(`${plural(up, 'account')} scanned again`);
  const subject = `CloudFront origins, ${plural(accounts, 'account')}: ${parts.join(', ') || 'no news'}`.replace(/[^\x20-\x7e]/g, '?');
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
}

/** The worst news first: new likely-502s, then expiring certificates, warnings, reminders, resolved. */
function accountRank(items: readonly DigestItem[]): number[] {
  const newCrit = items.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
  const worst = Math.max(...items.filter((i) => i.kind !== 'resolved').map((i) => SEVERITY_RANK[i.severity]), -1);
  return [-newCrit, -worst, -count(items, 'expiry'), -items.length];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

const SUBSECTIONS: { title: (p: OrgDigestInput['policy']) => string; pick: (i: DigestItem) => boolean }[] = [
  { title: () => 'NEW: CLOUDFRONT LIKELY ANSWERS 502', pick: (i) => i.kind === 'new' && i.severity === 'critical' },
  { title: () => 'CERTIFICATES EXPIRING', pick: (i) => i.kind === 'expiry' },
  { title: () => 'NEW WARNINGS', pick: (i) => i.kind === 'new' && i.severity !== 'critical' },
  { title: (p) => `STILL FAILING (reminder every ${p.reminderHours} h)`, pick: (i) => i.kind === 'reminder' },
  { title: () => 'RESOLVED', pick: (i) => i.kind === 'resolved' },
];

interface Block {
  accountId: string;
  /** In display order (subsection by subsection). */
  items: DigestItem[];
}

function accountBlocks(items: DigestItem[]): Block[] {
  const by = new Map<string, DigestItem[]>();
  for (const i of sortItems(items)) {
    const a = accountOf(i);
    let list = by.get(a);
    if (!list) by.set(a, (list = []));
    list.push(i);
  }
  return [...by.entries()]
    .map(([accountId, list]) => ({ accountId, list, rank: accountRank(list) }))
    .sort((a, b) => compareRanks(a.rank, b.rank) || a.accountId.localeCompare(b.accountId))
    .map(({ accountId, list }) => ({ accountId, items: SUBSECTIONS.flatMap((s) => list.filter(s.pick)) }));
}

const BRIEF_MESSAGE = 160;
const MAX_FULL_ATTEMPT = 300;
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 3)}...`);

function briefOf(i: DigestItem): BriefItem {
  return {
    accountId: accountOf(i),
    kind: i.kind,
    key: i.key,
    code: i.code,
    severity: i.severity,
    ...(i.distributionId ? { distributionId: i.distributionId } : {}),
    ...(i.originId ? { originId: i.originId } : {}),
    domainName: i.domainName,
    message: clip(i.message, BRIEF_MESSAGE),
  };
}

function briefLine(i: DigestItem): string[] {
  const where = i.distributionId ? `${i.distributionId}${i.originId ? ` / ${i.originId}` : ''} -> ${i.domainName}` : i.domainName;
  const what = i.kind === 'resolved' ? 'resolved' : i.kind === 'reminder' ? `still failing: ${clip(i.message, BRIEF_MESSAGE)}` : clip(i.message, BRIEF_MESSAGE);
  return wrap('- ', `${i.kind === 'resolved' ? 'RESOLVED' : i.severity.toUpperCase()} [${i.code}] ${where}: ${what}`, '  ');
}

function renderItem(n: number, item: DigestItem, now: Date): string[] {
  if (item.kind === 'resolved') return resolvedLine(item);
  if (item.kind === 'reminder') return reminderItem(n, item, now);
  return fullItem(n, item, now);
}

function accountNewsLines(a: AccountNews, names: OrgDigestInput['accountNames']): string[] {
  const who = a.accountName ? `${a.accountId} (${a.accountName})` : label(a.accountId, names);
  if (a.kind === 'resolved') {
    const how = a.resolution === 'no-longer-listed' ? 'no longer in the scan (left the organization or excluded)' : 'scanned again';
    return wrap('- ', `${who}: ${how}; it could not be scanned since ${utc(a.since)} (${a.title}).`, '  ');
  }
  return wrap('- ', `${who}: ${a.title} [${a.code}]. ${a.message}`, '  ');
}

function buildText(input: OrgDigestInput, blocks: Block[], fullCount: number, briefCount: number, omitted: DigestItem[]): string {
  const { now, policy } = input;
  const all = blocks.flatMap((b) => b.items);
  const lines: string[] = [];
  const nNewCrit = all.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
  const nReminder = count(all, 'reminder');
  const nWarn = all.filter((i) => i.kind === 'expiry' || (i.kind === 'new' && i.severity !== 'critical')).length;
  const nResolved = count(all, 'resolved');
  if (nNewCrit) lines.push(`${plural(nNewCrit, 'new problem')} ${nNewCrit === 1 ? 'makes' : 'make'} CloudFront answer HTTP 502.`);
  if (nReminder) lines.push(`${plural(nReminder, 'problem')} still failing.`);
  if (nWarn) lines.push(`${plural(nWarn, 'warning')}: 502s to come if nothing is done.`);
  if (nResolved) lines.push(`${nResolved} resolved.`);
  const down = input.accountNews.filter((a) => a.kind === 'new');
  const up = input.accountNews.filter((a) => a.kind === 'resolved');
  if (down.length) lines.push(`${plural(down.length, 'account')} could not be scanned.`);
  lines.push(
    ...wrap(
      '',
      `Organization scan of ${utc(input.startedAt)}: ${plural(input.accounts.listed, 'account')} (${input.accounts.scanned} scanned), ${plural(input.summary.origins, 'origin')}.`,
      '',
    ),
  );
  lines.push('');

  const header = (title: string, underline: string) => [title, underline.repeat(Math.min(title.length, 76))];
  const accountSection = (title: string, news: AccountNews[]) => {
    if (news.length === 0) return;
    lines.push(...header(title, '='), '', ...news.slice(0, MAX_ACCOUNT_LINES).flatMap((a) => accountNewsLines(a, input.accountNames)));
    if (news.length > MAX_ACCOUNT_LINES) lines.push(`- and ${plural(news.length - MAX_ACCOUNT_LINES, 'more account')} (each in the reduce step's logs)`);
    lines.push('');
  };
  accountSection('ACCOUNTS NOT SCANNED', down);
  accountSection('ACCOUNTS SCANNED AGAIN', up);

  let n = 0;
  let fullLeft = fullCount;
  let briefLeft = briefCount;
  for (const b of blocks) {
    if (fullLeft + briefLeft <= 0) break;
    const full = b.items.slice(0, fullLeft);
    fullLeft -= full.length;
    const brief = b.items.slice(full.length, full.length + briefLeft);
    briefLeft -= brief.length;
    const rest = b.items.length - full.length - brief.length;
    lines.push(...header(`ACCOUNT ${label(b.accountId, input.accountNames)}: ${tally(b.items)}`, '='), '');
    for (const s of SUBSECTIONS) {
      const mine = full.filter(s.pick);
      if (mine.length === 0) continue;
      lines.push(...header(s.title(policy), '-'), '');
      for (const i of mine) lines.push(...renderItem(++n, i, now), '');
    }
    if (brief.length > 0) {
      lines.push(...header(full.length > 0 ? 'MORE, IN BRIEF' : 'IN BRIEF (details in the JSON message and the logs)', '-'), '');
      for (const i of brief) lines.push(...briefLine(i));
      lines.push('');
    }
    if (rest > 0) lines.push(`(${plural(rest, 'more item')} for this account: see below)`, '');
  }

  if (omitted.length > 0) {
    const byAccount = new Map<string, DigestItem[]>();
    for (const i of omitted) {
      const a = accountOf(i);
      let list = byAccount.get(a);
      if (!list) byAccount.set(a, (list = []));
      list.push(i);
    }
    const entries = [...byAccount.entries()];
    lines.push(...header('NOT LISTED (too many to fit in one message)', '='), '');
    lines.push(...wrap('', `${plural(omitted.length, 'more item')} in ${plural(entries.length, 'account')}, counted here:`, ''));
    for (const [a, list] of entries.slice(0, MAX_ACCOUNT_LINES)) lines.push(...wrap('- ', `${label(a, input.accountNames)}: ${tally(list)}`, '  '));
    if (entries.length > MAX_ACCOUNT_LINES) {
      const rest = entries.slice(MAX_ACCOUNT_LINES);
      lines.push(`- and ${plural(rest.length, 'more account')} (${plural(rest.reduce((s, [, l]) => s + l.length, 0), 'item')})`);
    }
    lines.push(
      ...wrap(
        '',
        `Every item is in the log group ${input.logGroupName ?? 'of the monitor'} (message "alert item", field accountId).`,
        '',
      ),
      '',
    );
  }

  const s = input.summary;
  lines.push('--');
  lines.push(
    ...wrap(
      '',
      `Scan: ${plural(s.origins, 'origin')}: ${s.ok} ok, ${s.warning} warning, ${s.critical} critical, ${s.skipped} skipped${s.notReached ? `, ${s.notReached} not reached` : ''}${uncheckedNote(s.unchecked)}; ${Math.round(input.durationMs / 1000)} s; TLS profile ${input.profile}.`,
      '',
    ),
  );
  if (input.notScanned.length) {
    const names = input.notScanned.slice(0, 20).map((a) => `${label(a.accountId, input.accountNames)} since ${utc(a.since)}`);
    const more = input.notScanned.length > 20 ? ` and ${input.notScanned.length - 20} more` : '';
    lines.push(
      ...wrap(
        '',
        `Accounts not scanned: ${input.notScanned.length} (${names.join('; ')}${more}). Their findings are kept as they were.`,
        '',
      ),
    );
  }
  if (input.pending) lines.push(...wrap('', `Waiting for confirmation: ${plural(input.pending, 'reachability finding')} (sent after ${policy.confirmRuns} runs in a row).`, ''));
  if (input.suppressed) lines.push(`Suppressed: ${plural(input.suppressed, 'finding')} (still in the logs and metrics).`);
  lines.push(
    ...wrap(
      '',
      `Run ${input.runId}${input.stateMachineName ? ` of ${input.stateMachineName}` : ''}: its history (every account's item, retries, errors) is in the Step Functions console.`,
      '',
    ),
  );
  const open = [...blocks.flatMap((b) => b.items), ...omitted].find((i) => i.kind !== 'resolved' && i.distributionId);
  if (open) {
    const until = new Date(now.getTime() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    lines.push("To silence a finding, add to the monitor's suppressions (-c suppressions=...):");
    lines.push(`  ${JSON.stringify([{ distributionId: open.distributionId, ...(open.originId ? { originId: open.originId } : {}), code: open.code, until, reason: 'ticket OPS-123' }])}`);
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function buildJson(input: OrgDigestInput, shown: DigestItem[], brief: DigestItem[], omitted: DigestItem[], worst: Severity, accountLines: number): OrgDigestJson {
  const all = [...shown, ...brief, ...omitted];
  const json: OrgDigestJson = {
    type: 'cloudfront-origin-monitor.organization-digest',
    schemaVersion: 1,
    generatedAt: input.now.toISOString(),
    runId: input.runId,
    ...(input.stateMachineName ? { stateMachineName: input.stateMachineName } : {}),
    worstSeverity: worst,
    scan: {
      startedAt: input.startedAt,
      durationMs: input.durationMs,
      profile: input.profile,
      summary: input.summary,
      accounts: { ...input.accounts, notScanned: input.notScanned.length },
    },
    accountNews: input.accountNews.slice(0, MAX_ACCOUNT_LINES),
    accountsNotScanned: { total: input.notScanned.length, accounts: input.notScanned.slice(0, MAX_ACCOUNT_LINES) },
    counts: digestCounts(all, input.suppressed, input.pending),
    items: shown.map((i) => ({ ...jsonItem(i), accountId: accountOf(i) })),
    ...(brief.length > 0 ? { brief: brief.map(briefOf) } : {}),
  };
  if (omitted.length > 0) {
    const byAccount = new Map<string, number>();
    for (const i of omitted) byAccount.set(accountOf(i), (byAccount.get(accountOf(i)) ?? 0) + 1);
    const accounts = [...byAccount.entries()].map(([accountId, c]) => ({ accountId, count: c }));
    json.omitted = { total: omitted.length, accounts: accounts.slice(0, accountLines), accountsNotListed: Math.max(0, accounts.length - accountLines), ...omittedCounts(omitted) };
  }
  return json;
}

/** Bytes an item adds to the envelope: its text twice (JSON-escaped), its JSON three times (escaped twice). */
function itemCost(n: number, item: DigestItem, now: Date): number {
  return envelopeCost(`${renderItem(n, item, now).join('\n')}\n\n`, { ...jsonItem(item), accountId: accountOf(item) });
}

function briefCost(item: DigestItem): number {
  return envelopeCost(`${briefLine(item).join('\n')}\n`, briefOf(item));
}

function envelopeCost(text: string, json: unknown): number {
  const j = JSON.stringify(json);
  return 2 * (Buffer.byteLength(JSON.stringify(text)) - 2) + 3 * (Buffer.byteLength(JSON.stringify(j)) - 2) + 3;
}

export function buildOrgDigest(input: OrgDigestInput): OrgDigest {
  const blocks = accountBlocks(input.items);
  const ordered = blocks.flatMap((b) => b.items);
  let worst = worstSeverityOf(ordered);
  // An account that cannot be scanned is the monitor's problem, not an origin's: a warning at most.
  if (worst === 'info' && input.accountNews.some((a) => a.kind === 'new')) worst = 'warning';
  const subject = buildOrgSubject(ordered, input.accountNews, input.accounts.listed);
  const max = input.maxBytes ?? SNS_MAX_BYTES - ENVELOPE_MARGIN;

  const attempt = (full: number, brief = 0) => {
    const shown = ordered.slice(0, full);
    const briefItems = ordered.slice(full, full + brief);
    const omitted = ordered.slice(full + brief);
    const text = buildText(input, blocks, full, brief, omitted);
    const json = buildJson(input, shown, briefItems, omitted, worst, MAX_ACCOUNT_LINES);
    const envelope = envelopeOf(text, json);
    return { text, json, envelope, bytes: Buffer.byteLength(envelope, 'utf8'), full, brief };
  };

  // Every item costs at least 1 KB in the envelope (its JSON alone is there three times): past MAX_FULL_ATTEMPT
  // items listing everything in full cannot fit, and is not tried.
  let best = ordered.length <= MAX_FULL_ATTEMPT ? attempt(ordered.length) : undefined;
  if (!best || best.bytes > max) {
    // Each item measured once, in full and in brief; the frame (measured with nothing listed, which includes the
    // per-account summary of everything) is kept. Account headers and the "see below" lines are not in the
    // estimate, hence the check and the step back.
    const frame = attempt(0).bytes;
    const room = max - frame;
    let used = 0;
    let full = 0;
    while (full < ordered.length) {
      const cost = itemCost(full + 1, ordered[full], input.now);
      if (used + cost > room / 4) break;
      used += cost;
      full++;
    }
    let brief = 0;
    while (full + brief < ordered.length) {
      const cost = briefCost(ordered[full + brief]);
      if (used + cost > room) break;
      used += cost;
      brief++;
    }
    best = attempt(full, brief);
    while (best.bytes > max && full + brief > 0) {
      if (brief > 0) brief = Math.max(0, brief - Math.max(1, Math.ceil(brief * 0.05)));
      else full = Math.max(0, full - Math.max(1, Math.ceil(full * 0.05)));
      best = attempt(full, brief);
    }
  }
  best ??= attempt(0);
  return {
    subject,
    text: best.text,
    json: best.json,
    worstSeverity: worst,
    envelope: best.envelope,
    envelopeBytes: best.bytes,
    included: best.full,
    brief: best.brief,
    omitted: ordered.length - best.full - best.brief,
  };
}
