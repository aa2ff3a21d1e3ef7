/**
 * The live inventory: every page of ListDistributions, plus the custom cache and origin request policies the
 * behaviors use (each read once per run). The summaries carry origins, groups, behaviors and aliases, so no
 * GetDistribution call is needed.
 */
import {
  CloudFrontClient,
  type CloudFrontClientConfig,
  GetCachePolicyCommand,
  GetOriginRequestPolicyCommand,
  paginateListDistributions,
} from '@aws-sdk/client-cloudfront';
import {
  type Distribution,
  emptyPolicyCatalog,
  type HeaderPolicy,
  type InventorySource,
  type PolicyCatalog,
  readCachePolicy,
  readDistributionListLenient,
  type UnreadableDistribution,
  readOriginRequestPolicy,
  withSource,
} from './distributions';
import { mapLimit } from '../util/limiter';
import { policiesToRead, type PolicyRef } from './host-forwarding';

/** CloudFront is global: any commercial region works, signed for us-east-1. Used when none is configured. */
export const DEFAULT_REGION = 'us-east-1';
/** The SDK's standard retry strategy (with throttling back-off), with a little more patience than its default 3. */
export const MAX_ATTEMPTS = 5;

export const REQUIRED_PERMISSIONS = [
  'cloudfront:ListDistributions',
  'cloudfront:GetCachePolicy',
  'cloudfront:GetOriginRequestPolicy',
] as const;

/** The region of the standard chain (env, shared config), or DEFAULT_REGION when it has none. */
function regionOrDefault(): () => Promise<string> {
  let region: Promise<string> | undefined;
  return () => {
    region ??= (async () => {
      const probe = new CloudFrontClient({});
      try {
        return await probe.config.region();
      } catch {
        return DEFAULT_REGION;
      } finally {
        probe.destroy();
      }
    })();
    return region;
  };
}

/** Standard credential/config chain and endpoint overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDFRONT). */
export function createCloudFrontClient(config: CloudFrontClientConfig = {}): CloudFrontClient {
  return new CloudFrontClient({ region: regionOrDefault(), maxAttempts: MAX_ATTEMPTS, ...config });
}

const errorName = (e: unknown): string | undefined => (e as { name?: string } | null)?.name;

function accessDeniedError(e: unknown): Error {
  const principal = /User: (\S+) is not authorized/.exec((e as Error).message ?? '')?.[1];
  return new Error(
    `AccessDenied: cloudfront:ListDistributions is not allowed for ${principal ?? 'the current credentials'}; ` +
      `grant ${REQUIRED_PERMISSIONS.join(', ')}`,
  );
}

async function listDistributions(client: CloudFrontClient): Promise<{ distributions: Distribution[]; unreadable: UnreadableDistribution[] }> {
  const distributions: Distribution[] = [];
  const unreadable: UnreadableDistribution[] = [];
  let page = 0;
  try {
    for await (const response of paginateListDistributions({ client }, {})) {
      page += 1;
      const source = `ListDistributions page ${page}`;
      const read = withSource(source, () => readDistributionListLenient(response.DistributionList, 'DistributionList'));
      distributions.push(...read.distributions);
      unreadable.push(...read.unreadable.map((u) => ({ ...u, reason: `${source}: ${u.reason}` })));
    }
  } catch (e) {
    throw errorName(e) === 'AccessDenied' ? accessDeniedError(e) : e;
  }
  return { distributions, unreadable };
}

/** A policy that is denied or gone is unknown (HOST_FORWARDING_UNKNOWN), not fatal. */
const UNREADABLE_POLICY_ERRORS = new Set(['AccessDenied', 'NoSuchCachePolicy', 'NoSuchOriginRequestPolicy']);

async function fetchPolicy(client: CloudFrontClient, ref: PolicyRef): Promise<HeaderPolicy> {
  if (ref.type === 'cache') {
    const response = await client.send(new GetCachePolicyCommand({ Id: ref.id }));
    return withSource(`GetCachePolicy ${ref.id}`, () => readCachePolicy(response.CachePolicy, 'CachePolicy'));
  }
  const response = await client.send(new GetOriginRequestPolicyCommand({ Id: ref.id }));
  return withSource(`GetOriginRequestPolicy ${ref.id}`, () =>
    readOriginRequestPolicy(response.OriginRequestPolicy, 'OriginRequestPolicy'),
  );
}

/** Policy reads at once: enough to hide the latency of many custom policies, few enough to stay off throttling. */
const POLICY_READS_AT_ONCE = 4;

export async function readPolicies(client: CloudFrontClient, refs: PolicyRef[]): Promise<PolicyCatalog> {
  const catalog = emptyPolicyCatalog();
  await mapLimit(refs, POLICY_READS_AT_ONCE, async (ref) => {
    try {
      const policy = await fetchPolicy(client, ref);
      (ref.type === 'cache' ? catalog.cache : catalog.originRequest).set(ref.id, policy);
    } catch (e) {
      if (!UNREADABLE_POLICY_ERRORS.has(errorName(e) ?? '')) throw e;
    }
  });
  return catalog;
}

export async function loadInventoryFromApi(client: CloudFrontClient): Promise<InventorySource> {
  const { distributions, unreadable } = await listDistributions(client);
  const policies = await readPolicies(client, policiesToRead(distributions));
  return { sourceName: 'CloudFront API', distributions, policies, ...(unreadable.length ? { unreadable } : {}) };
}
