/**
 * Continuous deployment. A staging distribution (`DistributionSummary.Staging`) takes a share of a primary
 * distribution's real traffic, by weight or by a header, and has origins of its own: it is scanned like any other,
 * and the report names the primary and the share. The link is in two places the listing does not show: the
 * primary's `DistributionConfig.ContinuousDeploymentPolicyId` (GetDistributionConfig), and the policy's
 * `StagingDistributionDnsNames` and `TrafficConfig` (GetContinuousDeploymentPolicy).
 *
 * The readers take the SDK's shapes and the AWS CLI's JSON alike. The API calls are in staging-api.ts, so that a
 * saved inventory (a file) loads no AWS SDK.
 */
import type { StagingLink } from '../model';
import { type Distribution, InventoryFormatError, isObject, joinPath } from './distributions';

export interface CdPolicy {
  id: string;
  enabled: boolean;
  /** The staging distributions' domain names (`dxxxx.cloudfront.net`). */
  stagingDnsNames: string[];
  traffic?: StagingLink['traffic'];
}

export interface PrimaryRef {
  id: string;
  domainName?: string;
  policyId: string;
}

type JsonObject = Record<string, unknown>;

function obj(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw new InventoryFormatError(path, 'expected an object');
  return value;
}

/** A `ContinuousDeploymentPolicy`: `{Id, ContinuousDeploymentPolicyConfig: {StagingDistributionDnsNames, Enabled, TrafficConfig}}`. */
export function readCdPolicy(value: unknown, path: string): CdPolicy {
  const o = obj(value, path);
  if (typeof o.Id !== 'string' || !o.Id) throw new InventoryFormatError(joinPath(path, 'Id'), 'expected a string');
  const cPath = joinPath(path, 'ContinuousDeploymentPolicyConfig');
  const c = obj(o.ContinuousDeploymentPolicyConfig, cPath);
  const names = isObject(c.StagingDistributionDnsNames) ? c.StagingDistributionDnsNames.Items : undefined;
  if (names !== undefined && !Array.isArray(names)) {
    throw new InventoryFormatError(joinPath(cPath, 'StagingDistributionDnsNames.Items'), 'expected an array');
  }
  return {
    id: o.Id,
    enabled: c.Enabled === true,
    stagingDnsNames: (names ?? []).filter((n): n is string => typeof n === 'string'),
    ...readTraffic(c.TrafficConfig),
  };
}

function readTraffic(value: unknown): Pick<CdPolicy, 'traffic'> {
  if (!isObject(value)) return {};
  const weight = isObject(value.SingleWeightConfig) ? value.SingleWeightConfig.Weight : undefined;
  const header = isObject(value.SingleHeaderConfig) ? value.SingleHeaderConfig.Header : undefined;
  if (value.Type === 'SingleWeight' && typeof weight === 'number') return { traffic: { type: 'weight', weight } };
  // The header's value routes a request to staging: it is not repeated anywhere.
  if (value.Type === 'SingleHeader' && typeof header === 'string') return { traffic: { type: 'header', header } };
  return {};
}

/** The policy id of a `DistributionConfig`, if it has one (the CLI prints an unset id as ""). */
export function readPolicyId(config: unknown, path: string): string | undefined {
  const c = obj(config, path);
  return typeof c.ContinuousDeploymentPolicyId === 'string' && c.ContinuousDeploymentPolicyId ? c.ContinuousDeploymentPolicyId : undefined;
}

/** Each staging distribution's link: the policy that names its domain, and the primary that uses the policy. */
export function linkStaging(
  distributions: Distribution[],
  primaries: PrimaryRef[],
  policies: CdPolicy[],
  unmatched: (d: Distribution) => string,
): Map<string, StagingLink> {
  const links = new Map<string, StagingLink>();
  for (const s of distributions.filter((d) => d.staging)) {
    const policy = policies.find((p) => p.stagingDnsNames.some((n) => n.toLowerCase() === s.domainName.toLowerCase()));
    if (!policy) {
      links.set(s.id, { unresolved: unmatched(s) });
      continue;
    }
    const primary = primaries.find((p) => p.policyId === policy.id);
    links.set(s.id, {
      ...(primary ? { primaryId: primary.id } : {}),
      ...(primary?.domainName ? { primaryDomainName: primary.domainName } : {}),
      policyId: policy.id,
      policyEnabled: policy.enabled,
      ...(policy.traffic ? { traffic: policy.traffic } : {}),
      ...(primary ? {} : { unresolved: `no primary distribution using continuous deployment policy ${policy.id} was found` }),
    });
  }
  return links;
}

/** What the live API reads (staging-api.ts) need. */
export const STAGING_PERMISSIONS = ['cloudfront:GetDistributionConfig', 'cloudfront:GetContinuousDeploymentPolicy'] as const;
