/** The account lister (Organizations paginators through aws-sdk-client-mock), the item plan and chunking, the run bucket. */
import { ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { chunkOf, listAccounts, MAX_CHUNKS, planItems } from '../../lambda/organization/accounts';
import { S3RunStore } from '../../lambda/organization/run-store';

describe('listAccounts', () => {
  const org = mockClient(OrganizationsClient);
  const client = new OrganizationsClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });
  afterEach(() => org.reset());
  afterAll(() => org.restore());

  test('the whole organization: ListAccounts, every page, ACTIVE only (State, or the older Status), sorted', async () => {
    org
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: [{ Id: '222222222222', Name: 'b', State: 'ACTIVE' }, { Id: '333333333333', Status: 'SUSPENDED' }], NextToken: 't' })
      .on(ListAccountsCommand, { NextToken: 't' })
      .resolves({ Accounts: [{ Id: '111111111111', Name: 'a', Status: 'ACTIVE' }, { Id: '444444444444', State: 'PENDING_CLOSURE' }] });
    expect(await listAccounts(client)).toEqual([{ id: '111111111111', name: 'a' }, { id: '222222222222', name: 'b' }]);
    expect(await listAccounts(client, ['r-a1b2'])).toHaveLength(2);
  });

  test('a repeated NextToken is an error naming the listing and the page, never a listing paged forever', async () => {
    org.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }], NextToken: 'same' });
    await expect(listAccounts(client)).rejects.toThrow('ListAccounts page 2 repeats NextToken "same": the endpoint pages in a loop');
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(2);
    org.reset();
    org
      .on(ListAccountsForParentCommand)
      .resolves({ Accounts: [] })
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [], NextToken: 'again' });
    await expect(listAccounts(client, ['ou-a-1'])).rejects.toThrow('ListOrganizationalUnitsForParent ou-a-1 page 2 repeats NextToken "again"');
  });

  test('chosen OUs: their accounts and those of every OU below, each once', async () => {
    org
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({ OrganizationalUnits: [] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a-1' })
      .resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a-2' })
      .resolves({ Accounts: [{ Id: '222222222222', State: 'ACTIVE' }, { Id: '111111111111', State: 'ACTIVE' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a-3' })
      .resolves({ Accounts: [{ Id: '333333333333', State: 'ACTIVE' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-a-1' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-a-2' }], NextToken: 'n' })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-a-1', NextToken: 'n' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-a-3' }] });
    expect((await listAccounts(client, ['ou-a-1'])).map((a) => a.id)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
  });
});

describe('planItems and chunkOf', () => {
  const accounts = [{ id: '111111111111', name: 'a' }, { id: '222222222222' }, { id: '333333333333' }];

  test('one item per account; a large account is chunked by its last size, doubled when a chunk ran out of time', () => {
    const { items, excluded } = planItems(
      accounts,
      { '111111111111': { targets: 900, notReached: 0 }, '222222222222': { targets: 100, notReached: 3 } },
      { chunkOrigins: 400, exclude: ['333333333333'] },
    );
    expect(excluded).toEqual(['333333333333']);
    expect(items.map((i) => `${i.accountId}:${i.chunk}/${i.chunks}`)).toEqual([
      '111111111111:0/3',
      '111111111111:1/3',
      '111111111111:2/3',
      '222222222222:0/2',
      '222222222222:1/2',
    ]);
    expect(items[0].accountName).toBe('a');
    expect(planItems([accounts[0]], { '111111111111': { targets: 1e6, notReached: 1 } }, { chunkOrigins: 10 }).items).toHaveLength(MAX_CHUNKS);
  });

  test('a distribution\'s origins always fall in one chunk, and the chunks cover everything', () => {
    const targets = Array.from({ length: 300 }, (_, i) => ({ distributionId: `E${String(i % 100).padStart(13, '0')}`, key: `k${i}` }));
    const chunks = 4;
    const byDistribution = new Map<string, Set<number>>();
    for (const t of targets) {
      const c = chunkOf(t, chunks);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(chunks);
      byDistribution.set(t.distributionId, (byDistribution.get(t.distributionId) ?? new Set()).add(c));
    }
    expect([...byDistribution.values()].every((s) => s.size === 1)).toBe(true);
    const sizes = [0, 1, 2, 3].map((c) => targets.filter((t) => chunkOf(t, chunks) === c).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(300);
    expect(Math.min(...sizes)).toBeGreaterThan(30); // spread, not all in one
    expect(chunkOf(targets[0], 1)).toBe(0);
  });
});

describe('S3RunStore', () => {
  const s3 = mockClient(S3Client);
  const store = new S3RunStore(new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } }), 'run-bucket');
  afterAll(() => s3.restore());

  test('JSON in and out; a missing object is undefined, any other error is thrown', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.putJson('runs/r/items.json', [{ accountId: '111111111111' }]);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'run-bucket', Key: 'runs/r/items.json', Body: '[{"accountId":"111111111111"}]', ContentType: 'application/json' });
    s3.on(GetObjectCommand, { Key: 'a' }).resolves({ Body: { transformToString: async () => '{"x":1}' } } as never);
    s3.on(GetObjectCommand, { Key: 'missing' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    s3.on(GetObjectCommand, { Key: 'denied' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    expect(await store.getJson('a')).toEqual({ x: 1 });
    expect(await store.getJson('missing')).toBeUndefined();
    await expect(store.getJson('denied')).rejects.toThrow('Access Denied');
  });
});
