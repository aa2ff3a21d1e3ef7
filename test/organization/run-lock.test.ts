/**
 * One organization run at a time (issue 14): the run lock against DynamoDB (dynalite on loopback, the real SDK's
 * conditional writes), and two overlapping runs through the real steps (ListAccounts, Reduce) with it: the second
 * ends at once, the first alone publishes its digest and writes the alert state; a run that outlived its timeout
 * publishes nothing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PublishableDigest } from '../../lambda/alerting/publish';
import { MemoryStateStore } from '../../lambda/alerting/state-store';
import { KEYS, type ItemResult, type ListOutput, type ScanItem, type SkippedRun } from '../../lambda/organization/model';
import { planRun } from '../../lambda/organization/plan';
import { reduceRun, type ReduceDeps } from '../../lambda/organization/reduce';
import { DynamoRunLock, RUN_LOCK_KEY } from '../../lambda/organization/run-lock';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { startDynalite, type LocalDynamo } from '../support/dynalite';
import { accountIdOf, simulateOrganization } from '../support/org-simulation';
import { recordingLogger, recordingMetrics } from './support';

const ACCOUNT = accountIdOf(0);
const T0 = new Date('2026-12-01T10:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);

let dynamo: LocalDynamo;
let table: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  table = await dynamo.createStateTable('org-state');
}, 30_000);
afterAll(async () => dynamo?.close());

const held = async () => (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { ...RUN_LOCK_KEY }, ConsistentRead: true }))).Item;

describe('DynamoRunLock', () => {
  test('one holder at a time; a retried step of the holder gets it again; released only by its holder; an expired lock is taken over', async () => {
    const lock = new DynamoRunLock(dynamo.doc, table);
    expect(await lock.acquire('run-a', at(0), at(20), at(0))).toEqual({ acquired: true });
    expect(await lock.acquire('run-a', at(0), at(20), at(1))).toEqual({ acquired: true });
    expect(await lock.acquire('run-b', at(15), at(35), at(15))).toEqual({ acquired: false, holder: 'run-a', startedAt: at(0).toISOString(), expiresAt: at(20).toISOString() });
    expect(await lock.confirm('run-a', at(16))).toBe(true);
    expect(await lock.confirm('run-b', at(16))).toBe(false);
    await lock.release('run-b');
    expect((await held())?.holder).toBe('run-a');
    // run-a timed out (no release): its lock ends with its time.
    expect(await lock.acquire('run-c', at(20), at(40), at(20))).toEqual({ acquired: true });
    expect(await lock.confirm('run-a', at(21))).toBe(false);
    await lock.release('run-a');
    expect((await held())?.holder).toBe('run-c');
    await lock.release('run-c');
    expect(await held()).toBeUndefined();
  });

  test('two runs asking at the same instant: exactly one gets it (conditional writes)', async () => {
    const lock = new DynamoRunLock(dynamo.doc, table);
    const answers = await Promise.all(['run-x', 'run-y', 'run-z'].map((r) => lock.acquire(r, at(100), at(120), at(100))));
    expect(answers.filter((a) => a.acquired)).toHaveLength(1);
    await lock.release(((await held())?.holder as string) ?? '');
    expect(await held()).toBeUndefined();
  });
});

describe('overlapping runs through the steps', () => {
  const store = new MemoryRunStore();
  const originState = new MemoryStateStore();
  const accountState = new MemoryStateStore();
  const published: PublishableDigest[] = [];
  const logger = recordingLogger();
  const lock = () => new DynamoRunLock(dynamo.doc, table);
  const item: ScanItem = { accountId: ACCOUNT, chunk: 0, chunks: 1 };
  /** The worker's result for run `runId`: the account's one origin, failing (critical) or fixed. */
  const writeResult = async (runId: string, failing: boolean) => {
    const sim = simulateOrganization({ accounts: 1, distributionsPerAccount: 1, originsPerDistribution: 1, failing: () => failing, runId, startedAt: at(0).toISOString() });
    await store.putJson(KEYS.result(runId, item), await sim.store.getJson<ItemResult>(KEYS.result(runId, sim.items[0])));
  };
  const plan = (runId: string, minute: number) =>
    planRun({ runId, startedAt: at(minute).toISOString() }, { listAccounts: async () => [{ id: ACCOUNT }], store, bucket: 'b', chunkOrigins: 400, excludeAccounts: [], logger, lock: lock(), runTimeoutMs: 20 * MIN, now: () => at(minute) });
  const reduceDeps = (minute: number): ReduceDeps => ({
    settings: { profile: 'cloudfront-2025', confirmRuns: 1, reminderHours: 24, suppressions: [] },
    store,
    originState,
    accountState,
    publisher: { publish: async (d: PublishableDigest) => (published.push(d), { messageId: `m-${published.length}` }) },
    logger,
    metrics: recordingMetrics(),
    now: () => at(minute),
    lock: lock(),
  });

  test('the second run ends at once while the first runs; the first alone publishes; the next run after it goes ahead', async () => {
    const first = (await plan('run-1', 0)) as ListOutput;
    expect(first.skipped).toBe(false);
    await writeResult('run-1', true);

    // 15 minutes later the schedule starts run-2: run-1 still holds the lock.
    const second = (await plan('run-2', 15)) as SkippedRun;
    expect(second).toEqual({ runId: 'run-2', skipped: true, heldBy: 'run-1', since: at(0).toISOString(), expiresAt: at(20).toISOString() });
    expect(await store.getJson(KEYS.items('run-2'))).toBeUndefined();
    expect(logger.lines.find((l) => l.message === 'run skipped: the previous run is still running')?.extra).toMatchObject({ runId: 'run-2', heldBy: 'run-1' });

    const result = await reduceRun({ runId: 'run-1', itemsKey: first.itemsKey }, reduceDeps(16));
    expect(result).toMatchObject({ published: true, news: 1 });
    expect(published).toHaveLength(1);
    expect(await held()).toBeUndefined();

    // Run-3, after run-1 finished: it takes the lock; nothing new, so nothing is sent again.
    const third = (await plan('run-3', 30)) as ListOutput;
    expect(third.skipped).toBe(false);
    await writeResult('run-3', true);
    expect(await reduceRun({ runId: 'run-3', itemsKey: third.itemsKey }, reduceDeps(31))).toMatchObject({ published: false, news: 0 });
    expect(published).toHaveLength(1);
  });

  test('a run that outlived its timeout (its lock taken over) publishes nothing and writes no state', async () => {
    const late = (await plan('run-4', 60)) as ListOutput;
    await writeResult('run-4', false);
    // run-5 starts after run-4's 20 minutes: run-4's lock has expired, run-5 takes it.
    expect(((await plan('run-5', 81)) as ListOutput).skipped).toBe(false);
    const before = originState.snapshot();
    await expect(reduceRun({ runId: 'run-4', itemsKey: late.itemsKey }, reduceDeps(82))).rejects.toThrow(/run run-4 no longer holds the run lock/);
    expect(published).toHaveLength(1);
    // Run-4 found the origin fixed (RESOLVED news): not sent, and the state is as it was.
    expect(originState.snapshot()).toEqual(before);
    expect((await held())?.holder).toBe('run-5');
  });
});
