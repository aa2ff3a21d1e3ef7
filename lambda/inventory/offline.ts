/** A saved inventory (a file): what the live one reads from AWS for an origin (origin-resources.ts) is not read. */
import type { OriginTarget } from '../model';

/** An offline inventory (a file) reads nothing from AWS: said on each origin concerned. */
export function markOffline(targets: OriginTarget[]): OriginTarget[] {
  const why = 'not read from AWS: the inventory is a file (scan the live account to check it)';
  for (const t of targets) {
    if (t.mtls && !t.mtls.certificate) t.mtls = { ...t.mtls, readError: why };
    if (t.vpcOrigin && !t.vpcOrigin.endpoint) t.vpcOrigin = { ...t.vpcOrigin, readError: why };
  }
  return targets;
}
