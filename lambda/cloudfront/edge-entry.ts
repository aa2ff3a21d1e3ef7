/**
 * Where the edge check enters CloudFront for an origin, and the requests it sends there:
 * - a distribution: its own domain name (`dxxxx.cloudfront.net`), with the Host each behavior sends;
 * - a tenant of a multi-tenant template: the tenant's first active domain, as its viewers reach it. The domain
 *   points at the tenant's connection group, and CloudFront routes by Host: a domain belongs to one tenant only, so
 *   the request reaches this tenant's behaviors and origins with its parameter values. (The template itself has no
 *   domain of its own: its "-" is no name to send.) A wildcard domain (`*.example.com`) is no name to send either;
 * - a staging distribution: none. Only the primary's staged share of traffic reaches it (a weight, or a header
 *   whose value the monitor does not hold), so no request can be steered there.
 */
import type { EdgeRoute, OriginTarget } from '../model';

export interface EdgeEntry {
  /** The name the request connects to (through DNS, or where --connect-to sends it). */
  domain: string;
  routes: EdgeRoute[];
}

export function edgeEntry(target: OriginTarget): EdgeEntry | undefined {
  const routes = target.edgeRoutes ?? [];
  if (routes.length === 0 || target.paths?.staging) return undefined;
  const tenant = target.paths?.tenant;
  if (tenant) {
    const domain = tenant.domains.find((d) => !d.startsWith('*.'));
    if (!domain) return undefined;
    // A behavior that forwards Host already sends a tenant domain; the others send the tenant's, as its viewers do.
    const sendable = (host: string) => tenant.domains.includes(host) && !host.startsWith('*.');
    return { domain, routes: routes.map((r) => (sendable(r.host) ? r : { ...r, host: domain })) };
  }
  return target.distributionDomainName ? { domain: target.distributionDomainName, routes } : undefined;
}
