/**
 * The "origins not checked" alarm's description, shared by the single-account and the organization monitor: what
 * the metric counts and what the person on call does about it. (A description holds at most 1,024 characters.)
 */
import { LOG, METRICS } from '../lambda/contract';

/** `logs`: where the LOG.ORIGINS_NOT_CHECKED line is written (e.g. "the function's log group"). */
export function originsNotCheckedDescription(logs: string): string {
  const text =
    `Some CloudFront origins were not checked (metric ${METRICS.ORIGINS_UNCHECKED} >= 1): the monitor's DNS resolver failed for them, ` +
    `their probe failed, or what checking them needs was not read. The monitor's fault, not the origins': no likely-502 alert is sent for them and their alert state is kept. ` +
    `What to do: in ${logs}, read the warning line "${LOG.ORIGINS_NOT_CHECKED}" ` +
    `(Logs Insights: filter message = "${LOG.ORIGINS_NOT_CHECKED}"); its "reasons" count each cause and "origins" names them. ` +
    `"resolver failed: ..." (time-outs or SERVFAIL after retries): if it repeats, look those names up from elsewhere (host -t A NAME 1.1.1.1); SERVFAIL everywhere means their DNS servers or DNSSEC are broken, which CloudFront would hit too. ` +
    `"could not be probed: ..." is a fault in the monitor: report it with that line. ` +
    `Other reasons name what was not read (a distribution, tenants, a VPC origin) and what to grant. ` +
    `The alarm returns to OK after a scan that checks every origin.`;
  if (text.length > 1024) throw new Error(`alarm description is ${text.length} characters (at most 1024)`);
  return text;
}
