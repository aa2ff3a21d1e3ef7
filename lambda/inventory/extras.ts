/**
 * The request paths the distribution listing does not show by itself: staging distributions' primaries and traffic
 * shares, and multi-tenant templates with their tenants.
 *
 * - Live: `extendFromApi` (extras-api.ts, loaded by the live inventory only) adds the templates ListDistributions
 *   did not return, then looks the links up.
 * - Offline: `--details FILE` (repeatable) takes more AWS CLI output; what was not supplied is said on the
 *   distributions concerned, with the command that supplies it (never silently skipped).
 */
import { readFile } from 'node:fs/promises';
import type { StagingLink } from '../model';
import { type Distribution, type InventorySource, InventoryFormatError, isObject, joinPath, listItems, withSource } from './distributions';
import { type CdPolicy, linkStaging, type PrimaryRef, readCdPolicy, readPolicyId } from './staging';
import { mergeTenants, readParameterDefaults, readTenant, type TemplateTenants, type TenantInfo } from './tenants';

// ---------------------------------------------------------------------------------------------------------------
// --details FILE
// ---------------------------------------------------------------------------------------------------------------

export interface Details {
  primaries: PrimaryRef[];
  policies: CdPolicy[];
  tenants: (TenantInfo & { distributionId: string })[];
  /** Template parameter defaults, from `get-distribution` of the template. */
  defaults: Map<string, Record<string, string>>;
  /** Whether any tenant document was given at all. */
  tenantDocuments: number;
}

export const DETAILS_COMMANDS = {
  staging: 'aws cloudfront list-continuous-deployment-policies and aws cloudfront get-distribution --id <primary id>',
  tenants: 'aws cloudfront list-distribution-tenants and, for parameter values, aws cloudfront get-distribution-tenant --identifier <tenant id>',
} as const;

const EXPECTED =
  'expected the output of aws cloudfront get-distribution, get-continuous-deployment-policy, list-continuous-deployment-policies, get-distribution-tenant or list-distribution-tenants';

function readDocument(value: unknown, path: string, into: Details): void {
  if (Array.isArray(value)) return value.forEach((v, i) => readDocument(v, `${path}[${i}]`, into));
  if (!isObject(value)) throw new InventoryFormatError(path, EXPECTED);
  let known = false;
  if ('Distribution' in value) {
    known = true;
    const p = joinPath(path, 'Distribution');
    const d = value.Distribution;
    if (!isObject(d) || typeof d.Id !== 'string') throw new InventoryFormatError(joinPath(p, 'Id'), 'expected a string');
    const cp = joinPath(p, 'DistributionConfig');
    const policyId = readPolicyId(d.DistributionConfig, cp);
    if (policyId) into.primaries.push({ id: d.Id, ...(typeof d.DomainName === 'string' ? { domainName: d.DomainName } : {}), policyId });
    into.defaults.set(d.Id, readParameterDefaults(d.DistributionConfig, cp));
  }
  if ('ContinuousDeploymentPolicy' in value) {
    known = true;
    into.policies.push(readCdPolicy(value.ContinuousDeploymentPolicy, joinPath(path, 'ContinuousDeploymentPolicy')));
  }
  if ('ContinuousDeploymentPolicyList' in value) {
    known = true;
    for (const { value: item, path: p } of listItems(value, 'ContinuousDeploymentPolicyList', path)) {
      into.policies.push(readCdPolicy(isObject(item) ? item.ContinuousDeploymentPolicy : undefined, joinPath(p, 'ContinuousDeploymentPolicy')));
    }
  }
  if ('DistributionTenant' in value) {
    known = true;
    into.tenantDocuments++;
    into.tenants.push(readTenant(value.DistributionTenant, joinPath(path, 'DistributionTenant')));
  }
  if ('DistributionTenantList' in value) {
    known = true;
    into.tenantDocuments++;
    const list = value.DistributionTenantList;
    const p = joinPath(path, 'DistributionTenantList');
    if (!Array.isArray(list)) throw new InventoryFormatError(p, 'expected an array');
    list.forEach((t, i) => into.tenants.push(readTenant(t, `${p}[${i}]`)));
  }
  if (!known) throw new InventoryFormatError(path, EXPECTED);
}

export function emptyDetails(): Details {
  return { primaries: [], policies: [], tenants: [], defaults: new Map(), tenantDocuments: 0 };
}

export function parseDetailsJson(text: string, sourceName: string, into: Details = emptyDetails()): Details {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new Error(`${sourceName}: not valid JSON`);
  }
  withSource(sourceName, () => readDocument(json, '', into));
  return into;
}

export async function loadDetailsFiles(files: string[]): Promise<Details> {
  const details = emptyDetails();
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new Error(`${f}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    parseDetailsJson(text, f, details);
  }
  return details;
}

/** Staging links and tenants from the --details files, for the distributions of a saved inventory. */
export function extrasFromDetails(distributions: Distribution[], details: Details): Pick<InventorySource, 'staging' | 'tenants'> {
  const staging: Map<string, StagingLink> = linkStaging(distributions, details.primaries, details.policies, (s) =>
    details.policies.length > 0
      ? `no continuous deployment policy in the --details files names ${s.domainName}`
      : `its primary and traffic share were not looked up: pass --details with the output of ${DETAILS_COMMANDS.staging}`,
  );
  const byTemplate = mergeTenants(details.tenants);
  const tenants = new Map<string, TemplateTenants>();
  for (const t of distributions.filter((d) => d.connectionMode === 'tenant-only')) {
    if (details.tenantDocuments === 0) {
      tenants.set(t.id, { unresolved: `its distribution tenants were not looked up: pass --details with the output of ${DETAILS_COMMANDS.tenants}` });
      continue;
    }
    const defaults = details.defaults.get(t.id);
    tenants.set(t.id, {
      tenants: byTemplate.get(t.id) ?? [],
      noneReason: `no distribution tenant of it is in the --details files (${DETAILS_COMMANDS.tenants})`,
      ...(defaults ? { defaults } : { defaultsUnknown: `pass the output of aws cloudfront get-distribution --id ${t.id}` }),
    });
  }
  return { ...(staging.size > 0 ? { staging } : {}), ...(tenants.size > 0 ? { tenants } : {}) };
}
