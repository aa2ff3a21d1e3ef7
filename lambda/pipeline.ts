// STUB: the real pipeline is being written. The signature is the contract.
import type { ClientProfile } from './cloudfront/client-profile';
import type { OriginReport, OriginTarget, ScanReport } from './model';

export interface ScanOptions {
  profile: ClientProfile;
  /** Extra trusted roots (PEM files), beside Mozilla's (tls.rootCertificates) and NODE_EXTRA_CA_CERTS. */
  caFiles?: string[];
  expiryWarningDays: number;
  /** Origins probed at once. */
  concurrency: number;
  /** Upper bound on the per-target connect timeout (the target's own ConnectionTimeout otherwise). */
  connectTimeoutMs?: number;
  /** Epoch ms after which no new probe starts; the rest is reported as not reached. */
  deadline?: number;
  now?: () => Date;
  /** Called as each origin finishes (progress, logging). */
  onOrigin?: (origin: OriginReport) => void;
}

export async function runScan(targets: OriginTarget[], options: ScanOptions): Promise<ScanReport> {
  void targets;
  void options;
  throw new Error('not implemented yet');
}
