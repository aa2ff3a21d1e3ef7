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
  readDistributionListLenient,
  readOriginRequestPolicy,
  type UnreadableDistribution,
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

/** The command that saves a whole listing: the AWS CLI pages by itself unless told --max-items or --no-paginate. */
export const FULL_LISTING_COMMAND = 'aws cloudfront list-distributions --output json > FILE (without --max-items or --no-paginate)';

interface Page {
  distributions: Distribution[];
  unreadable: UnreadableDistribution[];
  path: string;
  marker?: string;
  nextMarker?: string;
  truncated: boolean;
}

/** One page: `{DistributionList: {...}}`, or the bare `DistributionList` object (`{Items: [...]}`). */
function readPage(value: unknown, path: string): Page {
  const [list, listPath] =
    isObject(value) && 'DistributionList' in value
      ? [value.DistributionList, joinPath(path, 'DistributionList')]
      : isObject(value) && ('Items' in value || 'Quantity' in value)
        ? [value, path]
        : [undefined, path];
  if (list === undefined) {
    throw new InventoryFormatError(path, 'expected the output of aws cloudfront list-distributions ({"DistributionList": {"Items": [...]}})');
  }
  const { distributions, unreadable } = readDistributionListLenient(list, listPath);
  const o = isObject(list) ? list : {};
  return {
    distributions,
    unreadable,
    path: listPath,
    truncated: o.IsTruncated === true,
    ...(typeof o.Marker === 'string' ? { marker: o.Marker } : {}),
    ...(typeof o.NextMarker === 'string' && o.NextMarker ? { nextMarker: o.NextMarker } : {}),
  };
}

/**
 * A listing that holds only some pages is refused: scanning it would be a false all-clear for the rest. A page
 * saying IsTruncated is fine only when the next page of the array is the one its NextMarker asks for.
 */
function checkComplete(json: unknown, pages: Page[]): void {
  if (isObject(json) && typeof json.NextToken === 'string') {
    throw new InventoryFormatError('NextToken', `the file holds the first page(s) only (saved with --max-items); save every page: ${FULL_LISTING_COMMAND}`);
  }
  pages.forEach((page, i) => {
    if (!page.truncated) return;
    const next = pages[i + 1];
    if (next && page.nextMarker !== undefined && next.marker === page.nextMarker) return;
    const where = joinPath(page.path, 'IsTruncated');
    const marker = page.nextMarker ? ` with NextMarker ${JSON.stringify(page.nextMarker.slice(0, 40))}` : '';
    throw new InventoryFormatError(where, `true${marker}: the file holds one page of several; save every page: ${FULL_LISTING_COMMAND}`);
  });
}

function checkUnique(distributions: Distribution[]): void {
  const seen = new Set<string>();
  for (const d of distributions) {
    if (seen.has(d.id)) throw new InventoryFormatError(`distribution ${d.id}`, 'listed more than once');
    seen.add(d.id);
  }
}

/** Every distribution a file's reader cannot read, at once: `E2 at DistributionList.Items[1].Origins...: problem; ...`. */
function unreadableError(sourceName: string, unreadable: UnreadableDistribution[]): Error {
  const entries = unreadable.map((u) => (u.reason.startsWith(`${u.id}:`) ? u.reason : `${u.id} at ${u.reason}`));
  const count = unreadable.length === 1 ? '1 distribution cannot be read' : `${unreadable.length} distributions cannot be read`;
  return new Error(`${sourceName}: ${count}: ${entries.join('; ')}`);
}

/** The distributions of a list-distributions output: one page, an array of pages, or a bare DistributionList. */
export function parseInventoryJson(text: string, sourceName: string): Distribution[] {
  const json = parseJson(text, sourceName);
  return withSource(sourceName, () => {
    const pages = Array.isArray(json) ? json.map((page, i) => readPage(page, `[${i}]`)) : [readPage(json, '')];
    checkComplete(json, pages);
    const unreadable = pages.flatMap((p) => p.unreadable);
    if (unreadable.length > 0) throw unreadableError(sourceName, unreadable);
    const distributions = pages.flatMap((p) => p.distributions);
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

/**
 * The file's text: UTF-8 (a byte order mark is dropped, as Windows editors write one), or UTF-16 with its BOM
 * (PowerShell's `>` writes UTF-16LE) or without one (told by its NUL bytes). UTF-32 is named, not guessed.
 */
export function decodeText(bytes: Buffer, path: string): string {
  const swap = (b: Buffer) => {
    const out = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
    out.swap16();
    return out;
  };
  if (bytes.length >= 4 && (bytes.readUInt32BE(0) === 0x0000feff || bytes.readUInt32LE(0) === 0x0000feff)) {
    throw new Error(`${path}: the file is UTF-32; save it as UTF-8 (e.g. aws cloudfront list-distributions --output json > FILE from bash, or Out-File -Encoding utf8 in PowerShell)`);
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return swap(bytes.subarray(2)).toString('utf16le');
  // No BOM: JSON starts with ASCII, so UTF-16 shows as a NUL byte after (LE) or before (BE) the first character.
  if (bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0) return bytes.toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0 && bytes[1] !== 0) return swap(bytes).toString('utf16le');
  return bytes.toString('utf8');
}

async function readText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeText(bytes, path);
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
