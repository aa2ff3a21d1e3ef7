/** The one entry point the CLI and the Lambda handler use to get probe targets. */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { OriginTarget } from '../model';
import { loadInventoryFile } from './cli-json';
import type { InventorySource } from './distributions';
import { extrasFromDetails, loadDetailsFiles } from './extras';
import { markOffline } from './offline';
import { type BuildTargetsOptions, buildTargets } from './targets';

/**
 * The AWS SDK is loaded only when the live inventory is asked for: `--inventory FILE`, `--origin` and `--help` do
 * not pay its start-up time. Every module that imports @aws-sdk (cloudfront-api, extras-api, staging-api,
 * tenants-api, origin-resources) is reached only through these; test/package.e2e.test.ts checks that a saved
 * inventory's scan loads none. (require, not import(): tsx's CommonJS hook and the bundles resolve it.)
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const api = (): typeof import('./cloudfront-api') => require('./cloudfront-api') as typeof import('./cloudfront-api');
const extrasApi = (): typeof import('./extras-api') => require('./extras-api') as typeof import('./extras-api');
/* eslint-enable @typescript-eslint/no-require-imports */

export function createCloudFrontClient(...args: Parameters<typeof import('./cloudfront-api').createCloudFrontClient>): CloudFrontClient {
  return api().createCloudFrontClient(...args);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resources = (): typeof import('./origin-resources') => require('./origin-resources') as typeof import('./origin-resources');

export function createAcmClient(...args: Parameters<typeof import('./origin-resources').createAcmClient>): ReturnType<typeof import('./origin-resources').createAcmClient> {
  return resources().createAcmClient(...args);
}
export type { BuildTargetsOptions } from './targets';

export type InventorySpec =
  /** `acm`: for the client certificates of origin mTLS origins (none: they are reported as not read). */
  | { kind: 'api'; client: CloudFrontClient; acm?: Pick<ACMClient, 'send'> }
  /**
   * `--inventory FILE` (repeatable: e.g. list-distributions and list-distributions-by-connection-mode), zero or more
   * `--policies FILE`, and zero or more `--details FILE` (staging policies, primaries, tenants).
   */
  | { kind: 'file'; inventory: string | string[]; policies?: string[]; details?: string[] };

async function loadFiles(source: Extract<InventorySpec, { kind: 'file' }>): Promise<InventorySource> {
  const files = Array.isArray(source.inventory) ? source.inventory : [source.inventory];
  const [first, ...rest] = await Promise.all(files.map((f, i) => loadInventoryFile(f, i === 0 ? source.policies : [])));
  // The same distribution in two files (ListDistributions may also return tenant-only templates): kept once.
  const seen = new Set(first.distributions.map((d) => d.id));
  const distributions = [...first.distributions];
  for (const more of rest) for (const d of more.distributions) if (!seen.has(d.id)) (seen.add(d.id), distributions.push(d));
  const details = await loadDetailsFiles(source.details ?? []);
  return { ...first, distributions, ...extrasFromDetails(distributions, details) };
}

export async function loadInventory(source: InventorySpec): Promise<InventorySource> {
  if (source.kind === 'api') return extrasApi().extendFromApi(source.client, await api().loadInventoryFromApi(source.client));
  return loadFiles(source);
}

export async function loadTargets(source: InventorySpec, opts: BuildTargetsOptions = {}): Promise<OriginTarget[]> {
  const inventory = await loadInventory(source);
  const targets = buildTargets(inventory.distributions, inventory.policies, opts, inventory.unreadable, {
    ...(inventory.staging ? { staging: inventory.staging } : {}),
    ...(inventory.tenants ? { tenants: inventory.tenants } : {}),
  });
  if (source.kind === 'file') return markOffline(targets);
  return resources().readOriginResources(targets, { cloudfront: source.client, ...(source.acm ? { acm: source.acm } : {}) });
}
