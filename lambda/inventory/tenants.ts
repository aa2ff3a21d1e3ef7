/**
 * Multi-tenant distributions. A distribution whose `ConnectionMode` is `tenant-only` is a template: viewers reach it
 * only through its distribution tenants, each with its own domains and its own values for the parameters the
 * template's origin domain names and paths hold (`{{name}}`). So the monitor scans one target per tenant and origin,
 * with the tenant's values filled in and the tenant's domains as the viewer names.
 *
 * The readers take the SDK's shapes and the AWS CLI's JSON alike (same member names): `DistributionTenant`
 * (GetDistributionTenant, with `Parameters`), `DistributionTenantSummary` (ListDistributionTenants, without them),
 * and `DistributionConfig.TenantConfig.ParameterDefinitions` (the template's defaults, from GetDistributionConfig).
 * Pure: the API calls are in tenants-api.ts.
 */
import type { TenantRef } from '../model';
import { type Distribution, InventoryFormatError, isObject, joinPath } from './distributions';

export interface TenantInfo {
  id: string;
  name: string;
  domains: string[];
  enabled: boolean;
  /** Undefined when only the tenant's summary was read (ListDistributionTenants carries no parameters). */
  parameters?: Record<string, string>;
  /** Why the parameters could not be read from the API. */
  parametersUnknown?: string;
}

export type TemplateTenants =
  | {
      tenants: TenantInfo[];
      /** The template's parameter defaults; undefined when the template's configuration could not be read. */
      defaults?: Record<string, string>;
      /** Why the defaults are unknown, for the skip reason of a tenant that needs one. */
      defaultsUnknown?: string;
      /** What to say when no tenant is known (default: the template serves no viewer traffic). */
      noneReason?: string;
    }
  | { unresolved: string };

export const PLACEHOLDER = /\{\{([A-Za-z0-9_-]+)\}\}/g;

/** The parameter names a template's origins use. */
export function placeholders(d: Distribution): string[] {
  const names = new Set<string>();
  for (const o of d.origins) {
    for (const text of [o.domainName, o.originPath ?? '']) for (const m of text.matchAll(PLACEHOLDER)) names.add(m[1]);
  }
  return [...names];
}

/** Why a tenant's origin is not probed: `unchecked` when something failed or was not supplied, else a skip. */
export interface UnfilledReason {
  reason: string;
  unchecked: boolean;
}

export interface TenantDistribution {
  distribution: Distribution;
  tenant: TenantRef;
  /** Origins not probed for this tenant, with the reason: unchecked (a failed or missing look-up) or skipped. */
  unfilled: Map<string, UnfilledReason>;
}

const TEMPLATE = 'multi-tenant template (ConnectionMode tenant-only)';

/**
 * The template as each tenant sees it: its values in the origins, its domains as the aliases. A template whose
 * tenants were not looked up, or could not be, is `unchecked` (its tenants' origins were not checked); one no tenant
 * uses serves no traffic, and is skipped.
 */
export function tenantDistributions(
  template: Distribution,
  info: TemplateTenants | undefined,
): { skip: string } | { unchecked: string } | { tenants: TenantDistribution[] } {
  if (!info) return { unchecked: `${TEMPLATE}: its distribution tenants were not looked up` };
  if ('unresolved' in info) return { unchecked: `${TEMPLATE}: ${info.unresolved}` };
  if (info.tenants.length === 0) {
    return { skip: `${TEMPLATE}: ${info.noneReason ?? 'no distribution tenant uses it, so it serves no viewer traffic'}` };
  }
  return {
    tenants: info.tenants.map((t) => {
      const unfilled = new Map<string, UnfilledReason>();
      const values: Record<string, string> = {};
      const fill = (originId: string, text: string): string =>
        text.replace(PLACEHOLDER, (whole, name: string) => {
          const value = t.parameters?.[name] ?? (t.parameters ? info.defaults?.[name] : undefined);
          if (value !== undefined) {
            values[name] = value;
            return value;
          }
          unfilled.set(originId, unfilledReason(t, name, info));
          return whole;
        });
      const origins = template.origins.map((o) => ({
        ...o,
        domainName: fill(o.id, o.domainName),
        ...(o.originPath ? { originPath: fill(o.id, o.originPath) } : {}),
      }));
      const tenant: TenantRef = {
        id: t.id,
        name: t.name,
        domains: t.domains,
        ...(Object.keys(values).length > 0 ? { parameters: values } : {}),
      };
      // No active domain: nothing reaches this tenant (and the template's "-" is no name to send).
      if (t.domains.length === 0) {
        for (const o of template.origins) unfilled.set(o.id, { reason: `tenant ${t.name} has no active domain: it serves no viewer traffic`, unchecked: false });
      }
      const distribution: Distribution = { ...template, enabled: template.enabled && t.enabled, aliases: t.domains, origins };
      return { distribution, tenant, unfilled };
    }),
  };
}

/**
 * A parameter value that could not be read, or was not supplied, leaves the origin unchecked (the monitor could not
 * check it). One the tenant sets nowhere and the template has no default for is the configuration itself: skipped.
 */
function unfilledReason(t: TenantInfo, name: string, info: { defaults?: Record<string, string>; defaultsUnknown?: string }): UnfilledReason {
  if (!t.parameters && t.parametersUnknown) {
    return { unchecked: true, reason: `tenant ${t.name}: the value of parameter {{${name}}} could not be read (${t.parametersUnknown})` };
  }
  if (!t.parameters) {
    return {
      unchecked: true,
      reason: `tenant ${t.name}: the value of parameter {{${name}}} was not read (pass --details with the output of aws cloudfront get-distribution-tenant --identifier ${t.id})`,
    };
  }
  if (!info.defaults) {
    return {
      unchecked: true,
      reason: `tenant ${t.name} sets no value for parameter {{${name}}}, and the template's default could not be read${info.defaultsUnknown ? ` (${info.defaultsUnknown})` : ''}`,
    };
  }
  return { unchecked: false, reason: `tenant ${t.name} sets no value for parameter {{${name}}} and the template has no default` };
}

// ---------------------------------------------------------------------------------------------------------------
// Readers (SDK shapes and AWS CLI JSON)
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function obj(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw new InventoryFormatError(path, 'expected an object');
  return value;
}

function str(o: JsonObject, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new InventoryFormatError(joinPath(path, key), 'expected a string');
  return v;
}

function arr(o: JsonObject, key: string, path: string): { value: unknown; path: string }[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InventoryFormatError(joinPath(path, key), 'expected an array');
  return v.map((value, i) => ({ value, path: `${joinPath(path, key)}[${i}]` }));
}

/** A `DistributionTenant` or `DistributionTenantSummary`; `Parameters` is read when present (not in a summary). */
export function readTenant(value: unknown, path: string): TenantInfo & { distributionId: string } {
  const o = obj(value, path);
  const domains = arr(o, 'Domains', path)
    .map(({ value: d, path: p }) => ({ d: obj(d, p), p }))
    // An inactive domain serves no traffic.
    .filter(({ d }) => d.Status !== 'inactive')
    .map(({ d, p }) => str(d, 'Domain', p));
  const hasParameters = Array.isArray(o.Parameters);
  const parameters: Record<string, string> = {};
  for (const { value: item, path: p } of arr(o, 'Parameters', path)) {
    const param = obj(item, p);
    parameters[str(param, 'Name', p)] = typeof param.Value === 'string' ? param.Value : '';
  }
  return {
    id: str(o, 'Id', path),
    distributionId: str(o, 'DistributionId', path),
    name: typeof o.Name === 'string' && o.Name ? o.Name : str(o, 'Id', path),
    domains,
    enabled: o.Enabled !== false,
    ...(hasParameters ? { parameters } : {}),
  };
}

/** `DistributionConfig.TenantConfig.ParameterDefinitions` -> the defaults by name. */
export function readParameterDefaults(config: unknown, path: string): Record<string, string> {
  const c = obj(config, path);
  const defaults: Record<string, string> = {};
  if (!isObject(c.TenantConfig)) return defaults;
  const tcPath = joinPath(path, 'TenantConfig');
  for (const { value, path: p } of arr(c.TenantConfig, 'ParameterDefinitions', tcPath)) {
    const def = obj(value, p);
    const schema = isObject(def.Definition) && isObject(def.Definition.StringSchema) ? def.Definition.StringSchema : undefined;
    if (typeof schema?.DefaultValue === 'string' && schema.DefaultValue !== '') defaults[str(def, 'Name', p)] = schema.DefaultValue;
  }
  return defaults;
}

/** Tenants of several sources merged by id: a full read (with parameters) wins over a summary. */
export function mergeTenants(tenants: (TenantInfo & { distributionId: string })[]): Map<string, TenantInfo[]> {
  const byId = new Map<string, TenantInfo & { distributionId: string }>();
  for (const t of tenants) {
    const known = byId.get(t.id);
    if (!known || (!known.parameters && t.parameters)) byId.set(t.id, t);
  }
  const byTemplate = new Map<string, TenantInfo[]>();
  for (const { distributionId, ...t } of byId.values()) byTemplate.set(distributionId, [...(byTemplate.get(distributionId) ?? []), t]);
  return byTemplate;
}
