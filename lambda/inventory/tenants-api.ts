/**
 * Multi-tenant templates and their tenants from the live API: ListDistributionsByConnectionMode (templates
 * ListDistributions may not return), ListDistributionTenants, GetDistributionConfig (parameter defaults) and
 * GetDistributionTenant (parameter values). Every failure is said on the distributions concerned.
 */
import {
  type CloudFrontClient,
  GetDistributionConfigCommand,
  GetDistributionTenantCommand,
  paginateListDistributionsByConnectionMode,
  paginateListDistributionTenants,
} from '@aws-sdk/client-cloudfront';
import { mapLimit } from '../util/limiter';
import { pageBound } from './page-bound';
import { type Distribution, readDistributionListLenient, type UnreadableDistribution, withSource } from './distributions';
import { placeholders, readParameterDefaults, readTenant, type TemplateTenants, type TenantInfo } from './tenants';

const READS_AT_ONCE = 4;

const errorText = (e: unknown): string => {
  const err = e as { name?: string; message?: string };
  return `${err.name ?? 'Error'}${err.message && err.message !== err.name ? `: ${err.message.split('\n')[0]}` : ''}`;
};

/** What to grant when a call was denied (the reason then says it), else nothing (a failure: run again). */
const grantIfDenied = (e: unknown, permission: string): string =>
  (e as { name?: string } | null)?.name === 'AccessDenied' ? `; grant ${permission}` : '';

/**
 * Every tenant-only distribution, from ListDistributionsByConnectionMode: whether ListDistributions returns them is
 * not documented, so the templates it did not list are added here. A failure is said, never an empty list.
 */
export async function listTemplates(
  client: CloudFrontClient,
  known: ReadonlySet<string>,
): Promise<{ distributions: Distribution[]; unreadable: UnreadableDistribution[]; alsoListed: string[] }> {
  const distributions: Distribution[] = [];
  const unreadable: UnreadableDistribution[] = [];
  /** Templates ListDistributions did return: marked tenant-only even if that listing did not say so. */
  const alsoListed: string[] = [];
  const pages = pageBound('ListDistributionsByConnectionMode');
  try {
    for await (const response of paginateListDistributionsByConnectionMode({ client }, { ConnectionMode: 'tenant-only' })) {
      const source = pages.page();
      const read = withSource(source, () => readDistributionListLenient(response.DistributionList, 'DistributionList'));
      distributions.push(...read.distributions.filter((d) => !known.has(d.id)).map((d) => ({ ...d, connectionMode: 'tenant-only' as const })));
      alsoListed.push(...read.distributions.filter((d) => known.has(d.id)).map((d) => d.id));
      unreadable.push(...read.unreadable.filter((u) => !known.has(u.id)).map((u) => ({ ...u, reason: `${source}: ${u.reason}` })));
      pages.next(response.DistributionList?.NextMarker, response.DistributionList?.IsTruncated);
    }
  } catch (e) {
    const denied = (e as { name?: string } | null)?.name === 'AccessDenied';
    unreadable.push({
      id: 'tenant-only-distributions',
      reason: `multi-tenant templates could not be listed (ListDistributionsByConnectionMode: ${errorText(e)})${denied ? '; grant cloudfront:ListDistributionsByConnectionMode' : ''}`,
    });
  }
  return { distributions, unreadable, alsoListed };
}

/** The tenants of each template, with their parameter values where the template's origins use parameters. */
export async function readTemplateTenants(client: CloudFrontClient, templates: Distribution[]): Promise<Map<string, TemplateTenants>> {
  const out = new Map<string, TemplateTenants>();
  await mapLimit(templates, READS_AT_ONCE, async (template) => {
    out.set(template.id, await readOneTemplate(client, template));
  });
  return out;
}

async function readOneTemplate(client: CloudFrontClient, template: Distribution): Promise<TemplateTenants> {
  const summaries: (TenantInfo & { distributionId: string })[] = [];
  const pages = pageBound('ListDistributionTenants');
  try {
    for await (const page of paginateListDistributionTenants({ client }, { AssociationFilter: { DistributionId: template.id } })) {
      pages.page();
      for (const [i, item] of (page.DistributionTenantList ?? []).entries()) {
        const t = withSource('ListDistributionTenants', () => readTenant(item, `DistributionTenantList[${i}]`));
        if (t.distributionId === template.id) summaries.push(t);
      }
      pages.next(page.NextMarker);
    }
  } catch (e) {
    // Unresolved: the template's tenants are unchecked (exit 1, the origins-not-checked alarm), never skipped.
    return { unresolved: `its distribution tenants could not be listed (ListDistributionTenants: ${errorText(e)})${grantIfDenied(e, 'cloudfront:ListDistributionTenants')}` };
  }
  const needed = placeholders(template);
  if (needed.length === 0) return { tenants: summaries, defaults: {} };

  let defaults: Record<string, string> | undefined;
  let defaultsUnknown: string | undefined;
  try {
    const response = await client.send(new GetDistributionConfigCommand({ Id: template.id }));
    defaults = withSource(`GetDistributionConfig ${template.id}`, () => readParameterDefaults(response.DistributionConfig, 'DistributionConfig'));
  } catch (e) {
    defaultsUnknown = `GetDistributionConfig ${template.id}: ${errorText(e)}${grantIfDenied(e, 'cloudfront:GetDistributionConfig')}`;
  }
  const tenants = await mapLimit(summaries, READS_AT_ONCE, async (summary): Promise<TenantInfo> => {
    const { distributionId: _ignored, ...base } = summary;
    try {
      const response = await client.send(new GetDistributionTenantCommand({ Identifier: summary.id }));
      const full = withSource(`GetDistributionTenant ${summary.id}`, () => readTenant(response.DistributionTenant, 'DistributionTenant'));
      const { distributionId: _d, ...rest } = full;
      return { ...base, ...rest, parameters: rest.parameters ?? {} };
    } catch (e) {
      // Parameters unknown: the targets that need them are unchecked with the reason (never skipped).
      return { ...base, parametersUnknown: `GetDistributionTenant ${summary.id}: ${errorText(e)}${grantIfDenied(e, 'cloudfront:GetDistributionTenant')}` };
    }
  });
  return { tenants, ...(defaults ? { defaults } : {}), ...(defaultsUnknown ? { defaultsUnknown } : {}) };
}
