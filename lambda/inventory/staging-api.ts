/**
 * Continuous deployment from the live API: the primaries' GetDistributionConfig and their policies'
 * GetContinuousDeploymentPolicy (the readers and the link itself: staging.ts). Loaded only by the live inventory.
 */
import { type CloudFrontClient, GetContinuousDeploymentPolicyCommand, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import type { StagingLink } from '../model';
import { type Distribution, withSource } from './distributions';
import { type CdPolicy, linkStaging, type PrimaryRef, readCdPolicy, readPolicyId, STAGING_PERMISSIONS } from './staging';

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
