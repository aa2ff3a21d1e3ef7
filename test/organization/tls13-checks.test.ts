/** The organization's TLS 1.3 re-check times: merged by the reduce step, copied per account for the workers. */
import type { ItemResult, ScanItem } from '../../lambda/organization/model';
import { changedAccountChecks, mergeTls13Checks } from '../../lambda/organization/tls13-checks';

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
