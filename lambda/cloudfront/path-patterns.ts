/**
 * CloudFront's cache-behavior path patterns, and the request path the edge check sends for one behavior.
 *
 * Matching, as the Developer Guide's "Path pattern" section gives it: case-sensitive; `*` matches 0 or more
 * characters (slashes included), `?` exactly one; a pattern without a leading `/` is matched as if it had one;
 * behaviors are tried in order and the first match wins, the default behavior (`*`) last.
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern)
 */

const escapeRegex = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Does CloudFront send `path` (no query string) to the behavior with this pattern, on its own? */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const p = pattern.startsWith('/') || pattern.startsWith('*') ? pattern : `/${pattern}`;
  const regex = new RegExp(`^${p.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c))).join('')}$`);
  return regex.test(path);
}

/** What the edge check puts in a path, so origin logs and WAF logs show what the request was. */
export const EDGE_PATH_LABEL = 'cf-origin-monitor';

/**
 * A path that matches `pattern` and none of the patterns before it, unique to this run (`token`) so that no cache
 * holds it; undefined when every candidate is taken by an earlier behavior (the behavior is unreachable on its own).
 */
export function edgeProbePath(pattern: string, preceding: readonly string[], token: string): string | undefined {
  const label = `${EDGE_PATH_LABEL}-${token}`;
  const fills = [label, `${label}/probe`, `${label}.probe`, `${label}/index.html`, `${label}.html`];
  for (const fill of fills) {
    // The first `*` gets the label, the others nothing; `?` gets a letter.
    let first = true;
    const body = pattern.replace(/[*?]/g, (c) => {
      if (c === '?') return 'x';
      if (first) {
        first = false;
        return fill;
      }
      return '';
    });
    let path = body.startsWith('/') ? body : `/${body}`;
    const exact = !pattern.includes('*') && !pattern.includes('?');
    if (exact) path = pattern.startsWith('/') ? pattern : `/${pattern}`;
    if (!matchesPathPattern(pattern, path)) continue;
    if (preceding.some((p) => matchesPathPattern(p, path))) continue;
    // A pattern without wildcards is one path: a query string is all that can make it unique (a cache policy that
    // leaves query strings out of the key may still answer from the cache: X-Cache then says Hit).
    return exact ? `${encodeURI(path)}?${EDGE_PATH_LABEL}=${token}` : encodeURI(path);
  }
  return undefined;
}
