/**
 * One line each for the request paths of an origin beyond its behaviors (staging, tenant, Origin Shield, unrouted),
 * for the CLI table and the alert e-mail alike. Pure.
 */
import type { RequestPaths, StagingLink, TenantRef } from '../model';

/** "only staged traffic is affected: 5% of the requests to primary distribution E1 (d1.cloudfront.net) (policy X)" */
export function describeStaging(link: StagingLink): string {
  const primary = link.primaryId
    ? `primary distribution ${link.primaryId}${link.primaryDomainName ? ` (${link.primaryDomainName})` : ''}`
    : 'the primary distribution';
  const share = !link.traffic
    ? `a share of the requests to ${primary}`
    : link.traffic.type === 'weight'
      ? `${+(link.traffic.weight * 100).toFixed(2)}% of the requests to ${primary}`
      : `the requests to ${primary} that carry the header ${link.traffic.header}`;
  const policy = link.policyId
    ? `, by continuous deployment policy ${link.policyId}${link.policyEnabled === false ? ' (disabled: no viewer traffic reaches it now)' : ''}`
    : '';
  const unresolved = link.unresolved ? `; ${link.unresolved}` : '';
  return `only staged traffic is affected: ${share}${policy}${unresolved}`;
}

export function describeTenant(tenant: TenantRef): string {
  const params = Object.entries(tenant.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
  return `distribution tenant ${tenant.name} (${tenant.id}): domains ${tenant.domains.join(', ') || 'none'}${params.length ? `; parameters ${params.join(', ')}` : ''}`;
}

export function describeOriginShield(shield: NonNullable<RequestPaths['originShield']>): string {
  return `Origin Shield in ${shield.region}: CloudFront reaches this origin from that region (behaviors ${shield.behaviors.join(', ')}), not from every edge location`;
}

/** The lines for an origin's request paths, labelled. */
export function pathLines(paths: RequestPaths | undefined): { label: string; text: string }[] {
  if (!paths) return [];
  const out: { label: string; text: string }[] = [];
  if (paths.tenant) out.push({ label: 'Tenant', text: describeTenant(paths.tenant) });
  if (paths.staging) out.push({ label: 'Staging', text: describeStaging(paths.staging) });
  if (paths.originShield) out.push({ label: 'Origin Shield', text: describeOriginShield(paths.originShield) });
  if (paths.unrouted) {
    out.push({
      label: 'Routing',
      text: paths.unrouted.runtimeOnly
        ? 'no behavior targets this origin; a function association may choose it at run time'
        : 'no behavior targets this origin: no viewer request reaches it',
    });
  }
  return out;
}
