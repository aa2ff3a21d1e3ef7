/**
 * The ClientHello offers the prober sends, built from the client profile (data) and the origin's settings.
 * The verdict offer is CloudFront's own; each detail offer changes one dimension of it.
 */
import { CLOUDFRONT_TLS13_SUITES, offeredVersions, type ClientProfile } from '../cloudfront/client-profile';
import type { HelloOffer, HelloOutcome, HelloResult, OriginSslProtocol, TlsVersionName } from '../model';
import { BROAD_GROUPS, BROAD_SUITES } from './tls-constants';

/**
 * The lists of a profile's offer, built once per profile and versions and shared by every origin's offer (10,000
 * origins, one set of lists). Never changed in place: the detail offers below build new lists.
 */
const lists = new WeakMap<ClientProfile, { codes: Omit<HelloOffer, 'versions' | 'serverName'>; versions: Map<string, HelloOffer['versions']> }>();

/** The hello CloudFront sends this origin under this profile. */
export function cloudfrontOffer(profile: ClientProfile, allowed: readonly OriginSslProtocol[], serverName?: string): HelloOffer {
  let shared = lists.get(profile);
  if (!shared) {
    const codes = {
      suites: profile.suites.map((s) => s.code),
      tls13Suites: profile.tls13Suites.map((s) => s.code),
      groups: profile.groups.map((g) => g.code),
      signatureSchemes: profile.signatureSchemes.map((s) => s.code),
    };
    lists.set(profile, (shared = { codes, versions: new Map() }));
  }
  const key = allowed.join(',');
  let versions = shared.versions.get(key);
  if (!versions) shared.versions.set(key, (versions = offeredVersions(profile, allowed)));
  return { versions, ...shared.codes, ...(serverName ? { serverName } : {}) };
}

/**
 * CloudFront's suites and groups, one version only. A TLS 1.3 probe uses CloudFront's 1.3 suites even under the
 * legacy profile, so that "speaks only TLS 1.3" can be told from "speaks no TLS at all".
 */
export function singleVersionOffer(base: HelloOffer, version: TlsVersionName): HelloOffer {
  const tls13Suites = base.tls13Suites.length > 0 ? base.tls13Suites : CLOUDFRONT_TLS13_SUITES.map((s) => s.code);
  return { ...base, versions: [version], tls13Suites };
}

/** Any real-world suite, TLS 1.2: does the server refuse CloudFront's suites, or TLS 1.2 itself? */
export function broadSuitesOffer(base: HelloOffer): HelloOffer {
  return { ...base, versions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], suites: [...BROAD_SUITES] };
}

/** CloudFront's suites with any group, up to TLS 1.2: does the server refuse CloudFront's groups? */
export function broadGroupsOffer(base: HelloOffer): HelloOffer {
  return { ...base, versions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], groups: [...BROAD_GROUPS] };
}

/** TLS 1.3 with any group: a 1.3-only server that wants a group CloudFront lacks (P-521, x448, ffdhe). */
export function broadGroups13Offer(base: HelloOffer): HelloOffer {
  return { ...singleVersionOffer(base, 'TLSv1.3'), groups: [...BROAD_GROUPS] };
}

/** CloudFront's offer without 3DES and RC4: does the server need them? */
export function noLegacySuitesOffer(base: HelloOffer, legacySuites: readonly number[]): HelloOffer {
  return { ...base, suites: base.suites.filter((s) => !legacySuites.includes(s)) };
}

/** The distribution's versions only (no TLS 1.3): what the legacy profile would send. */
export function upToTls12Offer(base: HelloOffer): HelloOffer {
  return { ...base, versions: base.versions.filter((v) => v !== 'TLSv1.3') };
}

export type AcceptedHello = HelloResult & { outcome: Extract<HelloOutcome, { kind: 'server-hello' }> };

/** The server answered with a ServerHello whose every choice the offer allows. */
export function isAccepted(result: HelloResult | undefined): result is AcceptedHello {
  return result?.outcome.kind === 'server-hello' && !result.outcome.hello.offerViolations?.length;
}
