import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertState, FindingRecord } from '../../lambda/alerting/policy';
import { diffState, DynamoStateStore, MemoryStateStore, STATE_PK } from '../../lambda/alerting/state-store';
import { startDynalite, TEST_CREDENTIALS, type LocalDynamo } from '../support/dynalite';

const credentials = TEST_CREDENTIALS;

function record(i: number, over: Partial<FindingRecord> = {}): FindingRecord {
  return {
    key: `E2EXAMPLE/origin-${i}/api.example.com/CERT_EXPIRED`,
    code: 'CERT_EXPIRED',
    severity: 'critical',
    distributionId: 'E2EXAMPLE',
    originId: `origin-${i}`,
    originKey: `E2EXAMPLE/origin-${i}`,
    domainName: 'api.example.com',
    sniName: 'api.example.com',
    firstSeen: '2025-06-01T10:00:00.000Z',
    runs: 1,
    alertedAt: '2025-06-01T10:00:00.000Z',
    message: 'certificate expired',
    ...over,
  };
}
const stateOf = (records: FindingRecord[]): AlertState => ({ findings: Object.fromEntries(records.map((r) => [r.key, r])) });

describe('DynamoStateStore on dynalite', () => {
  let local: LocalDynamo;
  let doc: DynamoDBDocumentClient;
  const table = 'origin-monitor-state';

  beforeAll(async () => {
    local = await startDynalite();
    doc = local.doc;
    await local.createStateTable(table);
  });
  afterAll(() => local.close());

  it('round-trips the state in batches, then writes only what changed and deletes what is gone', async () => {
    const store = new DynamoStateStore(doc, table);
    expect(await store.load()).toEqual({ findings: {} });

    const many = Array.from({ length: 60 }, (_, i) => record(i, i === 0 ? { expiry: { fingerprint: 'AA:BB', stage: 14 }, alertedAt: undefined } : {}));
    await store.save(stateOf(many), { findings: {} });
    const loaded = await store.load();
    expect(Object.keys(loaded.findings)).toHaveLength(60);
    expect(loaded.findings[many[0].key]).toEqual(many[0]);
    expect(loaded.findings[many[0].key].alertedAt).toBeUndefined();
    expect(loaded.findings[many[1].key]).toEqual(many[1]);

    // A foreign item under the same pk is ignored, not fatal.
    await doc.send(new PutCommand({ TableName: table, Item: { pk: STATE_PK, sk: 'junk', hello: 'world' } }));
    expect(Object.keys((await store.load()).findings)).toHaveLength(60);

    const next = stateOf([{ ...many[1], alertedAt: '2025-06-02T10:00:00.000Z' }, ...many.slice(2, 30)]);
    expect(diffState(loaded, next)).toEqual({ put: [next.findings[many[1].key]], remove: [many[0].key, ...many.slice(30).map((r) => r.key)] });
    await store.save(next, loaded);
    const after = await store.load();
    expect(Object.keys(after.findings).sort()).toEqual(Object.keys(next.findings).sort());
    expect(after.findings[many[1].key].alertedAt).toBe('2025-06-02T10:00:00.000Z');
  });
});

describe('DynamoStateStore against a mocked client', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials }));
  const mock = mockClient(client);
  beforeEach(() => mock.reset());

  it('loads every page of the Query, consistently', async () => {
    const item = (r: FindingRecord) => {
      const { key, ...rest } = r;
      return { pk: STATE_PK, sk: key, v: 1, ...rest };
    };
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(record(1))], LastEvaluatedKey: { pk: STATE_PK, sk: record(1).key } })
      .resolvesOnce({ Items: [item(record(2))] });
    const state = await new DynamoStateStore(client, 't').load();
    expect(Object.keys(state.findings)).toEqual([record(1).key, record(2).key]);
    const calls = mock.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toMatchObject({ TableName: 't', ConsistentRead: true, ExpressionAttributeValues: { ':pk': STATE_PK } });
    expect(calls[1].args[0].input.ExclusiveStartKey).toEqual({ pk: STATE_PK, sk: record(1).key });
  });

  it('retries UnprocessedItems with backoff', async () => {
    const sleeps: number[] = [];
    mock
      .on(BatchWriteCommand)
      .callsFakeOnce((input) => ({ UnprocessedItems: { t: input.RequestItems.t.slice(1) } }))
      .callsFakeOnce((input) => ({ UnprocessedItems: { t: input.RequestItems.t.slice(1) } }))
      .resolves({});
    await new DynamoStateStore(client, 't', { sleep: async (ms) => void sleeps.push(ms) }).save(
      stateOf([record(1), record(2), record(3)]),
      { findings: {} },
    );
    const calls = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.t.length);
    expect(calls).toEqual([3, 2, 1]);
    expect(sleeps).toHaveLength(2);
  });

  it('fails loudly when DynamoDB keeps items unprocessed', async () => {
    mock.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(
      new DynamoStateStore(client, 't', { maxAttempts: 3, sleep: async () => undefined }).save(stateOf([record(1)]), { findings: {} }),
    ).rejects.toThrow('state not saved: 1 item(s) still unprocessed by DynamoDB after 3 attempts (table t)');
  });

  it('writes nothing when nothing changed', async () => {
    const s = stateOf([record(1)]);
    await new DynamoStateStore(client, 't').save(s, JSON.parse(JSON.stringify(s)));
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('local stores (demo)', () => {
  it('MemoryStateStore keeps copies', async () => {
    const store = new MemoryStateStore();
    const s = stateOf([record(1)]);
    await store.save(s);
    s.findings[record(1).key].runs = 99;
    expect((await store.load()).findings[record(1).key].runs).toBe(1);
  });
});
