/**
 * Judge only what some request path sends. PURE.
 *
 * - A name no behavior sends (`SniName.sent === false`: every behavior reaching the origin forwards the viewer
 *   Host) is probed, but what fails on it is folded into one info finding, NAME_NOT_SENT, that says what would
 *   break if a behavior started sending it. The names that are sent keep their verdicts.
 * - An origin no behavior reaches (and no function can choose at run time) gets one info finding,
 *   ORIGIN_NOT_ROUTED, with what would break if a behavior started using it.
 * - A name mismatch on a wildcard alias's probe name, or on the distribution's own *.cloudfront.net name (a
 *   distribution without aliases that forwards Host), says what that means.
 */
import type { OriginTarget } from '../model';
import type { Draft } from './diagnose';
import { findingDefinition, SEVERITY_RANK } from './findings';

/** The diagnosis's own draft (defined once, in diagnose.ts). */
export type PathDraft = Draft;

/** At most this many of the folded problems are named in the message (all are in the evidence). */
const NAMED = 3;

export function applyRequestPaths(drafts: PathDraft[], target: OriginTarget): PathDraft[] {
  if (target.paths?.unrouted && !target.paths.unrouted.runtimeOnly) {
    const folded = fold(drafts);
    if (!folded) return [];
    return [
      {
        code: 'ORIGIN_NOT_ROUTED',
        message: `no behavior sends requests to this origin (none targets it or an origin group holding it); if one did: ${folded.summary}`,
        evidence: { wouldFail: folded.problems },
      },
    ];
  }
  const unsent = new Set(target.sniNames.filter((n) => n.sent === false).map((n) => n.name));
  const kept: PathDraft[] = [];
  const byName = new Map<string, PathDraft[]>();
  for (const d of drafts) {
    if (d.sniName !== undefined && unsent.has(d.sniName)) byName.set(d.sniName, [...(byName.get(d.sniName) ?? []), d]);
    else kept.push(annotate(d, target));
  }
  for (const [name, list] of byName) {
    const folded = fold(list);
    if (!folded) continue;
    kept.push({
      code: 'NAME_NOT_SENT',
      message: `no behavior sends ${name} as SNI (every behavior reaching this origin forwards the viewer Host); if one started to: ${folded.summary}`,
      sniName: name,
      ...(list[0].port !== undefined ? { port: list[0].port } : {}),
      evidence: { name, wouldFail: folded.problems },
    });
  }
  return kept;
}

/** The distinct problems of some drafts, worst first, and a one-line summary of them. */
function fold(drafts: PathDraft[]): { summary: string; problems: { code: string; severity: string; message: string }[] } | undefined {
  const seen = new Set<string>();
  const problems = drafts
    .map((d) => ({ code: d.code, severity: findingDefinition(d.code).severity, message: d.message }))
    .filter((p) => p.severity !== 'info' && !seen.has(`${p.code}|${p.message}`) && seen.add(`${p.code}|${p.message}`))
    .sort((a, b) => SEVERITY_RANK[b.severity as 'info'] - SEVERITY_RANK[a.severity as 'info']);
  if (problems.length === 0) return undefined;
  const named = problems.slice(0, NAMED).map((p) => `${p.severity === 'critical' ? 'CloudFront would answer 502' : 'a warning'}: ${p.code}, ${p.message}`);
  const more = problems.length > NAMED ? ` (+${problems.length - NAMED} more)` : '';
  return { summary: `${named.join('; ')}${more}`, problems };
}

function annotate(d: PathDraft, target: OriginTarget): PathDraft {
  if (d.code !== 'CERT_NAME_MISMATCH' || !d.sniName) return d;
  const name = target.sniNames.find((n) => n.name === d.sniName);
  if (name?.wildcardAlias) {
    return {
      ...d,
      message: `${d.message}; ${d.sniName} stands for any name under the alias ${name.wildcardAlias}: viewers on the names under it that the certificate does not cover get 502`,
      evidence: { ...d.evidence, wildcardAlias: name.wildcardAlias },
    };
  }
  if (name?.source === 'viewer-host' && target.paths?.staging && name.name === target.distributionDomainName) {
    return {
      ...d,
      message: `${d.message}; the primary of this staging distribution is not known, so its own name stands in for the primary's names its viewers use (${target.paths.staging.unresolved ?? 'primary not found'})`,
      evidence: { ...d.evidence, stagingPrimaryUnknown: true },
    };
  }
  if (name?.source === 'viewer-host' && target.distributionDomainName && name.name === target.distributionDomainName && (target.aliases ?? []).length === 0) {
    return {
      ...d,
      message: `${d.message}; the distribution has no alias, so a behavior that forwards Host sends its own ${d.sniName}, which no origin certificate can cover: add an alias, or stop forwarding Host`,
      evidence: { ...d.evidence, distributionWithoutAliases: true },
    };
  }
  return d;
}
