/**
 * Whether a cache behavior forwards the viewer's Host header to the origin, in which case CloudFront sends the
 * viewer's domain (not the origin's) as SNI and the origin certificate must cover it.
 *
 * Forwarded when any holds: legacy `ForwardedValues.Headers` contains `Host` or `*`; the cache policy's header
 * whitelist contains `host` (cache-key headers are always forwarded); the origin request policy is `allViewer`,
 * `allViewerAndWhitelistCloudFront`, a `whitelist` with `host`, or `allExcept` without `host`.
 */
import { managedCachePolicy, managedOriginRequestPolicy } from '../cloudfront/managed-policies';
import type { Behavior, Distribution, HeaderPolicy, PolicyCatalog } from './distributions';

export type PolicyType = 'cache' | 'origin-request';

export interface PolicyRef {
  type: PolicyType;
  id: string;
}

export type HostForwarding =
  | { kind: 'forwarded' }
  | { kind: 'not-forwarded' }
  /** No known source forwards Host, and these policies could not be read. */
  | { kind: 'unknown'; policies: PolicyRef[] };

const hasHost = (headers: string[]): boolean => headers.some((h) => h.toLowerCase() === 'host');

export function cachePolicyForwardsHost(policy: HeaderPolicy): boolean {
  return policy.headerBehavior === 'whitelist' && hasHost(policy.headers);
}

export function originRequestPolicyForwardsHost(policy: HeaderPolicy): boolean {
  switch (policy.headerBehavior) {
    case 'allViewer':
    case 'allViewerAndWhitelistCloudFront':
      return true;
    case 'whitelist':
      return hasHost(policy.headers);
    case 'allExcept':
      return !hasHost(policy.headers);
    default:
      return false;
  }
}

/** true / false, or undefined when the policy is neither AWS-managed and known nor in the catalog. */
function policyForwardsHost(ref: PolicyRef, policies: PolicyCatalog): boolean | undefined {
  if (ref.type === 'cache') {
    const custom = policies.cache.get(ref.id);
    return managedCachePolicy(ref.id)?.forwardsHost ?? (custom && cachePolicyForwardsHost(custom));
  }
  const custom = policies.originRequest.get(ref.id);
  return managedOriginRequestPolicy(ref.id)?.forwardsHost ?? (custom && originRequestPolicyForwardsHost(custom));
}

export function behaviorPolicies(behavior: Behavior): PolicyRef[] {
  const refs: PolicyRef[] = [];
  if (behavior.cachePolicyId) refs.push({ type: 'cache', id: behavior.cachePolicyId });
  if (behavior.originRequestPolicyId) refs.push({ type: 'origin-request', id: behavior.originRequestPolicyId });
  return refs;
}

export function behaviorHostForwarding(behavior: Behavior, policies: PolicyCatalog): HostForwarding {
  if (behavior.forwardedHeaders?.some((h) => h === '*' || h.toLowerCase() === 'host')) return { kind: 'forwarded' };
  const verdicts = behaviorPolicies(behavior).map((ref) => ({ ref, forwards: policyForwardsHost(ref, policies) }));
  if (verdicts.some((v) => v.forwards === true)) return { kind: 'forwarded' };
  const unknown = verdicts.filter((v) => v.forwards === undefined).map((v) => v.ref);
  return unknown.length > 0 ? { kind: 'unknown', policies: unknown } : { kind: 'not-forwarded' };
}

/** The policies the behaviors use that the managed table does not know: the ones to read from the API. */
export function policiesToRead(distributions: Distribution[]): PolicyRef[] {
  const refs = new Map<string, PolicyRef>();
  for (const ref of distributions.flatMap((d) => d.behaviors.flatMap(behaviorPolicies))) {
    const managed = ref.type === 'cache' ? managedCachePolicy(ref.id) : managedOriginRequestPolicy(ref.id);
    if (!managed) refs.set(`${ref.type}:${ref.id}`, ref);
  }
  return [...refs.values()];
}
