/**
 * Where the CLI's report goes. `--output FILE` is checked before the scan (so a bad path does not cost the scan),
 * may not name an input file, and is written atomically (a temporary file in the same directory, renamed over it:
 * a reader never sees half a report, and a failed write leaves the old file). On stdout, a reader that goes away
 * (`| head`) ends the write quietly.
 */
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function identity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/**
 * Throws one line when the report could not be written to `path`: empty, a directory, one of the inputs (by
 * file identity, so `./x.json` and a symlink to it count), or a directory we cannot create files in.
 */
export function checkOutputPath(path: string, inputs: { flag: string; path: string }[]): void {
  if (!path.trim()) throw new Error('--output: empty; give a file name (e.g. --output scan-report.json)');
  const target = resolve(path);
  const id = identity(target);
  if (id !== undefined) {
    if (statSync(target).isDirectory()) throw new Error(`--output: ${path} is a directory; give a file name`);
    const clash = inputs.find((i) => identity(i.path) === id || resolve(i.path) === target);
    if (clash) throw new Error(`--output: ${path} is the ${clash.flag} file; writing the report there would destroy it`);
  }
  let dir: string;
  try {
    dir = realpathSync(dirname(target));
  } catch (e) {
    throw new Error(`--output: cannot write ${path}: its directory ${dirname(path)} does not exist (${code(e)})`);
  }
  // The honest check: create (and remove) a file where the report will go.
  const probe = tempPath(join(dir, basename(target)));
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw new Error(`--output: cannot write ${path} (${code(e)})`);
  }
}

/** Writes `text` to `path` atomically: a temporary file beside it, flushed, then renamed over it. */
export function writeFileAtomic(path: string, text: string): void {
  writeChunksAtomic(path, [text]);
}

/** The same, from pieces (a large report one origin at a time, never one string). */
export function writeChunksAtomic(path: string, chunks: Iterable<string>): void {
  const temp = tempPath(resolve(path));
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o644);
    for (const chunk of coalesce(chunks)) writeSync(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw new Error(`--output: cannot write ${path} (${code(e)})`);
  }
}

/**
 * Pieces joined into writes of at least `atLeast` characters (the last may be shorter): a report of 10,000 origins
 * comes as 30,000 small pieces, and a write (a system call, or an await on a stream) per piece costs more than the
 * pieces.
 */
export function* coalesce(chunks: Iterable<string>, atLeast = 64 * 1024): Generator<string> {
  let parts: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= atLeast) {
      yield parts.join('');
      parts = [];
      length = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
}

const isPipeGone = (e: unknown) => ['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END'].includes(code(e));

/**
 * Writes to a stream and waits for it; a reader that went away (EPIPE) is not an error: the report was read as far
 * as the reader wanted. Returns false then, true when written.
 */
export function writeQuietly(stream: NodeJS.WritableStream, text: string): Promise<boolean> {
  ignorePipeErrors(stream);
  return new Promise((resolve, reject) => {
    try {
      stream.write(text, (err) => (err && !isPipeGone(err) ? reject(err) : resolve(!err)));
    } catch (e) {
      if (isPipeGone(e)) resolve(false);
      else reject(e);
    }
  });
}

const guarded = new WeakSet<NodeJS.WritableStream>();
/** An 'error' listener, so EPIPE on a stream (stdout or stderr) is never an uncaught exception with a stack trace. */
export function ignorePipeErrors(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (e: unknown) => {
    if (!isPipeGone(e)) throw e;
  });
}
