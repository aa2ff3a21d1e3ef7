/**
 * How an origin that was not checked (status `unchecked`) is told: what the monitor could not do, and what clears
 * it. A failure of the monitor's own resolver or probe clears by running again; an inventory gap (a distribution
 * that could not be read, tenants or parameter values not looked up, GetVpcOrigin denied, the edge check off for a
 * VPC origin) says in its reason what to grant or supply, and running again changes nothing. Pure.
 */
import type { OriginReport } from '../model';

const TRANSIENT = /^(resolver failed|could not be probed)\b/;

/** Whether running again may clear it (the monitor's resolver or probe failed), rather than a permission or input. */
export function clearsOnRetry(reason: string | undefined): boolean {
  return reason === undefined || TRANSIENT.test(reason);
}

/** The note after the reason in the table: "run again" only where that helps. */
export function uncheckedNote(reason: string | undefined): string {
  return clearsOnRetry(reason) ? "the monitor's fault, not the origin's; run again" : "not the origin's fault: the monitor could not check it";
}

/** The CLI's one line for the origins not checked: each distinct reason once, then what to do for the transient ones. */
export function notCheckedLine(origins: readonly OriginReport[]): string {
  const reasons = [...new Set(origins.filter((o) => o.status === 'unchecked').map((o) => o.uncheckedReason ?? 'the monitor could not check it'))];
  const count = origins.filter((o) => o.status === 'unchecked').length;
  const retry = reasons.some((r) => clearsOnRetry(r)) ? '; run again (for a resolver failure, or give --dns-server)' : '';
  return `cf-origin-monitor: ${count} origin(s) not checked: ${reasons.join('; ')}${retry}`;
}
