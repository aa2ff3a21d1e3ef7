/**
 * The state machine's steps, run locally in order against fakes: Organizations and STS through aws-sdk-client-mock
 * (the real SDK commands and paginators), the CloudFront API fake serving four accounts (each set of member-role
 * credentials sees its own account's distributions), real TLS origins on loopback, the run bucket and the alert
 * state in memory. ListAccounts -> ScanItem for every item -> Reduce, three runs.
 */
import { OrganizationsClient, ListAccountsCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { PublishableDigest } from '../../lambda/alerting/publish';
import { MemoryStateStore } from '../../lambda/alerting/state-store';
import { createAcmClient, createCloudFrontClient, loadTargets } from '../../lambda/inventory';
import { decodeEnvironment } from '../../lib/settings';
import { runScan } from '../../lambda/pipeline';
import { trustStoreFromPems } from '../../lambda/probe/trust-store';
import { listAccounts } from '../../lambda/organization/accounts';
import { assumeMemberRole, memberRoleArn } from '../../lambda/organization/assume-role';
import { KEYS, type ItemResult, type ListOutput, type ScanItem } from '../../lambda/organization/model';
import type { OrgDigest } from '../../lambda/organization/org-digest';
import { planRun } from '../../lambda/organization/plan';
import { reduceRun } from '../../lambda/organization/reduce';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { scanItem, type WorkerDeps } from '../../lambda/organization/scan-item';
import { HERMETIC_AWS_ENV, withEnv } from '../support/aws-env';
import { startFakeCloudFrontAccounts, type FakeCloudFront } from '../support/fake-cloudfront-api';
import { createPki } from '../support/pki';
import { listenTls, type Listening } from '../support/servers';
import { distribution, recordingLogger, recordingMetrics } from './support';

const ROLE_PATTERN = 'arn:aws:iam::{accountId}:role/CloudFrontOriginMonitorMember';
const PROD = '111111111111';
const DEV = '222222222222';
const NO_ROLE = '333333333333';
const DENIED = '444444444444';
const keyOf = (account: string) => `ASIA${account}FAKE`;

const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
let good: Listening;
let bad: Listening;
let api: FakeCloudFront;
let restoreEnv: () => void;
let trust: ReturnType<typeof trustStoreFromPems>;
let roleFixedFor333 = false;

beforeAll(async () => {
  const pki = await createPki({ name: 'org' });
  const goodLeaf = await pki.issueLeaf({ dnsNames: ['good.origins.test'] });
  // Serves a certificate for another name: CERT_NAME_MISMATCH, critical, alerted on the first run.
  const wrongLeaf = await pki.issueLeaf({ dnsNames: ['other.example'] });
  good = await listenTls({ key: goodLeaf.keyPem, cert: `${goodLeaf.certPem}${pki.intermediate.certPem}` });
  bad = await listenTls({ key: wrongLeaf.keyPem, cert: `${wrongLeaf.certPem}${pki.intermediate.certPem}` });
  trust = trustStoreFromPems([pki.root.certPem], 'org test root');
  const origin = (id: string, domain: string, port: number) => ({ id, domain, port });
  api = await startFakeCloudFrontAccounts({
    [keyOf(PROD)]: {
      distributions: [distribution('E1PRODAAAAAAAA', PROD, [origin('web', 'good.origins.test', good.port), origin('api', 'bad.origins.test', bad.port)])],
    },
    [keyOf(DEV)]: {
      distributions: ['E2DEVAAAAAAAAA', 'E2DEVBBBBBBBBB', 'E2DEVCCCCCCCCC'].map((id) => distribution(id, DEV, [origin('web', 'good.origins.test', good.port)])),
      pageSize: 2,
    },
    [keyOf(DENIED)]: { distributions: [], denyListDistributions: true },
    // Its role exists only from the third run on (STS refuses it before).
    [keyOf(NO_ROLE)]: { distributions: [] },
  });
  restoreEnv = withEnv({ ...HERMETIC_AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint });

  organizations.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) =>
    input.NextToken
      ? { Accounts: [{ Id: DENIED, Name: 'sandbox', State: 'ACTIVE' }, { Id: '555555555555', Name: 'closed', State: 'SUSPENDED' }] }
      : { Accounts: [{ Id: PROD, Name: 'prod', State: 'ACTIVE' }, { Id: DEV, Name: 'dev', State: 'ACTIVE' }, { Id: NO_ROLE, Name: 'legacy', State: 'ACTIVE' }], NextToken: 'page-2' },
  );
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
    const account = /iam::(\d{12}):role/.exec(input.RoleArn)![1];
    if (account === NO_ROLE && !roleFixedFor333) {
      throw Object.assign(
        new Error(`User: arn:aws:sts::999999999999:assumed-role/HubScanRole/cf-origin-monitor-run is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`),
        { name: 'AccessDenied', $fault: 'client' },
      );
    }
    return { Credentials: { AccessKeyId: keyOf(account), SecretAccessKey: 'fake-secret', SessionToken: `token-${account}`, Expiration: new Date(Date.now() + 3600_000) } };
  });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  sts.restore();
  organizations.restore();
  await api?.close();
  await good?.close();
  await bad?.close();
});

describe('the steps of a run, against fakes', () => {
  const store = new MemoryRunStore();
  const originState = new MemoryStateStore();
  const accountState = new MemoryStateStore();
  const published: PublishableDigest[] = [];
  const publisher = { publish: async (d: PublishableDigest) => (published.push(d), { messageId: `m-${published.length}` }) };
  const stsClient = new STSClient({ region: 'eu-west-1' });
  const orgClient = new OrganizationsClient({ region: 'us-east-1' });
  const logger = recordingLogger();

  const workerDeps = (): WorkerDeps => ({
    // The function's settings as it decodes them; the edge check is off here (worker-scan.test.ts runs it).
    settings: decodeEnvironment({ TLS_PROFILE: 'cloudfront-2025', SCAN_CONCURRENCY: '4', CONNECT_TIMEOUT_MS: '1000', EDGE_CHECK: 'false' }),
    assume: (accountId, runId) => assumeMemberRole(stsClient, memberRoleArn(ROLE_PATTERN, accountId), runId),
    clients: (credentials) => ({ cloudfront: createCloudFrontClient({ credentials, region: 'us-east-1' }), acm: createAcmClient({ credentials }) }),
    loadTargets,
    scan: (targets, options) => runScan(targets, { ...options, trust, deps: { resolver: { resolve4: async () => ['127.0.0.1'], resolve6: async () => [] } } }),
    store,
    logger,
    now: () => new Date(),
  });

  async function run(runId: string, chunkOrigins = 400) {
    const plan = (await planRun({ runId }, { listAccounts: () => listAccounts(orgClient), store, bucket: 'run-bucket', chunkOrigins, excludeAccounts: [], logger })) as ListOutput;
    const items = (await store.getJson<ScanItem[]>(plan.itemsKey))!;
    // The Distributed Map: every item, its output discarded (results are in S3).
    const outputs = await Promise.all(items.map((item) => scanItem({ runId, item }, workerDeps())));
    const metrics = recordingMetrics();
    const result = await reduceRun(
      { runId, itemsKey: plan.itemsKey },
      { settings: { profile: 'cloudfront-2025', confirmRuns: 2, reminderHours: 24, suppressions: [], stateMachineName: 'org-scan' }, store, originState, accountState, publisher, logger, metrics, now: () => new Date() },
    );
    return { plan, items, outputs, result, metrics };
  }

  let first: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    first = await run('run-1');
  }, 60_000);

  test('ListAccounts: every page, ACTIVE accounts only, one item each on a first run', () => {
    expect(first.plan).toMatchObject({ accounts: 4, items: 4, excluded: 0 });
    expect(first.items.map((i) => i.accountId)).toEqual([PROD, DEV, NO_ROLE, DENIED]);
    expect(organizations.commandCalls(ListAccountsCommand)).toHaveLength(2);
  });

  test('ScanItem assumes each account\'s member role, and each account sees its own distributions', () => {
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.RoleArn)).toEqual(expect.arrayContaining([PROD, DEV, NO_ROLE, DENIED].map((a) => memberRoleArn(ROLE_PATTERN, a))));
    expect(calls[0].RoleSessionName).toBe('cf-origin-monitor-run-1');
    // Signed with the member role's credentials: DEV's three distributions over two pages, PROD's one.
    expect(api.requests.filter((r) => /^\S+ GET \/2020-05-31\/distribution(\?|$)/.test(r) && r.startsWith(keyOf(DEV)))).toHaveLength(2);
    expect(api.requests.some((r) => r.startsWith(keyOf(NO_ROLE)))).toBe(false);
    expect(first.outputs.map((o) => [o.accountId, o.outcome, o.origins])).toEqual([
      [PROD, 'scanned', 2],
      [DEV, 'scanned', 3],
      [NO_ROLE, 'not scanned', 0],
      [DENIED, 'not scanned', 0],
    ]);
  });

  test('each item writes its result to the run bucket: origin keys carry the account, no probe facts', async () => {
    const r = (await store.getJson<ItemResult>(KEYS.result('run-1', { accountId: PROD, chunk: 0 })))!;
    expect(r.accountTargets).toBe(2);
    expect(r.report!.origins.map((o) => o.key).sort()).toEqual([`${PROD}/E1PRODAAAAAAAA/api`, `${PROD}/E1PRODAAAAAAAA/web`]);
    expect(r.report!.origins.every((o) => o.facts === undefined)).toBe(true);
    expect(r.report!.origins.find((o) => o.originId === 'api')!.findings.map((f) => f.code)).toContain('CERT_NAME_MISMATCH');
    const denied = (await store.getJson<ItemResult>(KEYS.result('run-1', { accountId: DENIED, chunk: 0 })))!;
    expect(denied.problem?.code).toBe('ACCESS_DENIED');
    const missing = (await store.getJson<ItemResult>(KEYS.result('run-1', { accountId: NO_ROLE, chunk: 0 })))!;
    expect(missing.problem).toMatchObject({ code: 'ROLE_NOT_ASSUMABLE' });
    expect(missing.problem!.message).toContain(memberRoleArn(ROLE_PATTERN, NO_ROLE));
  });

  test('Reduce: one digest for the organization, grouped by account, accounts not scanned reported', () => {
    expect(published).toHaveLength(1);
    const d = published[0] as OrgDigest;
    if (process.env.SHOW_DIGEST) process.stdout.write(`${d.subject}\n\n${d.text}`);
    expect(first.result).toMatchObject({ accounts: 4, scanned: 2, notScanned: 2, origins: 5, published: true });
    expect(d.subject).toBe('CloudFront origins, 4 accounts: 1 new likely-502, 2 accounts not scanned');
    const flat = d.text.replace(/\s+/g, ' ');
    expect(flat).toContain(`ACCOUNT ${PROD} (prod): 1 new likely-502`);
    expect(flat).not.toContain(`ACCOUNT ${DEV}`);
    expect(flat).toMatch(new RegExp(`ACCOUNTS NOT SCANNED =+ - ${NO_ROLE} \\(legacy\\): member role missing or not assumable \\[ROLE_NOT_ASSUMABLE\\]`));
    expect(flat).toContain(`${DENIED} (sandbox): member role may not read CloudFront [ACCESS_DENIED]`);
    expect(flat).toContain('Run run-1 of org-scan: its history');
    expect(d.json.items.map((i) => [i.accountId, i.code, i.distributionId, i.originId])).toEqual([[PROD, 'CERT_NAME_MISMATCH', 'E1PRODAAAAAAAA', 'api']]);
    expect(first.metrics.values).toMatchObject({ AccountsScanned: [2], AccountsNotScanned: [2], OriginsCritical: [1], ScanCompleted: [1] });
  });

  test('a second run with nothing new sends nothing: accounts not scanned are not reported again', async () => {
    const second = await run('run-2');
    expect(second.result).toMatchObject({ notScanned: 2, news: 0, accountNews: 0, published: false });
    expect(published).toHaveLength(1);
    // Still counted every run.
    expect(second.metrics.values.AccountsNotScanned).toEqual([2]);
  }, 60_000);

  test('an account scanned again is RESOLVED once; a large account is split into chunks that together cover it', async () => {
    roleFixedFor333 = true;
    // chunkOrigins 2: DEV's 3 origins (last run) become 2 items.
    const third = await run('run-3', 2);
    expect(third.items.filter((i) => i.accountId === DEV).map((i) => `${i.chunk}/${i.chunks}`)).toEqual(['0/2', '1/2']);
    const devOrigins = third.outputs.filter((o) => o.accountId === DEV).reduce((n, o) => n + o.origins, 0);
    expect(devOrigins).toBe(3);
    expect(third.result).toMatchObject({ accounts: 4, notScanned: 1, accountNews: 1, news: 0, published: true });
    const d = published[1] as OrgDigest;
    expect(d.subject).toBe('CloudFront origins, 4 accounts: 1 account scanned again');
    const flat = d.text.replace(/\s+/g, ' ');
    expect(flat).toContain(`ACCOUNTS SCANNED AGAIN`);
    expect(flat).toContain(`${NO_ROLE} (legacy): scanned again`);
    expect(flat).toContain(`Accounts not scanned: 1 (${DENIED} (sandbox) since`);
    // The open critical finding in PROD is not repeated (no reminder due) and not resolved.
    expect(Object.values(originState.snapshot().findings).map((r) => r.originKey)).toEqual([`${PROD}/E1PRODAAAAAAAA/api`]);
  }, 60_000);
});
