/** The organization's TLS 1.3 re-check times: merged by the reduce step, copied per account for the workers. */
import { MemoryStateStore } from '../../lambda/alerting/local';
import { KEYS, type ItemResult, type ScanItem, type Tls13Checks } from '../../lambda/organization/model';
import { reduceRun } from '../../lambda/organization/reduce';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { changedAccountChecks, mergeTls13Checks } from '../../lambda/organization/tls13-checks';
import { reduceDeps } from './support';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const item = (accountId: string, chunk = 0, chunks = 1): ScanItem => ({ accountId, chunk, chunks });
const result = (i: ScanItem, tls13Checks: Record<string, string>): ItemResult => ({ schemaVersion: 1, item: i, tls13Checks });

describe('mergeTls13Checks', () => {
  const previous = {
    [`${A}/E1/old`]: '2026-11-30T00:00:00.000Z',
    [`${A}/E1/kept`]: '2026-11-30T00:00:00.000Z',
    [`${B}/E2/web`]: '2026-11-30T01:00:00.000Z',
    [`${C}/E3/web`]: '2026-11-30T02:00:00.000Z',
  };

  it('a completely scanned account has what its items report (an origin gone is dropped); chunks add up', () => {
    const next = mergeTls13Checks(previous, [
      { id: A, complete: true, results: [result(item(A, 0, 2), { 'E1/kept': '2026-11-30T00:00:00.000Z' }), result(item(A, 1, 2), { 'E1/new': '2026-12-01T00:00:00.000Z' })] },
    ]);
    expect(next).toEqual({ [`${A}/E1/kept`]: '2026-11-30T00:00:00.000Z', [`${A}/E1/new`]: '2026-12-01T00:00:00.000Z' });
  });

  it('an account not (fully) scanned keeps its times under what was reported; one no longer listed is dropped', () => {
    const next = mergeTls13Checks(previous, [
      { id: A, complete: true, results: [result(item(A), {})] },
      { id: B, complete: false, results: [undefined] },
    ]);
    expect(next).toEqual({ [`${B}/E2/web`]: '2026-11-30T01:00:00.000Z' });
  });
});

describe('changedAccountChecks', () => {
  it('the accounts whose times changed, keys without the account: the objects the reduce step writes', () => {
    const before = { [`${A}/E1/web`]: 't1', [`${B}/E2/web`]: 't1', [`${C}/E3/web`]: 't1' };
    const after = { [`${A}/E1/web`]: 't1', [`${B}/E2/web`]: 't2' };
    expect([...changedAccountChecks(before, after, [A, B, C])]).toEqual([
      [B, { 'E2/web': 't2' }],
      [C, {}],
    ]);
    expect(changedAccountChecks(after, after, [A, B]).size).toBe(0);
  });
});

describe("the reduce step's copy for the workers", () => {
  test('a copy that fails to write is written by the next attempt (the state has not moved on), never left stale', async () => {
    const i = item(A);
    const at = '2026-12-01T00:00:00.000Z';
    const store = new (class extends MemoryRunStore {
      failCopies = true;
      override async putJson(key: string, value: unknown): Promise<void> {
        if (this.failCopies && key.startsWith(KEYS.TLS13_CHECKS_PREFIX)) throw new Error('S3 unavailable');
        return super.putJson(key, value);
      }
    })();
    await store.putJson(KEYS.items('run-1'), [i]);
    await store.putJson(KEYS.result('run-1', i), { schemaVersion: 1, item: i, accountTargets: 1, report: { origins: [], startedAt: at }, tls13Checks: { 'E1/web': at } });
    const originState = new MemoryStateStore();
    const reduce = () =>
      reduceRun({ runId: 'run-1', itemsKey: KEYS.items('run-1') }, reduceDeps(store, originState, () => new Date('2026-12-01T00:05:00.000Z')));
    await expect(reduce()).rejects.toThrow('S3 unavailable');
    // The state kept its old times, so the retry sees the same change.
    expect(originState.snapshot().tls13Checks ?? {}).toEqual({});
    store.failCopies = false;
    await reduce();
    expect(await store.getJson<Tls13Checks>(KEYS.tls13Checks(A))).toEqual({ 'E1/web': at });
    expect(originState.snapshot().tls13Checks).toEqual({ [`${A}/E1/web`]: at });
  });
});
