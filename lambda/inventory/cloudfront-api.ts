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
import { pageBound } from './page-bound';
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

/**
 * Time-outs of each API request (the SDK's own are none for the connection and 5 minutes idle): an endpoint that
 * accepts and never answers fails the attempt, which the retry strategy tries again, so a stuck endpoint ends the
 * listing within MAX_ATTEMPTS x requestTimeout plus backoff instead of hanging the scan.
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 20_000 } as const;

/** A listing longer than this is refused (an endpoint paging forever): see page-bound.ts. */
export { MAX_LIST_PAGES } from './page-bound';

/** Standard credential/config chain and endpoint overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDFRONT). */
export function createCloudFrontClient(config: CloudFrontClientConfig = {}, timeouts: { connectionTimeout: number; requestTimeout: number } = REQUEST_TIMEOUTS): CloudFrontClient {
  return new CloudFrontClient({
    region: regionOrDefault(),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { ...timeouts, socketTimeout: timeouts.requestTimeout, throwOnRequestTimeout: true },
    ...config,
  });
}

const errorName = (e: unknown): string | undefined => (e as { name?: string } | null)?.name;

/** No credentials anywhere in the chain: what to do, in one line. */
export const NO_CREDENTIALS =
  'no AWS credentials found: run `aws configure` (or `aws sso login`), set AWS_PROFILE, or scan a saved listing with --inventory FILE (aws cloudfront list-distributions > FILE)';

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const EXPIRED_ERRORS = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch']);

/** The SDK's errors a person can act on, as one line; anything else as it is. */
function listingError(e: unknown): Error {
  const name = errorName(e) ?? '';
  if (name === 'AccessDenied') return accessDeniedError(e);
  if (CREDENTIAL_ERRORS.has(name)) return new Error(NO_CREDENTIALS, { cause: e });
  if (EXPIRED_ERRORS.has(name)) {
    return new Error(`${name}: the AWS credentials were refused (${(e as Error).message.split('\n')[0]}); refresh them (aws sso login, aws configure) or check AWS_PROFILE`, { cause: e });
  }
  if (name === 'TimeoutError' || (e as NodeJS.ErrnoException)?.code === 'ETIMEDOUT') {
    return new Error(`the CloudFront API did not answer (${MAX_ATTEMPTS} tries, ${REQUEST_TIMEOUTS.requestTimeout / 1000} s each); check the network or AWS_ENDPOINT_URL`, { cause: e });
  }
  if (name === 'Error' && /Deserialization error|char '<'|Unexpected/.test((e as Error).message ?? '')) {
    return notAListing(e);
  }
  return e instanceof Error ? e : new Error(String(e));
}

function notAListing(cause?: unknown): Error {
  return new Error(
    'ListDistributions answered with something that is not a CloudFront distribution list (a proxy or captive portal page?); check the network, HTTPS_PROXY and AWS_ENDPOINT_URL',
    ...(cause ? [{ cause }] : []),
  );
}

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
  const pages = pageBound('ListDistributions');
  try {
    for await (const response of paginateListDistributions({ client }, {})) {
      const source = pages.page();
      const list = response.DistributionList;
      // Every real page carries IsTruncated and Quantity; a 200 that parsed as XML without them (an HTML page,
      // a proxy's answer) is not "no distributions".
      if (!list || typeof list.IsTruncated !== 'boolean' || typeof list.Quantity !== 'number') throw notAListing();
      const read = withSource(source, () => readDistributionListLenient(list, 'DistributionList'));
      distributions.push(...read.distributions);
      unreadable.push(...read.unreadable.map((u) => ({ ...u, reason: `${source}: ${u.reason}` })));
      // The marker the paginator follows next (it follows any it is given).
      pages.next(list.NextMarker, list.IsTruncated);
    }
  } catch (e) {
    throw listingError(e);
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
