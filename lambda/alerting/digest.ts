/**
 * The alert digest: news items + the scan report -> one SNS message. PURE.
 *
 * - `email`/`default`: plain text for the person on call, most important first, short lines;
 * - `sqs`/`lambda`/`https`: JSON (scan summary + items) for machines;
 * - subject: ASCII, one line, at most 100 characters (SNS);
 * - the whole JSON envelope stays within SNS's 256 KB: items that do not fit are counted, not silently dropped.
 */
import { SEVERITY_RANK } from '../diagnosis/findings';
import type { ScanReport, Severity } from '../model';
import { pathLines } from '../report/paths-text';
import { sortItems, type DigestItem, type DigestItemKind } from './policy';
import { LOG } from '../contract';

/** The footer's count of origins not checked (resolver failed or probe threw): the monitor's fault, with where to look. */
export function uncheckedNote(unchecked: number): string {
  return unchecked ? `, ${unchecked} not checked (the monitor's fault: its log line "${LOG.ORIGINS_NOT_CHECKED}" says why)` : '';
}

export const SNS_MAX_BYTES = 256 * 1024;
/** Room left for the subject and the message attributes, which count towards the same limit. */
export const ENVELOPE_MARGIN = 2 * 1024;
export const SUBJECT_MAX = 100;
const WIDTH = 76;

export interface DigestInput {
  items: DigestItem[];
  report: ScanReport;
  now: Date;
  /** Where the full detail is: the Lambda function (its CloudWatch logs). */
  functionName?: string;
  policy: { confirmRuns: number; reminderHours: number };
  suppressed?: number;
  pending?: number;
  /** Override for tests. Default: 256 KB minus room for subject and attributes. */
  maxBytes?: number;
}

export interface DigestJson {
  type: 'cloudfront-origin-monitor.digest';
  schemaVersion: 1;
  generatedAt: string;
  functionName?: string;
  worstSeverity: Severity;
  scan: {
    startedAt: string;
    durationMs: number;
    profile: string;
    summary: ScanReport['summary'];
    notReached: number;
    incomplete?: { reason: string; notScanned: string[] };
  };
  counts: Record<DigestItemKind, number> & { suppressed: number; pending: number };
  items: DigestItem[];
  /** Items left out to stay within the SNS size limit (they are in the function's logs). */
  omitted?: { total: number } & Partial<Record<DigestItemKind, number>>;
}

export interface Digest {
  subject: string;
  text: string;
  json: DigestJson;
  worstSeverity: Severity;
  /** The SNS Message for MessageStructure 'json': { default, email, sqs, lambda, https }. */
  envelope: string;
  envelopeBytes: number;
  included: number;
  omitted: number;
}

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const count = (items: readonly DigestItem[], kind: DigestItemKind) => items.filter((i) => i.kind === kind).length;
const KINDS: readonly DigestItemKind[] = ['new', 'expiry', 'reminder', 'resolved'];

/** The JSON's `counts`: every item of the news by kind, and the findings muted or still unconfirmed this run. */
export function digestCounts(all: readonly DigestItem[], suppressed = 0, pending = 0): DigestJson['counts'] {
  return { new: count(all, 'new'), expiry: count(all, 'expiry'), reminder: count(all, 'reminder'), resolved: count(all, 'resolved'), suppressed, pending };
}

/** The kinds of the items not listed, those present only (the JSON's `omitted`, beside its total). */
export function omittedCounts(omitted: readonly DigestItem[]): Partial<Record<DigestItemKind, number>> {
  const out: Partial<Record<DigestItemKind, number>> = {};
  for (const k of KINDS) {
    const c = count(omitted, k);
    if (c) out[k] = c;
  }
  return out;
}
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** `2025-06-01 10:00 UTC` */
export function utc(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function ago(fromIso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 60_000) return 'this run';
  const h = ms / 3_600_000;
  if (h < 1) return `${Math.round(ms / 60_000)} min ago`;
  if (h < 48) return `${Math.round(h)} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** Plain ASCII on one line: e-mail subjects and SNS want nothing else. */
function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Word-wraps `text` to WIDTH; the first line carries `label`, the others are indented to `indent`. */
export function wrap(label: string, text: string, indent: string): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = label;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = indent + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function list(values: string[], max: number): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} (+${values.length - max} more)`;
}

const pathLabel = (p: string) => (p === '*' ? '* (default behavior)' : p);

function where(item: DigestItem): string {
  if (item.distributionId) return `${item.distributionId}${item.originId ? ` / ${item.originId}` : ''}`;
  return item.originKey;
}

export function worstSeverityOf(items: DigestItem[]): Severity {
  let worst: Severity = 'info';
  for (const i of items) {
    if (i.kind === 'resolved') continue;
    if (SEVERITY_RANK[i.severity] > SEVERITY_RANK[worst]) worst = i.severity;
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------------------
// subject
// ---------------------------------------------------------------------------------------------------------------

export function buildSubject(items: DigestItem[]): string {
  const parts: string[] = [];
  const newCritical = items.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
  const newWarning = items.filter((i) => i.kind === 'new' && i.severity !== 'critical').length;
  const expiry = items.filter((i) => i.kind === 'expiry');
  const reminders = count(items, 'reminder');
  const resolved = count(items, 'resolved');
  if (newCritical) parts.push(`${newCritical} new likely-502`);
  if (expiry.length === 1) parts.push(`cert expiring in ${plural(Math.max(0, Math.floor(expiry[0].expiry?.daysLeft ?? 0)), 'day')}`);
  else if (expiry.length > 1) parts.push(`${expiry.length} certs expiring`);
  if (newWarning) parts.push(plural(newWarning, 'new warning'));
  if (reminders) parts.push(`${reminders} still failing`);
  if (resolved) parts.push(`${resolved} resolved`);
  const subject = ascii(`CloudFront origins: ${parts.join(', ') || 'no news'}`);
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
}

// ---------------------------------------------------------------------------------------------------------------
// text
// ---------------------------------------------------------------------------------------------------------------

function originGroupLines(item: DigestItem): string[] {
  const out: string[] = [];
  for (const g of item.originGroups ?? []) {
    if (g.role === 'primary') {
      const partner = g.partnerOriginId ? `${g.partnerOriginId}${g.partnerStatus ? ` (${g.partnerStatus})` : ''}` : 'the secondary';
      out.push(
        ...wrap(
          '   Failover:     ',
          g.failsOver
            ? `primary of origin group ${g.groupId}; GET/HEAD/OPTIONS fail over to ${partner}, other methods get the 502.`
            : `primary of origin group ${g.groupId}; failover to ${partner} does not help.`,
          '                 ',
        ),
      );
    } else {
      out.push(
        ...wrap(
          '   Failover:     ',
          `secondary of origin group ${g.groupId}: used when ${g.partnerOriginId ?? 'the primary'} fails${g.partnerStatus ? ` (primary is ${g.partnerStatus})` : ''}.`,
          '                 ',
        ),
      );
    }
  }
  return out;
}

/** Tenant, staging ("only staged traffic is affected"), Origin Shield: what kind of request path is hit. */
function requestPathLines(item: DigestItem, only?: string): string[] {
  return pathLines(item.requestPaths)
    .filter((p) => !only || p.label === only)
    .flatMap((p) => wrap(`   ${`${p.label}:`.padEnd(13)} `, p.text, '                 '));
}

function contextLines(item: DigestItem, now: Date): string[] {
  const lines: string[] = [];
  if (item.distributionId) {
    lines.push(`   Distribution: ${item.distributionId}${item.distributionDomainName ? ` (${item.distributionDomainName})` : ''}`);
  }
  if (item.aliases && item.aliases.length > 0) lines.push(...wrap('   Aliases:      ', list(item.aliases, 10), '                 '));
  if (item.paths.length > 0) lines.push(...wrap('   Paths hit:    ', list(item.paths.map(pathLabel), 15), '                 '));
  const ports = item.ports.length > 0 ? `, port ${item.ports.join(', ')}` : '';
  lines.push(`   Origin:       ${item.originId ? `${item.originId} -> ` : ''}${item.domainName}${ports}`);
  if (item.sniName && item.sniName !== item.domainName) lines.push(`   Name sent:    ${item.sniName} (SNI and Host)`);
  if (item.addresses.length > 0) lines.push(...wrap('   Addresses:    ', list(item.addresses, 10), '                 '));
  lines.push(...originGroupLines(item));
  lines.push(...requestPathLines(item));
  const runs = item.runs && item.runs > 1 ? `, ${plural(item.runs, 'run')} in a row` : '';
  lines.push(`   Since:        ${utc(item.firstSeen)} (${ago(item.firstSeen, now)}${runs})`);
  return lines;
}

function explainLines(item: DigestItem, brief: boolean): string[] {
  const lines: string[] = [];
  lines.push(...wrap('   What:   ', item.message, '           '));
  if (!brief && item.why) {
    lines.push(...wrap('   Why:    ', item.why, '           '));
    if (item.source && !item.why.includes(item.source)) lines.push(`           ${item.source}`);
  }
  if (item.fix) lines.push(...wrap('   Fix:    ', item.fix, '           '));
  if (item.reproduce) {
    lines.push('   Check:');
    lines.push(`     ${item.reproduce}`); // never wrapped: it is pasted
  }
  return lines;
}

/** One item in full (new findings, expiring certificates), numbered `n`; also used by the organization digest. */
export function fullItem(n: number, item: DigestItem, now: Date): string[] {
  let head = `${n}) ${item.severity.toUpperCase()}: ${cap(item.title)} [${item.code}]`;
  if (item.kind === 'expiry' && item.expiry) {
    const days = Math.max(0, Math.floor(item.expiry.daysLeft));
    head = `${n}) Certificate expires in ${plural(days, 'day')}${item.expiry.notAfter ? ` (${utc(item.expiry.notAfter)})` : ''} [${item.code}]`;
  }
  return [...wrap('', head, '   '), ...contextLines(item, now), '', ...explainLines(item, false)];
}

export function reminderItem(n: number, item: DigestItem, now: Date): string[] {
  return [
    ...wrap('', `${n}) ${item.severity.toUpperCase()}: ${cap(item.title)} [${item.code}]`, '   '),
    ...wrap(
      '   Where:        ',
      `${where(item)} -> ${item.domainName}${item.sniName && item.sniName !== item.domainName ? ` (SNI ${item.sniName})` : ''}`,
      '                 ',
    ),
    ...(item.paths.length > 0 ? wrap('   Paths hit:    ', list(item.paths.map(pathLabel), 15), '                 ') : []),
    ...(item.addresses.length > 0 ? wrap('   Addresses:    ', list(item.addresses, 10), '                 ') : []),
    ...requestPathLines(item, 'Staging'),
    ...requestPathLines(item, 'Tenant'),
    `   Failing since ${utc(item.firstSeen)} (${ago(item.firstSeen, now)}).`,
    ...explainLines(item, true),
  ];
}

export function resolvedLine(item: DigestItem): string[] {
  const how = item.resolution === 'origin-gone' ? 'origin no longer scanned (removed or excluded)' : 'fixed';
  const sni = item.sniName && item.sniName !== item.domainName ? `, SNI ${item.sniName}` : '';
  return wrap(
    '- ',
    `${cap(item.title)} [${item.code}] on ${where(item)} -> ${item.domainName}${sni}: ${how}. First seen ${utc(item.firstSeen)}.`,
    '  ',
  );
}

export function section(title: string, body: string[][]): string[] {
  if (body.length === 0) return [];
  return [title, '='.repeat(title.length), '', ...body.flatMap((b) => [...b, '']), ''];
}

function suppressionExample(items: DigestItem[], now: Date): string {
  const first = items.find((i) => i.distributionId) ?? items[0];
  const until = new Date(now.getTime() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  return JSON.stringify([
    {
      distributionId: first?.distributionId ?? 'E2EXAMPLE',
      ...(first?.originId ? { originId: first.originId } : {}),
      code: first?.code ?? 'CERT_EXPIRED',
      until,
      reason: 'ticket OPS-123',
    },
  ]);
}

function buildText(input: DigestInput, shown: DigestItem[], omitted: DigestItem[]): string {
  const { report, now, policy } = input;
  const all = [...shown, ...omitted];
  const newCrit = shown.filter((i) => i.kind === 'new' && i.severity === 'critical');
  const expiry = shown.filter((i) => i.kind === 'expiry');
  const newWarn = shown.filter((i) => i.kind === 'new' && i.severity !== 'critical');
  const reminders = shown.filter((i) => i.kind === 'reminder');
  const resolved = shown.filter((i) => i.kind === 'resolved');

  const lines: string[] = [];
  // The one-line answer to "do I have to act now?"
  const nNewCrit = all.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
  const nReminder = count(all, 'reminder');
  const nResolved = count(all, 'resolved');
  const nWarn = all.filter((i) => i.kind === 'expiry' || (i.kind === 'new' && i.severity !== 'critical')).length;
  if (nNewCrit) lines.push(`${plural(nNewCrit, 'new problem')} ${nNewCrit === 1 ? 'makes' : 'make'} CloudFront answer HTTP 502.`);
  if (nReminder) lines.push(`${plural(nReminder, 'problem')} still failing.`);
  if (nWarn) lines.push(`${plural(nWarn, 'warning')}: 502s to come if nothing is done.`);
  if (nResolved) lines.push(`${nResolved} resolved.`);
  lines.push(`Scan of ${utc(report.startedAt)}, ${plural(report.summary.origins, 'origin')}.`);
  lines.push('');

  let n = 0;
  lines.push(...section('NEW: CLOUDFRONT LIKELY ANSWERS 502', newCrit.map((i) => fullItem(++n, i, now))));
  lines.push(...section('CERTIFICATES EXPIRING', expiry.map((i) => fullItem(++n, i, now))));
  lines.push(...section('NEW WARNINGS', newWarn.map((i) => fullItem(++n, i, now))));
  lines.push(
    ...section(
      `STILL FAILING (reminder every ${policy.reminderHours} h)`,
      reminders.map((i) => reminderItem(++n, i, now)),
    ),
  );
  lines.push(...section('RESOLVED', resolved.map((i) => resolvedLine(i))));

  if (omitted.length > 0) {
    const byKind = (['new', 'expiry', 'reminder', 'resolved'] as DigestItemKind[])
      .map((k) => [k, count(omitted, k)] as const)
      .filter(([, c]) => c > 0)
      .map(([k, c]) => `${c} ${k}`);
    lines.push(
      ...wrap(
        '',
        `... and ${omitted.length} more (${byKind.join(', ')}); see the CloudWatch logs of ${input.functionName ?? 'the monitor function'} (message "alert item").`,
        '',
      ),
    );
    lines.push('');
  }

  // Footer: counts, what was not looked at, how to silence.
  const s = report.summary;
  const notReached = report.incomplete?.notScanned.length ?? 0;
  lines.push('--');
  lines.push(
    ...wrap(
      '',
      `Scan: ${plural(s.origins, 'origin')}: ${s.ok} ok, ${s.warning} warning, ${s.critical} critical, ${s.skipped} skipped${s.notReached ? `, ${s.notReached} not reached` : ''}${uncheckedNote(s.unchecked)}; ${Math.round(report.durationMs / 1000)} s; TLS profile ${report.profile}.`,
      '',
    ),
  );
  if (report.incomplete) {
    lines.push(
      ...wrap(
        '',
        `Not reached: ${plural(notReached, 'origin')} (${report.incomplete.reason}). Their findings are kept as they were; they are scanned next run.`,
        '',
      ),
    );
  }
  if (input.pending) {
    lines.push(
      ...wrap('', `Waiting for confirmation: ${plural(input.pending, 'reachability finding')} (sent after ${policy.confirmRuns} runs in a row).`, ''),
    );
  }
  if (input.suppressed) {
    lines.push(`Suppressed: ${plural(input.suppressed, 'finding')} (still in the logs and metrics).`);
  }
  if (input.functionName) lines.push(...wrap('', `Details: CloudWatch logs of ${input.functionName}, message "origin result".`, ''));
  const open = all.filter((i) => i.kind !== 'resolved');
  if (open.length > 0) {
    // The documented way (README, "Suppressions"): a setting, so the next deploy keeps it and synth checks it.
    lines.push('To silence a finding until a date, deploy with it in the suppressions setting:');
    lines.push(`  npx cdk deploy -c suppressions='${suppressionExample(open, now)}'`);
    lines.push(
      ...wrap(
        '',
        `(or under "suppressions" in cdk.json's context, or the construct's suppressions prop; originId and code are optional; it stops applying after "until".)`,
        '',
      ),
    );
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON + envelope
// ---------------------------------------------------------------------------------------------------------------

export function jsonItem(i: DigestItem): DigestItem {
  const out = { ...i };
  if (out.aliases && out.aliases.length > 100) out.aliases = out.aliases.slice(0, 100);
  if (out.addresses.length > 100) out.addresses = out.addresses.slice(0, 100);
  if (out.paths.length > 100) out.paths = out.paths.slice(0, 100);
  return out;
}

function buildJson(input: DigestInput, shown: DigestItem[], omitted: DigestItem[], worst: Severity): DigestJson {
  const all = [...shown, ...omitted];
  const { report } = input;
  const json: DigestJson = {
    type: 'cloudfront-origin-monitor.digest',
    schemaVersion: 1,
    generatedAt: input.now.toISOString(),
    functionName: input.functionName,
    worstSeverity: worst,
    scan: {
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      profile: report.profile,
      summary: report.summary,
      notReached: report.incomplete?.notScanned.length ?? 0,
    },
    counts: digestCounts(all, input.suppressed, input.pending),
    items: shown.map(jsonItem),
  };
  if (report.incomplete) {
    json.scan.incomplete = { reason: report.incomplete.reason, notScanned: report.incomplete.notScanned.slice(0, 50) };
  }
  if (omitted.length > 0) {
    json.omitted = { total: omitted.length, ...omittedCounts(omitted) };
  }
  return json;
}

/** The SNS message for MessageStructure json: the text for e-mail (and default), the JSON for machines. */
export function envelopeOf(text: string, json: object): string {
  const j = JSON.stringify(json);
  return JSON.stringify({ default: text, email: text, sqs: j, lambda: j, https: j });
}

export function buildDigest(input: DigestInput): Digest {
  const items = sortItems(input.items);
  const worst = worstSeverityOf(items);
  const subject = buildSubject(items);
  const max = input.maxBytes ?? SNS_MAX_BYTES - ENVELOPE_MARGIN;

  const attempt = (n: number) => {
    const shown = items.slice(0, n);
    const omitted = items.slice(n);
    const text = buildText(input, shown, omitted);
    const json = buildJson(input, shown, omitted, worst);
    const envelope = envelopeOf(text, json);
    return { text, json, envelope, bytes: Buffer.byteLength(envelope, 'utf8'), n };
  };

  let best = attempt(items.length);
  if (best.bytes > max) {
    // Largest n that fits (size grows with n).
    let lo = 0;
    let hi = items.length - 1;
    best = attempt(0);
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = attempt(mid);
      if (a.bytes <= max) {
        best = a;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
  }
  return {
    subject,
    text: best.text,
    json: best.json,
    worstSeverity: worst,
    envelope: best.envelope,
    envelopeBytes: best.bytes,
    included: best.n,
    omitted: items.length - best.n,
  };
}
