/** The one entry point the CLI and the Lambda handler use to get probe targets. */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { OriginTarget } from '../model';
import { loadInventoryFile } from './cli-json';
import { loadInventoryFromApi } from './cloudfront-api';
import { type BuildTargetsOptions, buildTargets } from './targets';

export { createCloudFrontClient } from './cloudfront-api';
export type { BuildTargetsOptions } from './targets';

export type InventorySpec =
  | { kind: 'api'; client: CloudFrontClient }
  /** `--inventory FILE` and zero or more `--policies FILE`. */
  | { kind: 'file'; inventory: string; policies?: string[] };

export async function loadTargets(source: InventorySpec, opts: BuildTargetsOptions = {}): Promise<OriginTarget[]> {
  const inventory =
    source.kind === 'api'
      ? await loadInventoryFromApi(source.client)
      : await loadInventoryFile(source.inventory, source.policies);
  return buildTargets(inventory.distributions, inventory.policies, opts, inventory.unreadable);
}
