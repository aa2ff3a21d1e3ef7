/**
 * The AWS knowledge-center method ("CloudFront could not connect to origin"), as a person or a script runs it:
 * one `openssl s_client` per protocol (-tls1, -tls1_1, -tls1_2) with CloudFront's cipher list and the SNI name,
 * then one verify run, one after the other. Each run is a child process, killed after `timeoutMs` (s_client has
 * no connect timeout of its own; a person would press Ctrl-C). The verdict is made comparable with the engine's:
 * `ok`, or `critical` with the finding code the engine would use.
 */
import { spawn } from 'node:child_process';
import { OPENSSL_CLOUDFRONT_CIPHERS } from '../lambda/diagnosis/findings';

export interface OpensslRun {
  args: string[];
  ms: number;
  exitCode: number | null;
  timedOut: boolean;
  /** The negotiated protocol and cipher, when the handshake completed. */
  protocol?: string;
  cipher?: string;
  /** `Verify return code` or the first `verify error`, for the verify run. */
  verifyCode?: number;
  verifyText?: string;
  /** The first error line (connect refused, alert...). */
  error?: string;
}

export interface OpensslVerdict {
  status: 'ok' | 'critical';
  /** The engine's finding code for the same condition. */
  code?: string;
  reason?: string;
  totalMs: number;
  runs: OpensslRun[];
}

export interface OpensslTarget {
  address: string;
  port: number;
  serverName: string;
  caFile: string;
}

const VERSION_FLAGS = ['-tls1', '-tls1_1', '-tls1_2'] as const;

/** OpenSSL verify error numbers (X509_V_ERR_*) -> finding codes. */
const VERIFY_CODES: Record<number, string> = {
  9: 'CERT_NOT_YET_VALID',
  10: 'CERT_EXPIRED',
  18: 'CERT_SELF_SIGNED',
  19: 'CERT_UNTRUSTED_ROOT',
  20: 'CERT_CHAIN_INCOMPLETE',
  21: 'CERT_CHAIN_INCOMPLETE',
  62: 'CERT_NAME_MISMATCH',
};

export function runOpenssl(args: string[], timeoutMs: number, opensslBin = 'openssl'): Promise<OpensslRun> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    // stdin from /dev/null, as `</dev/null` in the article; a clean environment for the trust store.
    const child = spawn(opensslBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    const collect = (d: Buffer) => {
      if (size < 256 * 1024) out.push(d);
      size += d.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (exitCode: number | null, spawnError?: string) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const text = Buffer.concat(out).toString('utf8');
      const run: OpensslRun = { args, ms, exitCode, timedOut };
      const proto = /Protocol\s*:\s*(\S+)/.exec(text);
      const cipher = /Cipher\s*:\s*(\S+)/.exec(text) ?? /Cipher is (\S+)/.exec(text);
      if (cipher && cipher[1] !== '0000' && cipher[1] !== '(NONE)') {
        run.cipher = cipher[1];
        if (proto) run.protocol = proto[1];
      }
      const verr = /verify error:num=(\d+):([^\n]*)/.exec(text) ?? /Verify return code: (\d+) \(([^)]*)\)/.exec(text);
      if (verr) {
        run.verifyCode = Number(verr[1]);
        run.verifyText = verr[2].trim();
      }
      const err = spawnError ?? /^.*(?:errno=\d+|error:[^\n]*|alert [^\n]*)/m.exec(text)?.[0];
      if (err) run.error = err.slice(0, 200);
      resolve(run);
    };
    child.on('error', (e) => finish(null, `spawn: ${e.message}`));
    child.on('close', (code) => finish(code));
  });
}

/** The article's runs, sequentially, and a verdict. */
export async function opensslMethod(t: OpensslTarget, timeoutMs: number): Promise<OpensslVerdict> {
  const host = t.address.includes(':') ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;
  const runs: OpensslRun[] = [];
  for (const flag of VERSION_FLAGS) {
    runs.push(
      await runOpenssl(['s_client', '-connect', host, '-servername', t.serverName, flag, '-cipher', `${OPENSSL_CLOUDFRONT_CIPHERS}:@SECLEVEL=0`], timeoutMs),
    );
  }
  const verify = await runOpenssl(
    ['s_client', '-connect', host, '-servername', t.serverName, '-verify_return_error', '-verify_hostname', t.serverName, '-CAfile', t.caFile],
    timeoutMs,
  );
  runs.push(verify);
  const totalMs = runs.reduce((n, r) => n + r.ms, 0);
  return { ...judge(runs.slice(0, VERSION_FLAGS.length), verify), totalMs, runs };
}

function judge(handshakes: OpensslRun[], verify: OpensslRun): { status: 'ok' | 'critical'; code?: string; reason?: string } {
  const all = [...handshakes, verify];
  if (all.every((r) => r.error?.includes('errno=111') || /connect:.*refused/i.test(r.error ?? ''))) {
    return { status: 'critical', code: 'PORT_REFUSED', reason: 'connection refused' };
  }
  if (all.every((r) => r.timedOut)) return { status: 'critical', code: 'PORT_TIMEOUT', reason: 'no answer (killed after the timeout)' };
  if (!handshakes.some((r) => r.cipher)) {
    return { status: 'critical', code: 'TLS_HANDSHAKE_FAILED', reason: `no protocol completed: ${handshakes.map((r) => r.error ?? (r.timedOut ? 'timeout' : '?')).join(' | ')}` };
  }
  if (verify.verifyCode !== undefined && verify.verifyCode !== 0) {
    return {
      status: 'critical',
      code: VERIFY_CODES[verify.verifyCode] ?? 'CERT_UNTRUSTED_ROOT',
      reason: `verify error ${verify.verifyCode} (${verify.verifyText})`,
    };
  }
  if (verify.exitCode !== 0) return { status: 'critical', code: 'TLS_HANDSHAKE_FAILED', reason: `verify run failed: ${verify.error ?? 'exit ' + verify.exitCode}` };
  return { status: 'ok' };
}

/** Codes that name the same condition (a silent origin is a timeout to one and a failed handshake to another). */
const EQUIVALENT: string[][] = [['PORT_TIMEOUT', 'TLS_HANDSHAKE_FAILED'], ['CERT_CHAIN_INCOMPLETE', 'CERT_UNTRUSTED_ROOT']];

export function sameVerdict(engine: { status: string; codes: string[] }, openssl: OpensslVerdict): boolean {
  const engineBad = engine.status === 'critical';
  if (engineBad !== (openssl.status === 'critical')) return false;
  if (!engineBad) return true;
  const code = openssl.code!;
  const family = EQUIVALENT.find((f) => f.includes(code)) ?? [code];
  return engine.codes.some((c) => family.includes(c));
}

/**
 * The bare loop: one `openssl s_client` per endpoint, with the SNI name, verifying the chain and the name against
 * the CA file, stdin closed (it exits after the handshake). A tenth of the engine's work (one version list, no
 * diagnosis), but the same verdict for the fleet's kinds: ok, or the failure it shows.
 */
export async function bareSClient(t: OpensslTarget, timeoutMs: number): Promise<OpensslVerdict> {
  const host = t.address.includes(':') ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;
  const run = await runOpenssl(
    ['s_client', '-connect', host, '-servername', t.serverName, '-verify_return_error', '-verify_hostname', t.serverName, '-CAfile', t.caFile],
    timeoutMs,
  );
  const refused = run.error?.includes('errno=111') || /connect:.*refused/i.test(run.error ?? '');
  const verdict: Omit<OpensslVerdict, 'totalMs' | 'runs'> = refused
    ? { status: 'critical', code: 'PORT_REFUSED' }
    : run.timedOut
      ? { status: 'critical', code: 'PORT_TIMEOUT' }
      : run.verifyCode !== undefined && run.verifyCode !== 0
        ? { status: 'critical', code: VERIFY_CODES[run.verifyCode] ?? 'CERT_UNTRUSTED_ROOT' }
        : run.cipher && run.verifyCode === 0
          ? // A completed handshake with a verified chain is ok whatever the exit status: s_client exits 1 when the
            // server closes first (our fleet answers and closes at once), which says nothing about the origin.
            { status: 'ok' }
          : { status: 'critical', code: 'TLS_HANDSHAKE_FAILED', reason: run.error ?? `exit ${run.exitCode}` };
  return { ...verdict, totalMs: run.ms, runs: [run] };
}
