/**
 * The identity of a finding across runs: (distribution, origin, SNI name, code).
 * Addresses and ports are evidence, not identity: a load balancer changing its IPs must not raise "new" findings.
 */

export interface FindingIdentity {
  /** Absent for a target that is not part of a distribution (a single origin from the CLI). */
  distributionId?: string;
  /** Absent for a single origin: the origin key stands in. */
  originId?: string;
  /** The origin key of the scan (`${distributionId}/${originId}`, or the domain). */
  originKey: string;
  sniName?: string;
  code: string;
  /** The distribution tenant, for a target of a multi-tenant template (one target per tenant and origin). */
  tenantId?: string;
}

const part = (s: string | undefined): string =>
  s === undefined || s === '' ? '-' : s === '-' ? '%2D' : encodeURIComponent(s);

/**
 * A readable, unambiguous key: `E2ABC/api-origin/api.example.com/CERT_EXPIRED`. Each part is URI-encoded, so a `/`
 * inside an origin id cannot make two identities collide; `-` stands for an absent part.
 */
export function identityKey(id: FindingIdentity): string {
  // `@` is escaped inside a part, so `origin@tenant` cannot collide with an origin id.
  const origin = part(id.originId ?? id.originKey) + (id.tenantId ? `@${part(id.tenantId)}` : '');
  return [part(id.distributionId), origin, part(id.sniName), part(id.code)].join('/');
}
