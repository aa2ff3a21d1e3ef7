/**
 * One verdict from two vantage points: the direct probe (from the monitor's address, as CloudFront connects) and
 * the edge check (a request through CloudFront). Pure: the target, the direct findings and the edge facts in, the
 * findings of the origin out. The table is the README's ("One verdict from two vantage points"):
 *
 * | direct probe                      | edge check                 | verdict                                            |
 * |-----------------------------------|----------------------------|----------------------------------------------------|
 * | cannot connect (timeout, refused, | reaches the origin         | not an alert: ORIGIN_CLOUDFRONT_ONLY (info), naming |
 * |   reset, client cert demanded)    |                            |   the direct checks that could not be made         |
 * | critical                          | CloudFront's own 502/504   | the critical findings say "confirmed through        |
 * |                                   |                            |   CloudFront", with the POP and the request id      |
 * | fine (no critical)                | CloudFront's own 502/504   | EDGE_502 / EDGE_504, critical, with the evidence    |
 * | critical                          | reaches the origin         | kept, with what the edge check saw                  |
 * | anything                          | not conclusive / off       | the direct verdict stands                           |
 *
 * Predictions the edge cannot confirm yet (expiry warnings, legacy-only TLS) keep their own severity. Whatever the
 * direct verdict, an origin's own 5xx through CloudFront is EDGE_ORIGIN_5XX, edge code failing EDGE_FUNCTION_ERROR,
 * and an answer near the origin's timeout EDGE_ORIGIN_SLOW.
 *
 * Which requests speak for an origin: one whose behavior targets it. A request through an origin group may have
 * been answered by the other member after a failover, so it never clears a member (its 502/504 counts for both).
 * For origin mTLS, the direct probe's "client certificate required" is expected (only CloudFront holds the key).
 */
import type { EdgeFacts, Finding, OriginTarget } from '../model';
import { describeEdge, edgeEvidence, edgeOutcome, type EdgeOutcome } from './edge-outcome';
import type { FindingCode, ReproduceContext } from './findings';
import { makeFinding } from './make-finding';

export type DirectVerdict = 'cannot-connect' | 'critical' | 'fine';
export type EdgeVerdict = 'reaches-origin' | 'cloudfront-502-504' | 'not-conclusive';

/** The table, as data: the README and the tests read it from here. */
export const VANTAGE_TABLE: readonly { direct: DirectVerdict | 'any'; edge: EdgeVerdict; verdict: string }[] = [
  { direct: 'cannot-connect', edge: 'reaches-origin', verdict: 'not an alert: ORIGIN_CLOUDFRONT_ONLY (info), which names the direct checks that could not be made. Only when no address connected directly: a dead address beside one that answers stays critical' },
  { direct: 'critical', edge: 'cloudfront-502-504', verdict: 'the critical findings say "confirmed through CloudFront", with the POP and the request id' },
  { direct: 'fine', edge: 'cloudfront-502-504', verdict: 'EDGE_502 or EDGE_504 (critical), with the POP, the request id and what may explain it (an origin chosen at run time, origin mTLS, a VPC origin)' },
  { direct: 'critical', edge: 'reaches-origin', verdict: 'the findings keep their severity and show what the edge check saw' },
  { direct: 'any', edge: 'not-conclusive', verdict: 'the direct verdict stands; EDGE_REFUSED, EDGE_FUNCTION_ANSWER or EDGE_CHECK_FAILED (info) say why' },
];

/** TLS_HANDSHAKE_FAILED reasons (diagnose.ts) that mean "could not connect" rather than "connected, and it is wrong". */
const CANNOT_CONNECT_HANDSHAKE = new Set(['reset', 'closed', 'silent', 'stalled', 'timeout', 'client-certificate-required']);
const CANNOT_CONNECT_CODES = new Set(['PORT_TIMEOUT', 'PORT_REFUSED', 'PORT_UNREACHABLE']);

export function cannotConnect(f: Finding): boolean {
  return CANNOT_CONNECT_CODES.has(f.code) || (f.code === 'TLS_HANDSHAKE_FAILED' && CANNOT_CONNECT_HANDSHAKE.has(String(f.evidence.reason)));
}

const clientCertificateDemanded = (f: Finding) => f.code === 'TLS_HANDSHAKE_FAILED' && f.evidence.reason === 'client-certificate-required';

interface Judged {
  facts: EdgeFacts;
  outcome: EdgeOutcome;
}

export interface VantageOptions {
  /** The edge check ran (on, and the target has routes). When false, only the inventory-based notes are added. */
  edgeChecked: boolean;
  /**
   * Every endpoint the direct probe tried, as `address:port`. "Reachable only from CloudFront" needs all of them to
   * have failed to connect: when the monitor connected to one address and another timed out, the dead address is
   * not CloudFront's allowlist but a dead address (CloudFront may pick it too), and its finding stays critical.
   */
  directEndpoints?: string[];
  /** Where the scan sent the edge check instead, and the root it trusted (`--connect-to`, the demo): the curl commands do the same. */
  commands?: Pick<ReproduceContext, 'caFile' | 'edgeConnectTo'>;
}

/** The `address:port` pairs a finding speaks for. */
function endpointsOf(f: Finding): string[] {
  const addresses = f.addresses ?? (f.address ? [f.address] : []);
  return addresses.map((a) => `${a}:${f.port ?? ''}`);
}

/** No endpoint connected directly: every endpoint probed is covered by a cannot-connect finding. */
function noneConnected(blocked: Finding[], directEndpoints: string[] | undefined): boolean {
  if (!directEndpoints) return true;
  const covered = new Set(blocked.flatMap(endpointsOf));
  return directEndpoints.every((e) => covered.has(e));
}

export function combineVantage(target: OriginTarget, direct: Finding[], edge: EdgeFacts[], options: VantageOptions): Finding[] {
  const judged: Judged[] = edge.map((facts) => ({ facts, outcome: edgeOutcome(facts) }));
  const failures = judged.filter((j) => j.outcome.kind === 'cloudfront-502' || j.outcome.kind === 'cloudfront-504');
  // A request through a group may have been answered by the other member: it never clears this one.
  const reached = judged.filter((j) => j.outcome.kind === 'origin-answered' && !j.outcome.cached && !j.facts.viaGroup);
  const plainFailures = failures.filter((j) => !j.facts.runtimeOrigin);

  const out: Finding[] = [];
  let remaining = direct;

  // Origin mTLS: the client-certificate demand is expected.
  const expectedDemand = target.mtls ? remaining.filter(clientCertificateDemanded) : [];
  if (expectedDemand.length) remaining = remaining.filter((f) => !expectedDemand.includes(f));

  // Row 1: cannot connect directly, CloudFront reaches it.
  const blocked = remaining.filter(cannotConnect);
  if (
    reached.length > 0 &&
    plainFailures.length === 0 &&
    (blocked.length > 0 || expectedDemand.length > 0) &&
    noneConnected([...blocked, ...expectedDemand], options.directEndpoints)
  ) {
    remaining = remaining.filter((f) => !blocked.includes(f));
    out.push(cloudFrontOnly(target, [...blocked, ...expectedDemand], reached, options));
  } else if (expectedDemand.length > 0 && failures.length === 0) {
    out.push(
      makeFinding(target, {
        code: 'ORIGIN_MTLS_UNCONFIRMED',
        message: `the origin asks for a client certificate, as expected: CloudFront presents ${target.mtls?.clientCertificateArn}; ${options.edgeChecked ? 'the edge check did not reach the origin' : 'the edge check is off'}, so the connection is not confirmed`,
        evidence: { clientCertificateArn: target.mtls?.clientCertificateArn, addresses: expectedDemand.map((f) => f.address) },
        ...(expectedDemand[0].port ? { port: expectedDemand[0].port } : {}),
      }),
    );
  }

  const anyCritical = remaining.some((f) => f.severity === 'critical');
  if (failures.length > 0 && anyCritical) {
    // Row 2: confirmed.
    const first = failures[0].facts;
    remaining = remaining.map((f) =>
      f.severity === 'critical'
        ? {
            ...f,
            message: `${f.message}; confirmed through CloudFront: ${first.status}${first.pop ? ` at POP ${first.pop}` : ''}${first.requestId ? `, request id ${first.requestId}` : ''}`,
            evidence: { ...f.evidence, confirmedThroughCloudFront: edgeEvidence(first) },
          }
        : f,
    );
  } else if (failures.length > 0) {
    // Row 3: only the edge sees it.
    for (const code of ['EDGE_502', 'EDGE_504'] as const) {
      const these = failures.filter((j) => j.outcome.kind === (code === 'EDGE_502' ? 'cloudfront-502' : 'cloudfront-504'));
      if (these.length) out.push(edgeFailure(target, code, these, options));
    }
  } else if (reached.length > 0 && anyCritical) {
    // Row 4: kept, with what CloudFront did.
    const seen = reached[0].facts;
    remaining = remaining.map((f) =>
      f.severity === 'critical' ? { ...f, evidence: { ...f.evidence, edgeCheck: { reachedOrigin: true, ...edgeEvidence(seen) } } } : f,
    );
  }

  out.push(...edgeOnlyFindings(target, judged, options));
  out.push(...runtimeOriginNote(target));
  return [...remaining, ...out];
}

/** The edge request again, as sent: through the distribution's domain, or where the scan sent it instead. */
function edgeReproduce(f: EdgeFacts, options: VantageOptions): Partial<ReproduceContext> {
  return { edgeUrl: `https://${f.host}${f.path}`, edgeVia: f.distributionDomainName, ...options.commands };
}

function cloudFrontOnly(target: OriginTarget, blocked: Finding[], reached: Judged[], options: VantageOptions): Finding {
  const notMade = blocked.map((f) => `${f.code}${f.evidence.reason ? ` ${String(f.evidence.reason)}` : ''} on ${f.addresses?.join(', ') ?? f.address ?? target.domainName}${f.port ? `:${f.port}` : ''}`);
  const tlsPorts = target.ports.filter((p) => p.tls).map((p) => p.port);
  const checks = tlsPorts.length ? 'the TLS handshake and the certificate chain' : 'the TCP connection';
  const r = reached[0].facts;
  return makeFinding(target, {
    code: 'ORIGIN_CLOUDFRONT_ONLY',
    message:
      `reachable only from CloudFront: the monitor cannot connect directly (${uniq(notMade).join('; ')}), ` +
      `but through CloudFront the origin answered ${r.status} on ${r.pathPattern}; direct checks not made: ${checks}`,
    evidence: {
      directChecksNotMade: uniq(notMade),
      ...(target.mtls ? { clientCertificateArn: target.mtls.clientCertificateArn } : {}),
      edge: edgeEvidence(r),
    },
    behaviors: uniq(reached.map((j) => j.facts.pathPattern)),
    reproduce: edgeReproduce(r, options),
  });
}

function explanationHints(target: OriginTarget, judged: Judged[]): string[] {
  const hints: string[] = [];
  const runtime = judged.flatMap((j) => j.facts.runtimeOrigin ?? []);
  if (runtime.length) hints.push(`the origin may be chosen at run time by ${uniq(runtime.map(hookName)).join(', ')}`);
  if (target.mtls) hints.push(`CloudFront presents the client certificate ${target.mtls.clientCertificateArn}: does the origin trust it?`);
  if (target.vpcOrigin) hints.push(`VPC origin ${target.vpcOrigin.id}: does its security group admit CloudFront (CloudFront-VPCOrigins-Service-SG)?`);
  if (judged.some((j) => j.facts.viaGroup)) hints.push(`through origin group ${judged.find((j) => j.facts.viaGroup)?.facts.viaGroup}: both members failed, or the failover criteria did not apply`);
  return hints;
}

function edgeFailure(target: OriginTarget, code: 'EDGE_502' | 'EDGE_504', judged: Judged[], options: VantageOptions): Finding {
  const f = judged[0].facts;
  const what = code === 'EDGE_502' ? 'CloudFront could not connect to the origin' : 'CloudFront timed out waiting for the origin';
  const says = f.cloudfrontPage?.headline ? ` ("${f.cloudfrontPage.headline}")` : '';
  const hints = explanationHints(target, judged);
  return makeFinding(target, {
    code,
    message: `only the edge check sees it: ${describeEdge(f)}: ${what}${says}${hints.length ? `; ${hints.join('; ')}` : ''}`,
    evidence: { ...edgeEvidence(f), requests: judged.length, ...(judged.length > 1 ? { paths: judged.map((j) => j.facts.pathPattern) } : {}) },
    behaviors: uniq(judged.map((j) => j.facts.pathPattern)),
    reproduce: edgeReproduce(f, options),
  });
}

/** What the edge check says whatever the direct probe found. */
function edgeOnlyFindings(target: OriginTarget, judged: Judged[], options: VantageOptions): Finding[] {
  const groups = new Map<FindingCode, { judged: Judged[]; message: (j: Judged) => string }>();
  const add = (code: FindingCode, j: Judged, message: (j: Judged) => string) => {
    const g = groups.get(code) ?? { judged: [], message };
    g.judged.push(j);
    groups.set(code, g);
  };
  for (const j of judged) {
    const o = j.outcome;
    switch (o.kind) {
      case 'origin-answered':
        if (!o.cached && o.status >= 500) add('EDGE_ORIGIN_5XX', j, (x) => `through CloudFront the origin answers ${x.facts.status}${x.facts.server ? ` (Server: ${x.facts.server})` : ''}: ${describeEdge(x.facts)}`);
        if (!o.cached && slow(target, j.facts)) add('EDGE_ORIGIN_SLOW', j, (x) => slowMessage(target, x.facts));
        if (o.cached) add('EDGE_CHECK_FAILED', j, (x) => `the edge check was answered from CloudFront's cache (${x.facts.xCache}), so it says nothing about the origin now: ${describeEdge(x.facts)}`);
        break;
      case 'function-error':
        add('EDGE_FUNCTION_ERROR', j, (x) => `edge code failed (${(x.outcome as Extract<EdgeOutcome, { kind: 'function-error' }>).error}): ${describeEdge(x.facts)}`);
        break;
      case 'function-answer':
        add('EDGE_FUNCTION_ANSWER', j, (x) => `${(x.outcome as Extract<EdgeOutcome, { kind: 'function-answer' }>).by} answered at the edge (${x.facts.status}); the origin was not reached: ${describeEdge(x.facts)}`);
        break;
      case 'refused-at-edge':
        add('EDGE_REFUSED', j, (x) => `${(x.outcome as Extract<EdgeOutcome, { kind: 'refused-at-edge' }>).why}; the origin was not reached: ${describeEdge(x.facts)}`);
        break;
      case 'cloudfront-error':
        add('EDGE_CHECK_FAILED', j, (x) => `CloudFront answered ${x.facts.status} of its own, not the origin's: ${describeEdge(x.facts)}`);
        break;
      case 'check-failed':
        add('EDGE_CHECK_FAILED', j, (x) => `${(x.outcome as Extract<EdgeOutcome, { kind: 'check-failed' }>).why} (${x.facts.method} https://${x.facts.host}${x.facts.path})`);
        break;
      default:
        break;
    }
  }
  return [...groups.entries()].map(([code, g]) => {
    const f = g.judged[0].facts;
    return makeFinding(target, {
      code,
      message: g.message(g.judged[0]) + (g.judged.length > 1 ? ` (and ${g.judged.length - 1} more path(s))` : ''),
      evidence: { ...edgeEvidence(f), requests: g.judged.length },
      behaviors: uniq(g.judged.map((j) => j.facts.pathPattern)),
      reproduce: edgeReproduce(f, options),
    });
  });
}

const SLOW_SHARE = 0.8;

function slow(target: OriginTarget, f: EdgeFacts): boolean {
  const read = target.originReadTimeoutMs;
  const complete = target.responseCompletionTimeoutMs;
  return (read !== undefined && f.headersMs !== undefined && f.headersMs > SLOW_SHARE * read) || (complete !== undefined && !f.bodyTruncated && f.totalMs > SLOW_SHARE * complete);
}

function slowMessage(target: OriginTarget, f: EdgeFacts): string {
  const read = target.originReadTimeoutMs;
  const parts: string[] = [];
  if (read !== undefined && f.headersMs !== undefined && f.headersMs > SLOW_SHARE * read) parts.push(`the origin's answer took ${f.headersMs} ms, ${Math.round((100 * f.headersMs) / read)}% of its OriginReadTimeout (${read / 1000} s)`);
  const complete = target.responseCompletionTimeoutMs;
  if (complete !== undefined && f.totalMs > SLOW_SHARE * complete) parts.push(`the whole answer took ${f.totalMs} ms, ${Math.round((100 * f.totalMs) / complete)}% of its ResponseCompletionTimeout (${complete / 1000} s)`);
  return `${parts.join('; ')}: ${describeEdge(f)}`;
}

/** `CloudFront Function name` from `arn:aws:cloudfront::123:function/name`, `Lambda@Edge name` from `...:function:name:3`. */
const hookName = (h: { kind: string; arn: string }) =>
  `${h.kind === 'cloudfront-function' ? 'CloudFront Function' : 'Lambda@Edge'} ${/function[:/]([^:/]+)/.exec(h.arn)?.[1] ?? h.arn}`;

/** Behaviors whose origin may be chosen at run time: said on the origin they name, edge check or not. */
function runtimeOriginNote(target: OriginTarget): Finding[] {
  const routes = (target.edgeRoutes ?? []).filter((r) => r.runtimeOrigin?.length);
  if (routes.length === 0) return [];
  const hooks = uniq(routes.flatMap((r) => r.runtimeOrigin ?? []).map(hookName));
  return [
    makeFinding(target, {
      code: 'ORIGIN_CHOSEN_AT_RUNTIME',
      message: `the origin may be chosen at run time on ${routes.map((r) => r.pathPattern).join(', ')} (${hooks.join(', ')}): the verdict for these paths rests on the edge check`,
      evidence: { paths: routes.map((r) => ({ pathPattern: r.pathPattern, hooks: r.runtimeOrigin })) },
      behaviors: routes.map((r) => r.pathPattern),
    }),
  ];
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

const DIRECT_WORDS: Record<DirectVerdict | 'any', string> = {
  'cannot-connect': 'cannot connect (timeout, refused, reset, client certificate demanded)',
  critical: 'critical',
  fine: 'fine (no critical finding)',
  any: 'anything',
};
const EDGE_WORDS: Record<EdgeVerdict, string> = {
  'reaches-origin': 'reaches the origin (any status of its own)',
  'cloudfront-502-504': "CloudFront's own 502 or 504",
  'not-conclusive': 'refused at the edge, answered by a function, from the cache, not made, or off',
};

/** The README's table, from VANTAGE_TABLE (test/diagnosis/vantage.test.ts checks the README has it). */
export function vantageTableMarkdown(): string {
  return [
    '| direct probe | edge check | verdict |',
    '|---|---|---|',
    ...VANTAGE_TABLE.map((r) => `| ${DIRECT_WORDS[r.direct]} | ${EDGE_WORDS[r.edge]} | ${r.verdict} |`),
  ].join('\n');
}
