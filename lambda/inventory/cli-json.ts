/**
 * Saved listings: the JSON `aws cloudfront list-distributions` prints (`--inventory FILE`) and the JSON of
 * `list-cache-policies` / `list-origin-request-policies` (`--policies FILE`). Every problem is one line naming the
 * file and where in it: `inventory.json: DistributionList.Items[2].Origins.Items[0].DomainName: expected a string`.
 */
import { readFile } from 'node:fs/promises';
import {
  type Distribution,
  emptyPolicyCatalog,
  type InventorySource,
  InventoryFormatError,
  isObject,
  joinPath,
  listItems,
  type PolicyCatalog,
  readCachePolicy,
  readDistributionList,
  readOriginRequestPolicy,
  withSource,
} from './distributions';

/**
 * V8's reasons, without the part that may quote the input. Its messages differ between Node versions and some quote
 * the text around the error (a custom header's secret, say), so only a recognised reason is ever repeated.
 */
const JSON_REASON = /^(Unexpected end of JSON input|Unexpected token|Unexpected non-whitespace character after JSON|Unterminated string in JSON|Bad control character in string literal|Bad escaped character|Bad Unicode escape|Expected property name or '}'|Expected ',' or '}' after property value|Expected ',' or ']' after array element|Expected ':' after property name|Expected double-quoted property name|No number after minus sign|Exponent part is missing a number|Unterminated fractional number)/;

/** JSON.parse, with a one-line error that gives the line and column but never quotes the text (it may hold secrets). */
function parseJson(text: string, sourceName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const reason = JSON_REASON.exec(message)?.[1];
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1])).split('\n');
      where = ` at line ${before.length} column ${before[before.length - 1].length + 1}`;
    }
    throw new Error(`${sourceName}: not valid JSON${where}${reason ? `: ${reason}` : ''}`);
  }
}

/** One page: `{DistributionList: {...}}`, or the bare `DistributionList` object (`{Items: [...]}`). */
function readPage(value: unknown, path: string): Distribution[] {
  if (isObject(value) && 'DistributionList' in value) return readDistributionList(value.DistributionList, joinPath(path, 'DistributionList'));
  if (isObject(value) && ('Items' in value || 'Quantity' in value)) return readDistributionList(value, path);
  throw new InventoryFormatError(path, 'expected the output of aws cloudfront list-distributions ({"DistributionList": {"Items": [...]}})');
}

function checkUnique(distributions: Distribution[]): void {
  const seen = new Set<string>();
  for (const d of distributions) {
    if (seen.has(d.id)) throw new InventoryFormatError(`distribution ${d.id}`, 'listed more than once');
    seen.add(d.id);
  }
}

/** The distributions of a list-distributions output: one page, an array of pages, or a bare DistributionList. */
export function parseInventoryJson(text: string, sourceName: string): Distribution[] {
  const json = parseJson(text, sourceName);
  return withSource(sourceName, () => {
    const distributions = Array.isArray(json) ? json.flatMap((page, i) => readPage(page, `[${i}]`)) : readPage(json, '');
    checkUnique(distributions);
    return distributions;
  });
}

function readPolicyLists(value: unknown, path: string, catalog: PolicyCatalog): void {
  if (!isObject(value) || !('CachePolicyList' in value || 'OriginRequestPolicyList' in value)) {
    throw new InventoryFormatError(path, 'expected the output of aws cloudfront list-cache-policies or list-origin-request-policies');
  }
  for (const { value: item, path: p } of listItems(value, 'CachePolicyList', path)) {
    const policy = readCachePolicy(isObject(item) ? item.CachePolicy : undefined, joinPath(p, 'CachePolicy'));
    catalog.cache.set(policy.id, policy);
  }
  for (const { value: item, path: p } of listItems(value, 'OriginRequestPolicyList', path)) {
    const policy = readOriginRequestPolicy(isObject(item) ? item.OriginRequestPolicy : undefined, joinPath(p, 'OriginRequestPolicy'));
    catalog.originRequest.set(policy.id, policy);
  }
}

/** Cache and origin request policies: either list output, an object holding both lists, or an array of those. */
export function parsePoliciesJson(text: string, sourceName: string): PolicyCatalog {
  const json = parseJson(text, sourceName);
  const catalog = emptyPolicyCatalog();
  withSource(sourceName, () => {
    if (Array.isArray(json)) json.forEach((part, i) => readPolicyLists(part, `[${i}]`, catalog));
    else readPolicyLists(json, '', catalog);
  });
  return catalog;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function mergeCatalogs(catalogs: PolicyCatalog[]): PolicyCatalog {
  const merged = emptyPolicyCatalog();
  for (const c of catalogs) {
    c.cache.forEach((p, id) => merged.cache.set(id, p));
    c.originRequest.forEach((p, id) => merged.originRequest.set(id, p));
  }
  return merged;
}

export async function loadInventoryFile(path: string, policyFiles: string[] = []): Promise<InventorySource> {
  const distributions = parseInventoryJson(await readText(path), path);
  const catalogs = await Promise.all(policyFiles.map(async (f) => parsePoliciesJson(await readText(f), f)));
  return { sourceName: path, distributions, policies: mergeCatalogs(catalogs) };
}
