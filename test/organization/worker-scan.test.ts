/**
 * The organization worker runs the SAME scan as the single-account Lambda (issue 14): for one inventory, served by
 * the CloudFront API fake to the single-account function's credentials and to a member role's, with ACM (the fake,
 * per-account credentials recorded) for an origin mTLS certificate, the edge check through the fake CloudFront edge,
 * extra trust anchors from CA_FILES and the once-a-day TLS 1.3 re-check, the worker's findings equal the
 * single-account run's, origin by origin. Then the reduce step keeps the TLS 1.3 re-check times and hands them back
 * to the workers, so the next item does not ask again within the day.
 */
import type { TLSSocket } from 'node:tls';
import { MemoryStateStore, TextPublisher } from '../../lambda/alerting/local';
import { createAcmClient, createCloudFrontClient, loadTargets } from '../../lambda/inventory';
import type { OriginReport, OriginTarget, ScanReport } from '../../lambda/model';
import { KEYS, type ItemResult, type ScanItem, type Tls13Checks } from '../../lambda/organization/model';
import { reduceRun } from '../../lambda/organization/reduce';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { scanItem } from '../../lambda/organization/scan-item';
import { runScan, type ScanOptions } from '../../lambda/pipeline';
import { connectToTable, createEdgeProbe } from '../../lambda/probe/edge';
import { runOnce } from '../../lambda/run/monitor-run';
import { decodeEnvironment } from '../../lib/settings';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import { startFakeAcm, type FakeAcm } from '../support/fake-acm';
import { startFakeCloudFrontAccounts, type FakeCloudFront } from '../support/fake-cloudfront-api';
import { allowOnlyFrom, startFakeEdge, type FakeEdge, type FakeEdgeAction } from '../support/fake-edge';
import { chainPem, createPki, writeTempFiles, type Pki, type TempFiles } from '../support/pki';
import { listenTls, type Listening } from '../support/servers';
import { distribution, type OriginSpec, recordingLogger, recordingMetrics, reduceDeps } from './support';

const ACCOUNT = '111111111111';
const MEMBER_KEY = `ASIA${ACCOUNT}FAKE`;
const DISTRIBUTION = 'E4ORGWORKER';
/** The distribution's domain (support.ts distribution: the id, lower case). */
const DOMAIN = 'e4orgworker.cloudfront.net';
const MTLS_ARN = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0f0e0d0c-mtls`;
const DAY = 86_400_000;

let pki: Pki;
let files: TempFiles;
let edge: FakeEdge;
let api: FakeCloudFront;
let acm: FakeAcm;
let restoreEnv: () => void;
const servers: Listening[] = [];
const ports: Record<string, number> = {};

const ok = (s: TLSSocket) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: shop\r\nConnection: close\r\n\r\nok'));

async function origin(id: string, opts: Parameters<typeof listenTls>[0] = {}, dnsName = `${id}.origins.test`): Promise<Listening> {
  const leaf = await pki.issueLeaf({ dnsNames: [dnsName] });
  const server = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate), ...opts }, '127.0.0.1', { onSecureConnection: ok });
  servers.push(server);
  ports[id] = server.port;
  return server;
}

beforeAll(async () => {
  pki = await createPki({ name: 'Org Worker Test' });
  const clients = await createPki({ name: 'Origin mTLS clients' });
  const clientCert = await clients.issueLeaf({ dnsNames: ['cloudfront.client.test'], extendedKeyUsages: ['clientAuth'] });
  files = writeTempFiles({ 'root.pem': pki.root.certPem });

  // Reachable only from the edge's address (127.0.0.2): the edge check makes it ORIGIN_CLOUDFRONT_ONLY.
  (await origin('allowlisted')).server.prependListener('connection', allowOnlyFrom('127.0.0.2'));
  // Origin mTLS, its client certificate in the account's ACM, expiring in 10 days.
  await origin('mtls', { requestCert: true, rejectUnauthorized: true, ca: [clients.root.certPem] });
  // TLS 1.3 only: the once-a-day re-check without TLS 1.3 finds TLS13_ONLY.
  await origin('modern', { minVersion: 'TLSv1.3' });
  // A certificate for another name: CERT_NAME_MISMATCH (the edge gets a 502 too).
  await origin('wrong', {}, 'other.example');

  const to = (id: string, extra: Partial<Extract<FakeEdgeAction, { kind: 'origin' }>> = {}): FakeEdgeAction => ({
    kind: 'origin', host: '127.0.0.1', port: ports[id], servername: `${id}.origins.test`, ca: [pki.root.certPem], ...extra,
  });
  const edgeLeaf = await pki.issueLeaf({ dnsNames: ['*.cloudfront.net'] });
  edge = await startFakeEdge({
    key: edgeLeaf.keyPem,
    cert: chainPem(edgeLeaf, pki.intermediate),
    routes: [
      { host: DOMAIN, prefix: '/mtls/', action: to('mtls', { clientCert: { key: clientCert.keyPem, cert: chainPem(clientCert, clients.intermediate) } }) },
      { host: DOMAIN, prefix: '/modern/', action: to('modern') },
      { host: DOMAIN, prefix: '/wrong/', action: to('wrong') },
      { host: DOMAIN, prefix: '/', action: to('allowlisted') },
    ],
  });

  // Default behavior to the first origin, /<id>/* to each other.
  const spec = (id: string, extra: Partial<OriginSpec> = {}): OriginSpec => ({ id, domain: `${id}.origins.test`, port: ports[id], ...extra });
  const inventory = distribution(DISTRIBUTION, ACCOUNT, [spec('allowlisted'), spec('mtls', { mtlsCertificateArn: MTLS_ARN }), spec('modern'), spec('wrong')]);
  // The same inventory to the single-account function's credentials and to the member role's.
  api = await startFakeCloudFrontAccounts({ [HERMETIC_AWS_ENV.AWS_ACCESS_KEY_ID]: { distributions: [inventory] }, [MEMBER_KEY]: { distributions: [inventory] } });
  acm = await startFakeAcm([
    { CertificateArn: MTLS_ARN, DomainName: 'cloudfront.client.test', Status: 'ISSUED', Type: 'IMPORTED', NotBefore: new Date(Date.now() - 355 * DAY), NotAfter: new Date(Date.now() + 10 * DAY + 3_600_000), RenewalEligibility: 'INELIGIBLE' },
  ]);
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint, AWS_ENDPOINT_URL_ACM: acm.endpoint });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  await Promise.all([edge?.close(), api?.close(), acm?.close(), ...servers.map((s) => s.close())]);
  files?.cleanup();
});

/** The function's environment (lib/settings.ts): CA_FILES for the test root; the edge check on by default. */
const settings = () => decodeEnvironment({ CA_FILES: files.paths['root.pem'], CONNECT_TIMEOUT_MS: '1000', SCAN_CONCURRENCY: '8' });
const edgeProbe = () => createEdgeProbe({ connectTo: connectToTable([{ host: DOMAIN, port: 443, toHost: '127.0.0.1', toPort: edge.port }]), extraCa: [pki.root.certPem] });
/** runScan with loopback DNS; records what it was asked. */
function recordingScan(seen: { options?: ScanOptions; report?: ScanReport }) {
  return async (targets: OriginTarget[], options: ScanOptions) => {
    seen.options = options;
    seen.report = await runScan(targets, { ...options, deps: { resolver: { resolve4: async () => ['127.0.0.1'], resolve6: async () => [] } } });
    return seen.report;
  };
}
const verdicts = (origins: readonly OriginReport[], strip = '') =>
  Object.fromEntries(
    origins.map((o) => [o.key.slice(strip.length), { status: o.status, codes: o.findings.map((f) => f.code).sort(), edge: (o.edge ?? []).map((e) => e.status ?? e.error?.stage) }]),
  );

describe('the worker scan = the single-account scan', () => {
  const single: { options?: ScanOptions; report?: ScanReport } = {};
  const worker: { options?: ScanOptions; report?: ScanReport } = {};
  /** The run bucket, recording the worker's reads (the scan role may list only under state/tls13-checks/). */
  const store = new (class extends MemoryRunStore {
    readonly reads: string[] = [];
    override async getJson<T>(key: string): Promise<T | undefined> {
      this.reads.push(key);
      return super.getJson<T>(key);
    }
  })();
  let firstReads: string[] = [];
  const item: ScanItem = { accountId: ACCOUNT, accountName: 'prod', chunk: 0, chunks: 1 };
  const workerDeps = (seen: typeof worker, now = () => new Date()) => ({
    settings: settings(),
    assume: async () => ({ accessKeyId: MEMBER_KEY, secretAccessKey: 'fake-secret', sessionToken: 'member-token' }),
    clients: (credentials: { accessKeyId: string; secretAccessKey: string }) => ({
      cloudfront: createCloudFrontClient({ credentials, region: 'us-east-1' }),
      acm: createAcmClient({ credentials }),
    }),
    loadTargets,
    scan: recordingScan(seen),
    edgeProbe: edgeProbe(),
    store,
    logger: recordingLogger(),
    now,
  });
  let acmKeysSingle: string[];
  let result: ItemResult;

  beforeAll(async () => {
    // The single-account run, wired as lambda/handler.ts wires it.
    const s = settings();
    const cloudfront = createCloudFrontClient();
    const acmClient = createAcmClient();
    await runOnce({
      settings: s,
      loadTargets: () => loadTargets({ kind: 'api', client: cloudfront, acm: acmClient }, { distributions: s.distributions, excludeDistributions: s.excludeDistributions }),
      scan: recordingScan(single),
      store: new MemoryStateStore(),
      publisher: new TextPublisher(() => undefined),
      logger: recordingLogger(),
      metrics: recordingMetrics(),
      now: () => new Date(),
      edgeProbe: edgeProbe(),
    });
    acmKeysSingle = [...acm.keys];
    await scanItem({ runId: 'run-1', item }, workerDeps(worker));
    firstReads = [...store.reads];
    result = (await store.getJson<ItemResult>(KEYS.result('run-1', item)))!;
  }, 60_000);

  test("a new account (no copy of its TLS 1.3 re-check times yet): the worker reads only its own copy, under the scan role's ListBucket prefix, and every TLS 1.3 origin is due", () => {
    expect(firstReads).toEqual([KEYS.tls13Checks(ACCOUNT)]);
    // lib/organization/organization-monitor.ts ListOwnTls13Checks: s3:prefix state/tls13-checks/* (a 404, not a 403).
    expect(firstReads.every((key) => key.startsWith(KEYS.TLS13_CHECKS_PREFIX))).toBe(true);
    const due = worker.options!.checkWithoutTls13 as (t: OriginTarget) => boolean;
    for (const key of ['E4ORGWORKER/modern', 'E4ORGWORKER/mtls', 'E4ORGWORKER/wrong', 'E4ORGWORKER/new-origin']) expect(due({ key } as OriginTarget)).toBe(true);
  });

  test('the same findings, origin by origin: ACM, the edge check, CA_FILES and the TLS 1.3 re-check all count', () => {
    const expected = verdicts(single.report!.origins);
    expect(verdicts(result.report!.origins, `${ACCOUNT}/`)).toEqual(expected);
    expect(verdicts(worker.report!.origins)).toEqual(expected);
    // Not a trivial agreement: every part of the scan found something.
    expect(expected['E4ORGWORKER/allowlisted'].codes).toEqual(['ORIGIN_CLOUDFRONT_ONLY']);
    expect(expected['E4ORGWORKER/mtls'].codes).toEqual(['MTLS_CERT_EXPIRING_SOON', 'MTLS_CERT_NOT_RENEWABLE', 'ORIGIN_CLOUDFRONT_ONLY']);
    expect(expected['E4ORGWORKER/modern'].codes).toContain('TLS13_ONLY');
    expect(expected['E4ORGWORKER/wrong'].codes).toContain('CERT_NAME_MISMATCH');
    expect(expected['E4ORGWORKER/wrong'].edge).toEqual([502]);
  });

  test('the same scan options from the same settings (edge probe, caFiles, re-check, deadline aside)', () => {
    const shape = (o: ScanOptions) => ({ ...o, edge: o.edge ? Object.keys(o.edge) : undefined, profile: o.profile.name, checkWithoutTls13: typeof o.checkWithoutTls13, now: typeof o.now, onOrigin: typeof o.onOrigin });
    expect(shape(worker.options!)).toEqual(shape(single.options!));
    expect(worker.options).toMatchObject({ caFiles: [files.paths['root.pem']], concurrency: 8, connectTimeoutMs: 1000, edge: { probe: expect.any(Function) } });
  });

  test("ACM is read in the member account, with the member role's credentials", () => {
    expect(acmKeysSingle).toEqual([HERMETIC_AWS_ENV.AWS_ACCESS_KEY_ID]);
    expect(acm.keys.slice(acmKeysSingle.length)).toEqual([MEMBER_KEY]);
    expect(acm.requests).toEqual([MTLS_ARN, MTLS_ARN]);
  });

  test("a copy of the re-check times that cannot be read (S3's 403 for a missing object) costs no scan: the account is scanned, every TLS 1.3 origin is due, a warning says so", async () => {
    const denied = new (class extends MemoryRunStore {
      override async getJson<T>(key: string): Promise<T | undefined> {
        if (key.startsWith(KEYS.TLS13_CHECKS_PREFIX)) throw Object.assign(new Error('AccessDenied: Access Denied'), { name: 'AccessDenied' });
        return super.getJson<T>(key);
      }
    })();
    const seen: typeof worker = {};
    const logger = recordingLogger();
    const out = await scanItem({ runId: 'run-denied', item }, { ...workerDeps(seen), store: denied, logger });
    expect(out.outcome).toBe('scanned');
    const due = seen.options!.checkWithoutTls13 as (t: OriginTarget) => boolean;
    expect(due({ key: 'E4ORGWORKER/modern' } as OriginTarget)).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContain('TLS 1.3 re-check times not read: every TLS 1.3 origin of the item is re-checked');
  }, 60_000);

  test('the worker logs the same origin line, with its account', () => {
    const lines: { message: string; extra: Record<string, unknown> }[] = [];
    return scanItem({ runId: 'run-log', item }, { ...workerDeps({}), logger: { info: (message, ...x) => lines.push({ message, extra: Object.assign({}, ...x) }), warn: () => undefined, error: () => undefined } }).then(() => {
      const line = lines.find((l) => l.message === 'origin result' && l.extra.originId === 'wrong')!;
      expect(line.extra).toMatchObject({ accountId: ACCOUNT, distributionId: 'E4ORGWORKER', status: 'critical' });
    });
  }, 60_000);

  test('TLS 1.3 re-check: the item returns its times; the reduce step keeps them in the alert state and copies them for the workers; the next item within the day does not ask again', async () => {
    const checked = result.tls13Checks!;
    // The TLS 1.3 origins it reached directly (the allowlisted one it did not).
    expect(Object.keys(checked).sort()).toEqual(['E4ORGWORKER/modern', 'E4ORGWORKER/mtls', 'E4ORGWORKER/wrong']);
    const originState = new MemoryStateStore();
    const items = [item];
    await store.putJson(KEYS.items('run-1'), items);
    await reduceRun({ runId: 'run-1', itemsKey: KEYS.items('run-1') }, reduceDeps(store, originState));
    expect(originState.snapshot().tls13Checks).toEqual(Object.fromEntries(Object.entries(checked).map(([k, at]) => [`${ACCOUNT}/${k}`, at])));
    expect(await store.getJson<Tls13Checks>(KEYS.tls13Checks(ACCOUNT))).toEqual(checked);

    // An hour later: the time is not due, so the origin is asked once (with TLS 1.3) and keeps its time.
    const later = new Date(Date.now() + 3_600_000);
    const seen: typeof worker = {};
    await scanItem({ runId: 'run-2', item }, workerDeps(seen, () => later));
    const second = (await store.getJson<ItemResult>(KEYS.result('run-2', item)))!;
    expect(second.tls13Checks).toEqual(checked);
    const modern = seen.options!.checkWithoutTls13 as (t: OriginTarget) => boolean;
    expect(modern({ key: 'E4ORGWORKER/modern' } as OriginTarget)).toBe(false);
    expect(modern({ key: 'E4ORGWORKER/new-origin' } as OriginTarget)).toBe(true);
  }, 60_000);
});
