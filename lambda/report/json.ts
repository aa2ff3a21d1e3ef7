/** The report for machines: `schemaVersion` 1 JSON. DER certificates are written as base64. */
import type { ScanReport } from '../model';

export function renderJson(report: ScanReport): string {
  return JSON.stringify(report, bufferAsBase64, 2) + '\n';
}

function bufferAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
}
