/**
 * Continuous deployment. A staging distribution (`DistributionSummary.Staging`) takes a share of a primary
 * distribution's real traffic, by weight or by a header, and has origins of its own: it is scanned like any other,
 * and the report names the primary and the share. The link is in two places the listing does not show: the
 * primary's `DistributionConfig.ContinuousDeploymentPolicyId` (GetDistributionConfig), and the policy's
 * `StagingDistributionDnsNames` and `TrafficConfig` (GetContinuousDeploymentPolicy).
 *
 * The readers take the SDK's shapes and the AWS CLI's JSON alike. The API calls are at the end.
 */
import { type CloudFrontClient, GetContinuousDeploymentPolicyCommand, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import type { StagingLink } from '../model';
import { type Distribution, InventoryFormatError, isObject, joinPath, withSource } from './distributions';

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

// ---------------------------------------------------------------------------------------------------------------
// The live API
// ---------------------------------------------------------------------------------------------------------------

export const STAGING_PERMISSIONS = ['cloudfront:GetDistributionConfig', 'cloudfront:GetContinuousDeploymentPolicy'] as const;

const READS_AT_ONCE = 4;

const errorText = (e: unknown): string => {
  const err = e as { name?: string; message?: string };
  return `${err.name ?? 'Error'}${err.message && err.message !== err.name ? `: ${err.message.split('\n')[0]}` : ''}`;
};

/** How many origin domain names a candidate primary shares with the staging distributions (a staging copy shares most). */
function likeness(candidate: Distribution, stagings: Distribution[]): number {
  const names = new Set(stagings.flatMap((s) => s.origins.map((o) => o.domainName.toLowerCase())));
  return candidate.origins.filter((o) => names.has(o.domainName.toLowerCase())).length;
}

/**
 * Reads the primaries' configurations until every staging distribution has its primary: only when the listing has
 * staging distributions, and most alike first (a staging distribution is a copy of its primary), so usually one
 * or two GetDistributionConfig calls. What could not be read is said on the staging distribution.
 */
export async function readStagingLinks(client: CloudFrontClient, distributions: Distribution[]): Promise<Map<string, StagingLink>> {
  const stagings = distributions.filter((d) => d.staging);
  if (stagings.length === 0) return new Map();
  const candidates = distributions
    .filter((d) => !d.staging && d.connectionMode !== 'tenant-only')
    .map((d) => ({ d, score: likeness(d, stagings) }))
    .sort((a, b) => b.score - a.score)
    .map((c) => c.d);
  const primaries: PrimaryRef[] = [];
  const policies: CdPolicy[] = [];
  const errors: string[] = [];
  const matched = () =>
    stagings.every((s) => policies.some((p) => p.stagingDnsNames.some((n) => n.toLowerCase() === s.domainName.toLowerCase()) && primaries.some((r) => r.policyId === p.id)));

  // The most alike first, alone (usually the primary); then the rest a few at a time, until all are matched.
  for (let i = 0, size = 1; i < candidates.length && !matched(); i += size, size = READS_AT_ONCE) {
    await Promise.all(
      candidates.slice(i, i + size).map(async (c) => {
        try {
          const response = await client.send(new GetDistributionConfigCommand({ Id: c.id }));
          const policyId = withSource(`GetDistributionConfig ${c.id}`, () => readPolicyId(response.DistributionConfig, 'DistributionConfig'));
          if (!policyId) return;
          primaries.push({ id: c.id, domainName: c.domainName, policyId });
          const policy = await client.send(new GetContinuousDeploymentPolicyCommand({ Id: policyId }));
          policies.push(withSource(`GetContinuousDeploymentPolicy ${policyId}`, () => readCdPolicy(policy.ContinuousDeploymentPolicy, 'ContinuousDeploymentPolicy')));
        } catch (e) {
          errors.push(`${c.id}: ${errorText(e)}`);
        }
      }),
    );
  }
  const unmatched = () =>
    errors.length > 0
      ? `its primary could not be looked up (${errors.slice(0, 3).join('; ')}${errors.length > 3 ? `; ${errors.length - 3} more` : ''}); grant ${STAGING_PERMISSIONS.join(', ')}`
      : 'no continuous deployment policy of a primary distribution names it: it takes no viewer traffic now';
  return linkStaging(distributions, primaries, policies, unmatched);
}
