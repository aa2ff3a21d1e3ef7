/**
 * The inventory fixtures: AWS CLI JSON files under test/fixtures/inventory, and the same data in the SDK's shape
 * (dates as Date) for aws-sdk-client-mock and the fake CloudFront API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CachePolicy, DistributionSummary, OriginRequestPolicy } from '@aws-sdk/client-cloudfront';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'inventory');
export const INVENTORY_FILE = join(FIXTURES, 'list-distributions.json');
export const INVENTORY_PAGES_FILE = join(FIXTURES, 'list-distributions-pages.json');
export const CACHE_POLICIES_FILE = join(FIXTURES, 'list-cache-policies.json');
export const ORIGIN_REQUEST_POLICIES_FILE = join(FIXTURES, 'list-origin-request-policies.json');
export const POLICY_FILES = [CACHE_POLICIES_FILE, ORIGIN_REQUEST_POLICIES_FILE];

/** Custom header values in the fixtures: they must never reach a target, a log or an error. */
export const SECRET_HEADER_VALUES = ['s3cr3t-0r1g1n-v3r1fy-t0k3n-DO-NOT-LEAK', 'Bearer fixture-secret-b7e4c1d9'];

export const POLICY_IDS = {
  CACHE_HOST_IN_KEY: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4c01',
  ORP_ALL_EXCEPT_AUTHORIZATION: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4ca1',
  ORP_WHITELIST_HOST: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4ca2',
  ORP_ALL_VIEWER_AND_CLOUDFRONT: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4ca3',
  ORP_ALL_EXCEPT_HOST: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4ca4',
  /** Used by a behavior, described by no policies file. */
  ORP_UNDESCRIBED: '7c1e5b2a-3d4f-4a6b-9c8d-0e1f2a3b4cff',
} as const;

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

/** JSON dates (strings) become Date, as the SDK returns them. */
function withDates<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v) => (key === 'LastModifiedTime' ? new Date(v) : v));
}

export function sdkDistributions(): DistributionSummary[] {
  return withDates(readJson(INVENTORY_FILE).DistributionList.Items);
}

export function sdkCachePolicies(): CachePolicy[] {
  return withDates(readJson(CACHE_POLICIES_FILE).CachePolicyList.Items.map((i: any) => i.CachePolicy));
}

export function sdkOriginRequestPolicies(): OriginRequestPolicy[] {
  return withDates(readJson(ORIGIN_REQUEST_POLICIES_FILE).OriginRequestPolicyList.Items.map((i: any) => i.OriginRequestPolicy));
}
