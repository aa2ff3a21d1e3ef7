/**
 * Differential suite: for every generated server and certificate variant, the product's verdict (critical = CloudFront
 * does not connect) must equal s2n-tls's own client, `s2n-check.sh` from ../shared/tools/s2n (s2nc with the
 * CloudFront-Upstream policy the origin's OriginSslProtocols picks). Deliberate differences are in differences.ts.
 *
 * Needs s2nc (bash ../shared/tools/s2n/build.sh, or `.ci/run`). Without it the suite says so and is skipped.
 * Every connection is to 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { getProfile } from '../../lambda/cloudfront/client-profile';
import type { OriginSslProtocol, OriginTarget } from '../../lambda/model';
import { runScan } from '../../lambda/pipeline';
import { loadTrustStore } from '../../lambda/probe/trust-store';
import { DIFFERENCES } from './differences';
import { buildVariants, HOST, type Variant } from './variants';

const TOOLS = process.env.S2N_TOOLS_DIR ?? resolve(__dirname, '../../../shared/tools/s2n');
const CHECK = join(TOOLS, 's2n-check.sh');
const S2NC = process.env.S2NC ?? join(process.env.S2N_BUILD_DIR ?? join(tmpdir(), 's2n-build'), 'bin', 's2nc');
const missing = !existsSync(CHECK) ? `${CHECK} not found (set S2N_TOOLS_DIR)` : !existsSync(S2NC) ? `s2nc not found at ${S2NC} (run: bash ${TOOLS}/build.sh)` : undefined;

if (missing) {
  // eslint-disable-next-line no-console
  console.log(`s2n differential suite skipped: ${missing}`);
}

interface Outcome {
  variant: Variant;
  s2n: string;
  s2nOk: boolean;
  productCritical: boolean;
  codes: string[];
}

function s2nCheck(port: number, v: Variant, caFile: string): Promise<string> {
  const env = { ...process.env, S2NC, S2N_CHECK_FAMILY: v.family ?? '2025', S2N_CHECK_TIMEOUT: '8' };
  return new Promise((resolveLine) => {
    execFile('bash', [CHECK, HOST, String(port), v.sni ?? HOST, v.protocols ?? 'TLSv1.2', caFile, '127.0.0.1'], { env, timeout: 15_000 }, (_err, stdout) =>
      resolveLine(stdout.split('\n')[0] ?? ''),
    );
  });
}

function target(port: number, v: Variant): OriginTarget {
  const sni = v.sni ?? HOST;
  return {
    key: v.name,
    domainName: sni,
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: port,
    ports: [{ port, tls: true, behaviors: ['*'] }],
    sniNames: [{ name: sni, source: 'origin-domain', behaviors: ['*'] }],
    allowedVersions: (v.protocols ?? 'TLSv1.2').split(',') as OriginSslProtocol[],
    connectionTimeoutMs: 5000,
    connectionAttempts: 1,
    resolveOverride: ['127.0.0.1'],
  };
}

async function listen(v: Variant): Promise<Server> {
  const keyOf = v.server.keyOf ?? v.server.chain[0];
  const server = createServer({
    cert: v.server.chain.map((c) => c.pem).join(''),
    key: keyOf.keyPem,
    ...v.server.tls,
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return server;
}

const suite = missing ? describe.skip : describe;

suite('differential: the product against s2n-tls (s2n-check.sh)', () => {
  let variants: Variant[] = [];
  let dir: string;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    variants = await buildVariants();
    dir = mkdtempSync(join(tmpdir(), 'cfom-s2n-'));
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    const agree = outcomes.filter((o) => o.s2nOk === !o.productCritical).length;
    const lines = outcomes
      .filter((o) => o.s2nOk === o.productCritical)
      .map((o) => `  differs: ${o.variant.name}: s2n ${o.s2n}; product ${o.productCritical ? 'critical' : 'connects'} (${o.codes.join(', ') || 'no finding'})`);
    if (process.env.S2N_DIFF_VERBOSE) {
      for (const o of outcomes) lines.push(`  ${o.variant.name} | s2n ${o.s2n} | product ${o.codes.join(', ') || 'ok'}`);
    }
    // eslint-disable-next-line no-console
    console.log([`s2n agreement ${agree}/${outcomes.length} (${DIFFERENCES.length} documented difference(s) in test/differential/differences.ts)`, ...lines].join('\n'));
  });

  it('has at least 60 variants', () => {
    expect(variants.length).toBeGreaterThanOrEqual(60);
    expect(variants.length).toBe(count);
    expect(new Set(variants.map((v) => v.name)).size).toBe(variants.length);
    for (const d of DIFFERENCES) expect(variants.map((v) => v.name)).toContain(d.variant);
  });

  it('the profiles are the policies s2n prints', async () => {
    const policyBin = join(S2NC, '..', 'policy');
    const run = (name: string) => new Promise<string>((ok) => execFile(policyBin, [name], (_e, out) => ok(out)));
    for (const profileName of ['cloudfront-2025', 'cloudfront-legacy'] as const) {
      const profile = getProfile(profileName);
      for (const choice of Object.values(profile.policies)) {
        const text = await run(choice.policy);
        const section = (title: string) => (text.split(`${title}:\n`)[1] ?? '').split(/\n[a-z ]+:\n/)[0].split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
        expect(section('cipher suites')).toEqual([...profile.tls13Suites, ...profile.suites].map((s) => s.iana));
        expect(section('curves')).toEqual(profile.groups.map((g) => g.name));
        const s2nName = (n: string) => n.replace(/^ecdsa_secp(256|384|521)r1_/, 'ecdsa_').replace(/^rsa_pkcs1_sha224$/, 'legacy_rsa_sha224').replace(/^ecdsa_sha224$/, 'legacy_ecdsa_sha224');
        expect(section('signature schemes')).toEqual(profile.signatureSchemes.map((s) => s2nName(s.name)));
      }
    }
  });

  // One test per variant, each against its own server.
  /** The number of variants buildVariants() makes (checked below, so that no test is empty). */
  const count = 92;
  for (let i = 0; i < count; i++) {
    it(`variant ${i}`, async () => {
      const v = variants[i];
      const caFile = join(dir, `ca-${i}.pem`);
      writeFileSync(caFile, v.anchors.map((a) => a.pem).join(''));
      const server = await listen(v);
      try {
        const port = (server.address() as AddressInfo).port;
        const s2n = await s2nCheck(port, v, caFile);
        const report = await runScan([target(port, v)], {
          profile: getProfile(v.family === 'legacy' ? 'cloudfront-legacy' : 'cloudfront-2025'),
          trust: loadTrustStore({ caFiles: [caFile] }),
          expiryWarningDays: 30,
          concurrency: 1,
        });
        const findings = report.origins[0].findings;
        const outcome: Outcome = {
          variant: v,
          s2n,
          s2nOk: s2n.startsWith('OK '),
          productCritical: findings.some((f) => f.severity === 'critical'),
          codes: findings.map((f) => f.code),
        };
        outcomes.push(outcome);
        const documented = DIFFERENCES.find((d) => d.variant === v.name);
        const verdicts = { variant: v.name, rule: v.rule, s2n, product: outcome.productCritical ? 'critical' : 'connects', codes: outcome.codes };
        if (documented) {
          expect(verdicts).toMatchObject({ product: documented.product, s2n: expect.stringMatching(new RegExp(`^${documented.s2n}`)) });
        } else {
          expect(verdicts).toMatchObject({ product: outcome.s2nOk ? 'connects' : 'critical' });
        }
      } finally {
        await new Promise<void>((done) => server.close(() => done()));
      }
    }, 40_000);
  }
});
