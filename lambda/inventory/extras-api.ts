/**
 * The live inventory's extras (extras.ts has the offline ones): the multi-tenant templates ListDistributions did not
 * return, their tenants, and the staging distributions' primaries. Loaded only when the live API is read, so that a
 * saved inventory loads no AWS SDK.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { readPolicies } from './cloudfront-api';
import type { InventorySource } from './distributions';
import { policiesToRead } from './host-forwarding';
import { readStagingLinks } from './staging-api';
import { listTemplates, readTemplateTenants } from './tenants-api';

export async function extendFromApi(client: CloudFrontClient, inventory: InventorySource): Promise<InventorySource> {
  const known = new Set([...inventory.distributions.map((d) => d.id), ...(inventory.unreadable ?? []).map((u) => u.id)]);
  const templates = await listTemplates(client, known);
  const policies = inventory.policies;
  if (templates.distributions.length > 0) {
    const more = await readPolicies(client, policiesToRead(templates.distributions));
    more.cache.forEach((p, id) => policies.cache.set(id, p));
    more.originRequest.forEach((p, id) => policies.originRequest.set(id, p));
  }
  const alsoListed = new Set(templates.alsoListed);
  const distributions = [
    ...inventory.distributions.map((d) => (alsoListed.has(d.id) ? { ...d, connectionMode: 'tenant-only' as const } : d)),
    ...templates.distributions,
  ];
  const unreadable = [...(inventory.unreadable ?? []), ...templates.unreadable];
  const [staging, tenants] = await Promise.all([
    readStagingLinks(client, distributions),
    readTemplateTenants(client, distributions.filter((d) => d.connectionMode === 'tenant-only')),
  ]);
  return {
    ...inventory,
    distributions,
    policies,
    ...(unreadable.length > 0 ? { unreadable } : {}),
    ...(staging.size > 0 ? { staging } : {}),
    ...(tenants.size > 0 ? { tenants } : {}),
  };
}
