/**
 * One bound for every paged listing the monitor reads (ListDistributions, ListDistributionsByConnectionMode,
 * ListDistributionTenants): the SDK's paginators follow a continuation token for as long as one comes back, so an
 * endpoint that repeats its token, or pages forever, would hang the scan. A page that says it is truncated but gives
 * no token would silently drop the rest. Each of these is an error naming the listing and the page.
 */

/** A listing longer than this is refused (an endpoint paging forever): 1,000 pages of 100 is 100,000 items. */
export const MAX_LIST_PAGES = 1_000;

export interface PageBound {
  /** Call once per page, in order, before reading it: returns its name for messages (`ListDistributions page 3`). */
  page(): string;
  /**
   * After a page: its continuation token, and whether it says it is truncated (`IsTruncated`; undefined for
   * listings that only carry the token). Throws on a missing, repeated or endless token.
   */
  next(token: string | undefined, truncated?: boolean): void;
}

/** `operation` names the listing (`ListDistributionTenants`), `tokenName` its continuation token (`NextMarker`). */
export function pageBound(operation: string, tokenName = 'NextMarker', maxPages = MAX_LIST_PAGES): PageBound {
  const seen = new Set<string>();
  let n = 0;
  const source = () => `${operation} page ${n}`;
  return {
    page() {
      n += 1;
      return source();
    },
    next(token, truncated) {
      if (!token) {
        if (truncated) throw new Error(`${source()} says IsTruncated but gives no ${tokenName}: the listing cannot be completed`);
        return;
      }
      if (seen.has(token)) throw new Error(`${source()} repeats ${tokenName} ${JSON.stringify(token.slice(0, 40))}: the endpoint pages in a loop; the listing cannot be completed`);
      seen.add(token);
      if (n >= maxPages) throw new Error(`${operation} still truncated after ${maxPages} pages: refused as endless`);
    },
  };
}
