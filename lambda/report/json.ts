/** The report for machines: `schemaVersion` 1 JSON. DER certificates are written as base64. */
import type { ScanReport } from '../model';

export function renderJson(report: ScanReport): string {
  return [...renderJsonChunks(report)].join('');
}

/**
 * The same text in pieces, one origin at a time, so that a report of 10,000 origins is written without ever being
 * one string of tens of megabytes (and its copy as bytes): byte for byte what `JSON.stringify(report, _, 2)` gives.
 */
export function* renderJsonChunks(report: ScanReport): Generator<string> {
  const marker = '\u0000origins\u0000';
  const shell = JSON.stringify({ ...report, origins: marker }, bufferAsBase64, 2);
  const at = shell.indexOf(JSON.stringify(marker));
  const head = shell.slice(0, at);
  const tail = shell.slice(at + JSON.stringify(marker).length);
  const n = report.origins.length;
  if (n === 0) {
    yield `${head}[]${tail}\n`;
    return;
  }
  yield `${head}[\n`;
  for (let i = 0; i < n; i++) {
    // An element of `origins` sits two levels deep: four spaces before each of its lines.
    yield `    ${JSON.stringify(report.origins[i], bufferAsBase64, 2).replace(/\n/g, '\n    ')}${i < n - 1 ? ',' : ''}\n`;
  }
  yield `  ]${tail}\n`;
}

function bufferAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
}
