/**
 * The installable CLI as a person outside the checkout gets it: `npm pack` (which builds dist/cli.js at prepack),
 * then, in an empty folder, `npx ./cloudfront-origin-monitor-<version>.tgz --help` and a scan of an origin on
 * loopback, and an `npm install` of the tarball whose tree has no tsx. Dependencies come from the npm registry (the
 * local cache first); the scan's only traffic is to 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainPem, createPki } from '../demo/pki';
import { listenTls, type Listening } from '../demo/servers';
import type { Server as TlsServer } from 'node:tls';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  private?: boolean;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

let dir: string;
let tarball: string;
let server: Listening<TlsServer>;
let caFile: string;

/** An environment with none of this machine's AWS settings, npm reading its cache first, and a cache folder of its own. */
function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('npm_')) out[k] = v;
  // The command's code cache (bin/cf-origin-monitor.cjs) goes to this test's folder, not the user's.
  return { ...out, XDG_CACHE_HOME: join(dir, 'cache'), npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NO_COLOR: '1' };
}

async function run(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env: { ...env(), ...extraEnv }, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cfom-package-'));
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', dir], ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  tarball = packed.stdout.trim().split('\n').pop()!;
  const pki = await createPki({ name: 'Package Test' });
  const name = 'pkg-test.origins.localhost';
  const leaf = await pki.issueLeaf({ dnsNames: [name] });
  server = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate) });
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, pki.root.certPem);
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('is publishable: not private, named as the tarball the README gives, with both command names', () => {
  expect(pkg.private).toBe(false);
  expect(tarball).toBe(`${pkg.name}-${pkg.version}.tgz`);
  expect(Object.keys(pkg.bin).sort()).toEqual(['cf-origin-monitor', 'cloudfront-origin-monitor']);
});

it('holds only what it needs: the command, the compiled CLI and the licences of what it bundles, the README, the LICENSE and package.json', async () => {
  const { stdout } = await run('tar', ['tzf', tarball], dir);
  expect(stdout.trim().split('\n').sort()).toEqual(
    [
      'package/LICENSE',
      'package/README.md',
      'package/bin/cf-origin-monitor.cjs',
      'package/dist/cli.js',
      'package/dist/THIRD-PARTY-NOTICES.txt',
      'package/package.json',
    ].sort(),
  );
  // Every package bundled into dist/cli.js has its licence in the notices.
  const notices = readFileSync(join(ROOT, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
  for (const name of ['commander', '@peculiar/asn1-schema', '@peculiar/asn1-x509', 'asn1js']) expect(notices).toMatch(new RegExp(`^${name}@\\d`, 'm'));
});

it('ships the Apache License 2.0 that package.json names, as its standard text', async () => {
  expect(pkg.license).toBe('Apache-2.0');
  const { stdout } = await run('tar', ['xzOf', tarball, 'package/LICENSE'], dir);
  expect(stdout).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
  expect(stdout).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  expect(stdout).toContain('END OF TERMS AND CONDITIONS');
  expect(stdout).toContain('Copyright [yyyy] [name of copyright owner]'); // the text as published, no one else's NOTICE
});

it('the compiled CLI needs exactly the dependencies package.json names (no tsx, no TypeScript at run time)', () => {
  const code = readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8');
  const required = new Set([...code.matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:')));
  const packages = new Set([...required].map((m) => (m.startsWith('@') ? m.split('/').slice(0, 2).join('/') : m.split('/')[0])));
  // cron-validate checks schedules at synth; lib/settings.ts requires it only then, never in the CLI.
  packages.delete('cron-validate');
  expect([...packages].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  expect(code).not.toMatch(/require\("tsx|\.ts"\)/);
  expect(pkg.dependencies).not.toHaveProperty('tsx');
});

it('`npx ./<tarball> --help` works in an empty folder', async () => {
  const r = await run('npx', ['--yes', `./${tarball}`, '--help'], dir);
  expect({ code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/Usage: cf-origin-monitor/);
  expect(r.stdout).toMatch(/scan \[options\]/);
  expect(r.stdout).toMatch(/demo \[options\]/);
}, 240_000);

it('`npx ./<tarball> scan --origin ...` scans an origin on loopback', async () => {
  const r = await run(
    'npx',
    ['--yes', `./${tarball}`, 'scan', '--origin', `pkg-test.origins.localhost:${server.port}`, '--ca-file', caFile, '--format', 'json', '--no-progress'],
    dir,
  );
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(r.stdout) as { tool: { name?: string; version?: string } | string; origins: { status: string; domainName: string }[] };
  expect(report.origins).toEqual([expect.objectContaining({ domainName: 'pkg-test.origins.localhost', status: 'ok' })]);
  expect(JSON.stringify(report.tool)).toContain(pkg.version);
}, 240_000);

it('installs without tsx in its tree, and the installed command runs the compiled JavaScript', async () => {
  const prefix = join(dir, 'installed');
  const installed = await run('npm', ['install', '--prefix', prefix, '--no-save', join(dir, tarball)], dir);
  expect({ code: installed.code, stderr: installed.code ? installed.stderr : '' }).toEqual({ code: 0, stderr: '' });
  expect(existsSync(join(prefix, 'node_modules', 'tsx'))).toBe(false);
  expect(existsSync(join(prefix, 'node_modules', 'typescript'))).toBe(false);
  const r = await run(join(prefix, 'node_modules', '.bin', 'cf-origin-monitor'), ['--version'], dir);
  expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });

  // The demo from the package: its fleet, certificates and story are in dist/cli.js too.
  const demo = await run(join(prefix, 'node_modules', '.bin', 'cf-origin-monitor'), ['demo'], dir);
  expect({ code: demo.code, stderr: demo.stderr }).toEqual({ code: 0, stderr: '' });
  expect(demo.stdout).toMatch(/^Subject: CloudFront origins: \d+ new likely-502/m);
  expect(demo.stdout).toContain('Subject: CloudFront origins: 1 resolved');
}, 240_000);

/**
 * Start-up: what the installed command loads for each kind of scan (README, "Speed"). Asserted on the modules loaded,
 * never on milliseconds: a preload lists every file in require.cache when the process exits (not Node's built-in
 * modules: the tests' loopback guard, in every child, loads net, dns and https itself). Commander and the ASN.1
 * libraries are in dist/cli.js; the packages left outside load only when used.
 */
describe('the installed command loads only what a scan needs', () => {
  let prefix: string;
  let loadedFile: string;
  let preload: string;

  beforeAll(async () => {
    prefix = join(dir, 'lazy');
    const installed = await run('npm', ['install', '--prefix', prefix, '--no-save', join(dir, tarball)], dir);
    if (installed.code !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
    loadedFile = join(dir, 'loaded.json');
    preload = join(dir, 'list-loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
  }, 240_000);

  /** What the installed command loaded for `args`: packages (node_modules/<name>), and whether dist/cli.js. */
  async function loaded(args: string[]): Promise<{ code: number; stderr: string; packages: string[]; cli: boolean }> {
    rmSync(loadedFile, { force: true });
    const bin = join(prefix, 'node_modules', pkg.name, 'bin', 'cf-origin-monitor.cjs');
    const r = await run(process.execPath, ['-r', preload, bin, ...args], dir);
    const files = JSON.parse(readFileSync(loadedFile, 'utf8')) as string[];
    const packages = new Set(files.flatMap((f) => [...f.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].slice(-1).map((m) => m[1])));
    packages.delete(pkg.name);
    return {
      code: r.code,
      stderr: r.stderr,
      packages: [...packages].sort(),
      cli: files.some((f) => f.endsWith(join(pkg.name, 'dist', 'cli.js'))),
    };
  }

  const awsSdk = (p: string) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p.startsWith('@aws-crypto/');

  it('--help: the compiled CLI alone', async () => {
    const r = await loaded(['--help']);
    expect({ code: r.code, stderr: r.stderr, packages: r.packages, cli: r.cli }).toEqual({ code: 0, stderr: '', packages: [], cli: true });
  }, 60_000);

  it('a saved inventory with no origin: no package outside the bundle, so no AWS SDK', async () => {
    const empty = join(dir, 'empty-inventory.json');
    writeFileSync(empty, JSON.stringify({ DistributionList: { IsTruncated: false, MaxItems: 100, Quantity: 0, Items: [] } }));
    const r = await loaded(['scan', '--inventory', empty, '--no-progress']);
    expect({ code: r.code, stderr: r.stderr, packages: r.packages, cli: r.cli }).toEqual({ code: 0, stderr: '', packages: [], cli: true });
  }, 60_000);

  it('a saved inventory of a TLS origin: judged ok, still no AWS SDK', async () => {
    const inventory = join(dir, 'one-origin-inventory.json');
    const distribution = {
      Id: 'EPKGTEST00001',
      DomainName: 'd1.cloudfront.net',
      Enabled: true,
      Aliases: { Quantity: 0 },
      Origins: {
        Quantity: 1,
        Items: [
          {
            Id: 'origin',
            DomainName: 'pkg-test.origins.localhost',
            OriginPath: '',
            CustomHeaders: { Quantity: 0 },
            CustomOriginConfig: {
              HTTPPort: 80,
              HTTPSPort: server.port,
              OriginProtocolPolicy: 'https-only',
              OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
              OriginReadTimeout: 30,
              OriginKeepaliveTimeout: 5,
            },
            ConnectionAttempts: 3,
            ConnectionTimeout: 10,
          },
        ],
      },
      OriginGroups: { Quantity: 0 },
      // CachingOptimized (managed): forwards no Host header, so the SNI is the origin's domain name.
      DefaultCacheBehavior: { TargetOriginId: 'origin', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
      CacheBehaviors: { Quantity: 0 },
    };
    writeFileSync(inventory, JSON.stringify({ DistributionList: { IsTruncated: false, MaxItems: 100, Quantity: 1, Items: [distribution] } }));
    // --no-edge: the edge check would ask d1.cloudfront.net; this test talks to loopback only.
    const out = join(dir, 'one-origin-report.json');
    const r = await loaded(['scan', '--inventory', inventory, '--ca-file', caFile, '--no-edge', '--no-progress', '--format', 'json', '--output', out]);
    expect({ code: r.code, cli: r.cli }).toEqual({ code: 0, cli: true });
    const report = JSON.parse(readFileSync(out, 'utf8')) as { origins: { status: string; domainName: string }[] };
    expect(report.origins).toEqual([expect.objectContaining({ domainName: 'pkg-test.origins.localhost', status: 'ok' })]);
    expect(r.packages.filter(awsSdk)).toEqual([]);
  }, 60_000);

  it('keeps a V8 code cache of the compiled CLI in the cache folder, and runs the same with it, without it and with a corrupt one', async () => {
    const bin = join(prefix, 'node_modules', pkg.name, 'bin', 'cf-origin-monitor.cjs');
    const cache = join(dir, 'cache', 'cloudfront-origin-monitor');
    rmSync(cache, { recursive: true, force: true });
    const first = await run(process.execPath, [bin, '--help'], dir);
    expect(first.code).toBe(0);
    // Node 20: one file per bundle, Node version and command; Node 22.1+: Node's own compile cache in a folder.
    const files = (await run('find', [cache, '-type', 'f'], dir)).stdout.trim().split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    const again = await run(process.execPath, [bin, '--help'], dir);
    expect(again).toEqual(first);
    for (const f of files) writeFileSync(f, 'not a code cache');
    expect(await run(process.execPath, [bin, '--help'], dir)).toEqual(first);
    rmSync(cache, { recursive: true, force: true });
    expect(await run(process.execPath, [bin, '--help'], dir, { CF_ORIGIN_MONITOR_NO_CODE_CACHE: '1' })).toEqual(first);
    expect(existsSync(cache)).toBe(false);
  }, 60_000);
});
