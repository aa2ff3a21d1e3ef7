/** The report for machines: `schemaVersion` 1 JSON. DER certificates are written as base64. */
import type { OriginReport, ScanReport } from '../model';

export function renderJson(report: ScanReport): string {
  return [...renderJsonChunks(report)].join('');
}

/**
 * The same text in pieces, one origin at a time, so that a report of 10,000 origins is written without ever being
 * one string of tens of megabytes (and its copy as bytes): byte for byte what `JSON.stringify(report, _, 2)` gives.
 */
export function* renderJsonChunks(report: ScanReport, originText: (index: number) => string = (i) => jsonOriginText(report.origins[i])): Generator<string> {
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
    yield `    ${originText(i)}${i < n - 1 ? ',' : ''}\n`;
  }
  yield `  ]${tail}\n`;
}

/**
 * One element of `origins` as renderJsonChunks writes it (without the indentation of its first line and the comma):
 * it sits two levels deep, four spaces before each of its other lines. Made as an origin finishes, it can be kept
 * instead of the origin (lambda/report/spill.ts).
 */
export function jsonOriginText(origin: OriginReport): string {
  return JSON.stringify(base64Buffers(origin), null, 2).replace(/\n/g, '\n    ');
}

function bufferAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
}

/**
 * The value with every Buffer in it as its base64 text, copying only the objects on the way to one (healthy origins
 * carry none): what bufferAsBase64 does as a replacer, without a call into JavaScript for every key of the report,
 * which made JSON.stringify several times slower (0.1 ms per origin).
 */
export function base64Buffers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const c = base64Buffers(v);
      if (c !== v) (out ??= value.slice())[i] = c;
    }
    return out ?? value;
  }
  // toJSON decides for itself (a Date); a Buffer's own toJSON was caught above.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const c = base64Buffers(v);
    if (c !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = c;
  }
  return out ?? value;
}
