/**
 * A report written as origins finish, so that a scan of 10,000 origins does not hold 10,000 origins' facts (the
 * handshakes, chains and certificates: most of a finished origin's memory) until the end.
 *
 * Each origin's text (its JSON element, or its lines of the table) is made as it finishes, appended to a temporary
 * file (in batches of 256 KiB), and only a slim record of the origin (without `facts` and `edge`) stays in the
 * scan's report for the summary. At the end the report is put together in the scan's order, byte for byte what the
 * renderers make from the whole report. An origin that is in an origin group is kept whole and rendered at the end:
 * its entry depends on its partner's final status (failover).
 *
 * When no temporary file can be made or written, the texts are kept in memory (still smaller than the facts).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OriginReport, ScanReport } from '../model';
import { jsonOriginText, renderJsonChunks } from './json';
import { renderTableChunks, tableOriginText, type TableOptions } from './table';

const BATCH_BYTES = 256 * 1024;

export type SpillFormat = { format: 'json' } | { format: 'table'; options: TableOptions };

export class ReportSpill {
  /** Where each spilled origin's text is: [offset, bytes] in the file followed by the batch. */
  private readonly at: { offset: number; bytes: number }[] = [];
  private readonly inMemory: string[] = [];
  private fd: number | undefined;
  private dir: string | undefined;
  /** Bytes written to the file; the batch holds the next `batched` bytes. */
  private written = 0;
  private readonly batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private batched = 0;
  /** A write failed: what is in the file and the batch stays readable, new texts stay in memory. */
  private broken = false;

  constructor(private readonly how: SpillFormat) {
    try {
      this.dir = mkdtempSync(join(tmpdir(), 'cfom-report-'));
      this.fd = openSync(join(this.dir, 'origins'), 'w+', 0o600);
      // Removed when the report is written, and in any case when the process exits (a scan that failed).
      process.once('exit', this.close);
    } catch {
      this.close();
    }
  }

  /**
   * What the scan keeps of a finished origin (ScanOptions.keep): its text is written away and a slim record stays;
   * an origin in an origin group stays whole.
   */
  keep = (origin: OriginReport, index: number): OriginReport => {
    if (origin.originGroups?.length) return origin;
    const text = this.render(origin);
    if (!this.append(text, index)) this.inMemory[index] = text;
    const { facts: _facts, edge: _edge, ...slim } = origin;
    return slim;
  };

  /** The report's text in pieces, in the scan's order; the spilled origins read back one at a time. */
  chunks(report: ScanReport): Iterable<string> {
    this.flushQuietly();
    const text = (i: number): string => {
      const stored = this.inMemory[i];
      if (stored !== undefined) return stored;
      const at = this.at[i];
      return at === undefined ? this.render(report.origins[i]) : this.read(at.offset, at.bytes);
    };
    return this.how.format === 'json' ? renderJsonChunks(report, text) : renderTableChunks(report, this.how.options, text);
  }

  /** Removes the temporary file. Safe to call more than once. */
  close = (): void => {
    process.removeListener('exit', this.close);
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (this.dir !== undefined) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = undefined;
    }
  };

  private render(origin: OriginReport): string {
    return this.how.format === 'json' ? jsonOriginText(origin) : tableOriginText(origin, this.how.options);
  }

  private append(text: string, index: number): boolean {
    if (this.fd === undefined || this.broken) return false;
    const bytes = Buffer.byteLength(text);
    try {
      if (this.batched + bytes > BATCH_BYTES) this.flush();
      if (bytes > BATCH_BYTES) {
        this.writeAll(Buffer.from(text), this.written);
        this.at[index] = { offset: this.written, bytes };
        this.written += bytes;
      } else {
        this.at[index] = { offset: this.written + this.batched, bytes };
        this.batched += this.batch.write(text, this.batched);
      }
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }

  private flush(): void {
    if (this.batched === 0) return;
    this.writeAll(this.batch.subarray(0, this.batched), this.written);
    this.written += this.batched;
    this.batched = 0;
  }

  private flushQuietly(): void {
    if (this.fd === undefined || this.broken) return;
    try {
      this.flush();
    } catch {
      this.broken = true;
    }
  }

  private writeAll(bytes: Buffer, offset: number): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd as number, bytes, done, bytes.length - done, offset + done);
  }

  private read(offset: number, bytes: number): string {
    // Not yet written (a write failed): still in the batch.
    if (offset >= this.written) return this.batch.toString('utf8', offset - this.written, offset - this.written + bytes);
    const buf = Buffer.allocUnsafe(bytes);
    for (let done = 0; done < bytes; ) {
      const n = readSync(this.fd as number, buf, done, bytes - done, offset + done);
      if (n === 0) throw new Error('the report spill file ended early');
      done += n;
    }
    return buf.toString('utf8');
  }
}
