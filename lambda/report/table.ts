/**
 * The report for people: a row per origin, its findings beneath, and a summary. Pure: report in, text out.
 */
import type { Finding, OriginReport, ScanReport } from '../model';
import { uncheckedNote } from './not-checked';
import { pathLines } from './paths-text';

export interface TableOptions {
  color: boolean;
  /** Print why/fix/reproduce beneath each finding (default true). */
  verbose?: boolean;
}

const COLORS = { critical: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', ok: '\x1b[32m', skipped: '\x1b[90m', unchecked: '\x1b[35m', dim: '\x1b[2m', reset: '\x1b[0m' };
/** The status column: `NOT CHECKED` is wider than the rest, and says what it means. */
const STATUS_LABEL: Record<OriginReport['status'], string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', skipped: 'SKIPPED', unchecked: 'UNCHECKED' };

type Paint = (kind: keyof typeof COLORS, text: string) => string;
const painter = (options: TableOptions): Paint => (kind, text) => (options.color ? `${COLORS[kind]}${text}${COLORS.reset}` : text);

export function renderTable(report: ScanReport, options: TableOptions): string {
  return [...renderTableChunks(report, options)].join('');
}

/**
 * The same text in pieces: the head, one origin at a time (`originText`, by default made from `report.origins`), the
 * summary. Byte for byte what renderTable gives.
 */
export function* renderTableChunks(
  report: ScanReport,
  options: TableOptions,
  originText: (index: number) => string = (i) => tableOriginText(report.origins[i], options),
): Generator<string> {
  const paint = painter(options);
  const lines: string[] = [];
  lines.push(
    `cloudfront-origin-monitor ${report.tool.version} | profile ${report.profile} | ${report.summary.origins} origin(s) in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  for (const ca of report.caFileRoots ?? []) {
    lines.push(
      paint('warning', `trust: --ca-file ${ca.file} adds ${ca.roots} root(s) to Mozilla's list; CloudFront does not trust them, so a chain ending there is a 502 in production`),
    );
  }
  yield lines.join('\n');
  for (let i = 0; i < report.origins.length; i++) yield `\n${originText(i)}`;
  const s = report.summary;
  const tail: string[] = [''];
  tail.push(
    `${s.origins} origin(s): ${paint('ok', `${s.ok} ok`)}, ${paint('warning', `${s.warning} warning`)}, ${paint('critical', `${s.critical} critical`)}, ${s.skipped} skipped${s.notReached ? `, ${s.notReached} not reached` : ''}${s.unchecked ? `, ${paint('unchecked', `${s.unchecked} not checked (the monitor's fault)`)}` : ''}`,
  );
  if (report.incomplete) tail.push(`not reached: ${report.incomplete.notScanned.length} origin(s) (${report.incomplete.reason})`);
  yield `\n${tail.join('\n')}\n`;
}

/** One origin's lines of the table, joined (the blank line before it included). */
export function tableOriginText(origin: OriginReport, options: TableOptions): string {
  const paint = painter(options);
  const lines: string[] = [];
  const viaCaFile = [...new Set((origin.facts?.endpoints ?? []).map((e) => e.chain?.trustAnchorAddedBy).filter((b): b is string => !!b))];
  lines.push('');
  lines.push(`${paint(origin.status, STATUS_LABEL[origin.status].padEnd(8))}  ${originTitle(origin)}`);
  if (origin.status === 'skipped') {
    lines.push(`          ${paint('dim', `skipped: ${origin.skippedReason ?? ''}`)}`);
    if (origin.paths?.tenant) lines.push(`          tenant: ${pathLines({ tenant: origin.paths.tenant })[0].text}`);
    return lines.join('\n');
  }
  if (origin.status === 'unchecked') {
    lines.push(`          not checked: ${origin.uncheckedReason ?? 'the monitor could not check it'} (${uncheckedNote(origin.uncheckedReason)})`);
    // Not checked before any probe (the inventory's gap): nothing more to show than whose origin it is.
    if (origin.ports.length === 0) {
      if (origin.paths?.tenant) lines.push(`          tenant: ${pathLines({ tenant: origin.paths.tenant })[0].text}`);
      return lines.join('\n');
    }
  }
  const dns = origin.facts?.dns;
  if (dns?.status === 'hosts-file') {
    lines.push(
      `          ${paint('warning', `addresses from the hosts file ${dns.hostsFile ?? ''}: ${dns.addresses.map((a) => a.address).join(', ')}`)} (CloudFront uses public DNS; --dns public checks what it sees)`,
    );
  }
  const names = origin.sniNames.map((n) => n.name).join(', ');
  const ports = origin.ports.map((p) => `${p.port}/${p.tls ? 'https' : 'http'}`).join(', ');
  lines.push(`          ${paint('dim', `ports ${ports}${names ? ` | names ${names}` : ''}`)}`);
  for (const p of pathLines(origin.paths)) lines.push(`          ${p.label.toLowerCase()}: ${p.text}`);
  for (const by of viaCaFile) lines.push(`          ${paint('warning', `trusted only through a root from ${by} (not one CloudFront trusts)`)}`);
  for (const g of origin.originGroups ?? []) {
    if (g.role === 'primary' && g.failsOver) lines.push(`          fails over to ${g.partnerOriginId} (${g.partnerStatus}) in group ${g.groupId}`);
  }
  for (const finding of origin.findings) lines.push(...renderFinding(finding, options, paint));
  return lines.join('\n');
}

function originTitle(o: OriginReport): string {
  const where = o.distributionId ? `  [${o.distributionId}${o.originId ? ` / ${o.originId}` : ''}${o.distributionEnabled === false ? ', disabled' : ''}]` : '';
  return `${o.domainName}${where}`;
}

function renderFinding(f: Finding, options: TableOptions, paint: Paint): string[] {
  const mark = f.severity === 'critical' ? 'x' : f.severity === 'warning' ? '!' : 'i';
  const where = [f.sniName ? `name ${f.sniName}` : '', f.addresses ? f.addresses.join(', ') : f.address ?? '', f.port ? `port ${f.port}` : '']
    .filter(Boolean)
    .join(' | ');
  const out = [`  ${paint(f.severity, `${mark} ${f.code}`)}  ${f.message}`];
  if (where) out.push(`      ${paint('dim', where)}`);
  if (f.behaviors?.length) out.push(`      paths: ${f.behaviors.join(', ')}`);
  if (options.verbose !== false) {
    out.push(`      why: ${f.why}`);
    out.push(`      fix: ${f.fix}`);
    if (f.reproduce) out.push(`      reproduce: ${f.reproduce}`);
  }
  return out;
}
