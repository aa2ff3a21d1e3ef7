import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventoryFile, parseInventoryJson, parsePoliciesJson } from '../../lambda/inventory/cli-json';
import {
  CACHE_POLICIES_FILE,
  INVENTORY_FILE,
  INVENTORY_PAGES_FILE,
  ORIGIN_REQUEST_POLICIES_FILE,
  POLICY_IDS,
  SECRET_HEADER_VALUES,
} from './fixtures';

const text = (path: string) => readFileSync(path, 'utf8');
const page = () => JSON.parse(text(INVENTORY_FILE));
const ids = (json: unknown) => parseInventoryJson(JSON.stringify(json), 'inventory.json').map((d) => d.id);
const ALL_IDS = ['E2QWRUHEXAMPLE', 'E3WEBSITEEXAMPLE', 'E4VPCEXAMPLE', 'E5DISABLEDEXAMPLE'];

/** `src: DistributionList.Items[i]...` as the error for one bad entry says it: with the distribution's id. */
const named = (message: string) =>
  message.replace(/^([^:]+): (DistributionList\.Items\[(\d+)\])/, (_m, src: string, path: string, i: string) => `${src}: 1 distribution cannot be read: ${ALL_IDS[Number(i)]} at ${path}`);

/** Parses after `mutate` edits one page, and returns the one-line error. */
function errorOf(mutate: (page: any) => void): string {
  const p = page();
  mutate(p);
  try {
    parseInventoryJson(JSON.stringify(p), 'inventory.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('parseInventoryJson', () => {
  it('accepts one page, an array of pages, a bare DistributionList and a bare {Items}', () => {
    expect(ids(page())).toEqual(ALL_IDS);
    expect(parseInventoryJson(text(INVENTORY_PAGES_FILE), 'pages.json').map((d) => d.id)).toEqual(ALL_IDS);
    expect(ids(page().DistributionList)).toEqual(ALL_IDS);
    expect(ids({ Items: page().DistributionList.Items })).toEqual(ALL_IDS);
    expect(ids({ DistributionList: { Marker: '', MaxItems: 100, IsTruncated: false, Quantity: 0 } })).toEqual([]);
  });

  it.each<[string, (p: any) => void, string]>([
    [
      'a wrong type',
      (p) => (p.DistributionList.Items[2].Origins.Items[0].DomainName = 42),
      'inventory.json: DistributionList.Items[2].Origins.Items[0].DomainName: expected a string',
    ],
    [
      'a missing member',
      (p) => delete p.DistributionList.Items[0].DefaultCacheBehavior,
      'inventory.json: DistributionList.Items[0].DefaultCacheBehavior: expected an object',
    ],
    [
      'an unknown protocol policy',
      (p) => (p.DistributionList.Items[1].Origins.Items[1].CustomOriginConfig.OriginProtocolPolicy = 'https-maybe'),
      'inventory.json: DistributionList.Items[1].Origins.Items[1].CustomOriginConfig.OriginProtocolPolicy: expected one of http-only, https-only, match-viewer',
    ],
    [
      'a port out of range',
      (p) => (p.DistributionList.Items[0].Origins.Items[4].CustomOriginConfig.HTTPSPort = 70000),
      'inventory.json: DistributionList.Items[0].Origins.Items[4].CustomOriginConfig.HTTPSPort: expected an integer from 1 to 65535',
    ],
    [
      'an origin of no known kind',
      (p) => delete p.DistributionList.Items[3].Origins.Items[0].CustomOriginConfig,
      'inventory.json: DistributionList.Items[3].Origins.Items[0]: expected one of S3OriginConfig, CustomOriginConfig, VpcOriginConfig',
    ],
    [
      'a behavior targeting nothing',
      (p) => (p.DistributionList.Items[0].CacheBehaviors.Items[3].TargetOriginId = 'gone'),
      'inventory.json: DistributionList.Items[0].CacheBehaviors.Items[3].TargetOriginId: no origin or origin group with this id',
    ],
    [
      'a group member that is not an origin',
      (p) => (p.DistributionList.Items[0].OriginGroups.Items[0].Members.Items[1].OriginId = 'gone'),
      'inventory.json: DistributionList.Items[0].OriginGroups.Items[0].Members.Items[1].OriginId: no origin with this id',
    ],
    ['Items not an array', (p) => (p.DistributionList.Items[0].Aliases.Items = 'example.com'), 'inventory.json: DistributionList.Items[0].Aliases.Items: expected an array'],
    ['a string for Enabled', (p) => (p.DistributionList.Items[0].Enabled = 'true'), 'inventory.json: DistributionList.Items[0].Enabled: expected true or false'],
    [
      'a duplicated distribution',
      (p) => p.DistributionList.Items.push(p.DistributionList.Items[0]),
      'inventory.json: distribution E2QWRUHEXAMPLE: listed more than once',
    ],
  ])('%s gives one line with the distribution id and the JSON path', (_what, mutate, message) => {
    expect(errorOf(mutate)).toBe(named(message));
  });

  it('lists every bad entry at once, by distribution id and JSON path', () => {
    const big = page();
    const template = big.DistributionList.Items[0];
    big.DistributionList.Items = Array.from({ length: 600 }, (_, i) => ({ ...structuredClone(template), Id: `E${String(i).padStart(12, '0')}` }));
    big.DistributionList.Items[17].Origins.Items[0].DomainName = 42;
    big.DistributionList.Items[301].Enabled = 'yes';
    delete big.DistributionList.Items[599].DefaultCacheBehavior;
    expect(() => parseInventoryJson(JSON.stringify(big), 'big.json')).toThrow(
      new Error(
        'big.json: 3 distributions cannot be read: ' +
          'E000000000017 at DistributionList.Items[17].Origins.Items[0].DomainName: expected a string; ' +
          'E000000000301 at DistributionList.Items[301].Enabled: expected true or false; ' +
          'E000000000599 at DistributionList.Items[599].DefaultCacheBehavior: expected an object',
      ),
    );
  });

  it('refuses a listing that holds one page of several, with the command that saves them all', () => {
    const truncated = page();
    Object.assign(truncated.DistributionList, { IsTruncated: true, NextMarker: 'E5DISABLEDEXAMPLE' });
    expect(() => ids(truncated)).toThrow(
      'inventory.json: DistributionList.IsTruncated: true with NextMarker "E5DISABLEDEXAMPLE": the file holds one page of several; save every page: aws cloudfront list-distributions --output json > FILE (without --max-items or --no-paginate)',
    );
    // `--max-items` output: the CLI's own resume token.
    expect(() => ids({ DistributionList: { Items: page().DistributionList.Items }, NextToken: 'eyJNYXJrZXIiOiBudWxsfQ==' })).toThrow(
      /^inventory\.json: NextToken: the file holds the first page\(s\) only \(saved with --max-items\); save every page: aws cloudfront list-distributions/,
    );
    // An array of pages that chain (each NextMarker is the next page's Marker) is complete; one that skips is not.
    const pages = JSON.parse(text(INVENTORY_PAGES_FILE));
    expect(parseInventoryJson(JSON.stringify(pages), 'pages.json').map((d) => d.id)).toEqual(ALL_IDS);
    const chained = pages.map((p: any, i: number) => ({
      DistributionList: { ...p.DistributionList, Marker: i === 0 ? '' : `m${i}`, IsTruncated: i < pages.length - 1, ...(i < pages.length - 1 ? { NextMarker: `m${i + 1}` } : {}) },
    }));
    expect(parseInventoryJson(JSON.stringify(chained), 'pages.json').map((d) => d.id)).toEqual(ALL_IDS);
    expect(() => parseInventoryJson(JSON.stringify(chained.slice(0, -1)), 'pages.json')).toThrow(/IsTruncated: true with NextMarker "m\d": the file holds one page of several/);
  });

  it('names the page of an array of pages', () => {
    const pages = JSON.parse(text(INVENTORY_PAGES_FILE));
    pages[1].DistributionList.Items[0].Origins.Items[1].Id = null;
    expect(() => parseInventoryJson(JSON.stringify(pages), 'pages.json')).toThrow(
      `pages.json: 1 distribution cannot be read: ${pages[1].DistributionList.Items[0].Id} at [1].DistributionList.Items[0].Origins.Items[1].Id: expected a string`,
    );
  });

  it('rejects JSON that is not a listing', () => {
    expect(() => parseInventoryJson('{"CachePolicyList": {}}', 'x.json')).toThrow(
      'x.json: (top level): expected the output of aws cloudfront list-distributions',
    );
  });

  it('a syntax error gives the line and column and never quotes the text (it may hold secrets)', () => {
    const broken = text(INVENTORY_FILE).replace(`"${SECRET_HEADER_VALUES[0]}"`, `"${SECRET_HEADER_VALUES[0]}" x`);
    const line = broken.split('\n').findIndex((l) => l.includes(SECRET_HEADER_VALUES[0])) + 1;
    let message = '';
    try {
      parseInventoryJson(broken, 'inventory.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^inventory\\.json: not valid JSON at line ${line} column \\d+: `));
    expect(message).not.toContain('\n');
    for (const secret of SECRET_HEADER_VALUES) expect(message).not.toContain(secret);

    const unexpectedToken = `{"HeaderValue": ${SECRET_HEADER_VALUES[0]}}`;
    expect(() => parseInventoryJson(unexpectedToken, 'a.json')).toThrow(/^a\.json: not valid JSON: Unexpected token/);
    expect(() => parseInventoryJson(unexpectedToken, 'a.json')).not.toThrow(SECRET_HEADER_VALUES[0]);

    // In a longer document V8 quotes a shortened excerpt around the error ('..."erValue": SECRET"...'): never repeated.
    const unquoted = text(INVENTORY_FILE).replace(`"${SECRET_HEADER_VALUES[0]}"`, SECRET_HEADER_VALUES[0]);
    const shortened = (() => {
      try {
        parseInventoryJson(unquoted, 'inventory.json');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(shortened).toMatch(/^inventory\.json: not valid JSON/);
    expect(shortened).not.toContain(SECRET_HEADER_VALUES[0].slice(0, 6));
  });

  it('validation errors never carry a custom header value', () => {
    const message = errorOf((p) => (p.DistributionList.Items[0].Origins.Items[0].CustomHeaders.Items[0].HeaderName = 7));
    expect(message).toBe(named('inventory.json: DistributionList.Items[0].Origins.Items[0].CustomHeaders.Items[0].HeaderName: expected a string'));
  });
});

describe('parsePoliciesJson', () => {
  const cache = JSON.parse(text(CACHE_POLICIES_FILE));
  const originRequest = JSON.parse(text(ORIGIN_REQUEST_POLICIES_FILE));
  const sizes = (json: unknown) => {
    const c = parsePoliciesJson(JSON.stringify(json), 'policies.json');
    return [c.cache.size, c.originRequest.size];
  };

  it('accepts list-cache-policies, list-origin-request-policies, an array of both, and a merge of both', () => {
    expect(sizes(cache)).toEqual([2, 0]);
    expect(sizes(originRequest)).toEqual([0, 4]);
    expect(sizes([cache, originRequest])).toEqual([2, 4]);
    expect(sizes({ ...cache, ...originRequest })).toEqual([2, 4]);
  });

  it('reads the header behavior and headers', () => {
    const c = parsePoliciesJson(text(ORIGIN_REQUEST_POLICIES_FILE), 'orp.json');
    expect(c.originRequest.get(POLICY_IDS.ORP_WHITELIST_HOST)).toEqual({
      id: POLICY_IDS.ORP_WHITELIST_HOST,
      headerBehavior: 'whitelist',
      headers: ['host', 'origin'],
    });
    const p = parsePoliciesJson(text(CACHE_POLICIES_FILE), 'cp.json');
    expect(p.cache.get(POLICY_IDS.CACHE_HOST_IN_KEY)?.headers).toEqual(['Host', 'Accept-Language']);
  });

  it('malformed policies give one line with the JSON path', () => {
    const broken = JSON.parse(text(CACHE_POLICIES_FILE));
    broken.CachePolicyList.Items[1].CachePolicy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.HeaderBehavior = 'allViewer';
    expect(() => parsePoliciesJson(JSON.stringify(broken), 'cp.json')).toThrow(
      'cp.json: CachePolicyList.Items[1].CachePolicy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.HeaderBehavior: expected one of none, whitelist',
    );
    expect(() => parsePoliciesJson('[{"DistributionList": {}}]', 'p.json')).toThrow(
      'p.json: [0]: expected the output of aws cloudfront list-cache-policies or list-origin-request-policies',
    );
  });
});

describe('loadInventoryFile', () => {
  it('reads the inventory and merges the policy files', async () => {
    const source = await loadInventoryFile(INVENTORY_FILE, [CACHE_POLICIES_FILE, ORIGIN_REQUEST_POLICIES_FILE]);
    expect(source.sourceName).toBe(INVENTORY_FILE);
    expect(source.distributions).toHaveLength(4);
    expect([source.policies.cache.size, source.policies.originRequest.size]).toEqual([2, 4]);
  });

  it('a missing file is one line naming it', async () => {
    await expect(loadInventoryFile('/nonexistent/inventory.json')).rejects.toThrow(
      '/nonexistent/inventory.json: cannot read the file (ENOENT)',
    );
    await expect(loadInventoryFile(INVENTORY_FILE, ['/nonexistent/p.json'])).rejects.toThrow('/nonexistent/p.json: cannot read the file (ENOENT)');
  });

  it('reads UTF-8 with a BOM and UTF-16 (PowerShell\'s `>`) with or without one; names UTF-32', async () => {
    const json = text(INVENTORY_FILE);
    const be = (t: string) => Buffer.from(t, 'utf16le').swap16();
    const encodings: Record<string, Buffer> = {
      'utf8-bom.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')]),
      'utf16le-bom.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]),
      'utf16be-bom.json': Buffer.concat([Buffer.from([0xfe, 0xff]), be(json)]),
      'utf16le.json': Buffer.from(json, 'utf16le'),
      'utf16be.json': be(json),
    };
    const dir = mkdtempSync(join(tmpdir(), 'cfom-enc-'));
    try {
      for (const [name, bytes] of Object.entries(encodings)) {
        writeFileSync(join(dir, name), bytes);
        const source = await loadInventoryFile(join(dir, name));
        expect({ name, ids: source.distributions.map((d) => d.id) }).toEqual({ name, ids: ALL_IDS });
      }
      const utf32 = Buffer.alloc(8);
      utf32.writeUInt32LE(0xfeff, 0);
      writeFileSync(join(dir, 'utf32.json'), utf32);
      await expect(loadInventoryFile(join(dir, 'utf32.json'))).rejects.toThrow(/utf32\.json: the file is UTF-32; save it as UTF-8/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
