/** Runs the CLI's `main` in process, capturing what it writes. */
import { Writable } from 'node:stream';
import { main } from '../../lambda/cli';

export class Capture extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
