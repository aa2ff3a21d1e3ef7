/**
 * The organization functions' environment: the values the construct writes from the organization settings
 * (chunkOrigins, the run timeout) are read back with lib/settings.ts's one definition (range, default).
 */
import { ORG_ENV } from '../../lambda/organization/contract';
import { planRun } from '../../lambda/organization/plan';
import type { RunLock } from '../../lambda/organization/run-lock';
import { MemoryRunStore } from '../../lambda/organization/run-store';
import { orgConfigFromEnv } from '../../lambda/organization/settings';
import { runTimeout } from '../../lib/organization/organization-monitor';
import { ORG_RUN_TIMEOUT_MINUTES, ORG_SETTINGS, resolveOrganizationSettings } from '../../lib/settings';

const ORG = { organizationId: 'o-a1b2c3d4e5', organizationTargets: ['r-a1b2'] };
const config = (env: Record<string, string>) => orgConfigFromEnv([], { [ORG_ENV.BUCKET]: 'run-bucket', ...env });

describe('chunkOrigins: the context key and the lister\'s ORG_CHUNK_ORIGINS, one definition', () => {
  test('unset: the schema default', () => {
    expect(config({}).chunkOrigins).toBe(ORG_SETTINGS.chunkOrigins.default);
    expect(config({}).chunkOrigins).toBe(resolveOrganizationSettings((k) => (ORG as Record<string, unknown>)[k]).chunkOrigins);
  });

  test('the context key\'s range (10-10000): what synth refuses, the function refuses, in one line naming the variable', () => {
    for (const bad of ['1', '9', '10001', 'many', '12.5']) {
      expect(() => resolveOrganizationSettings((k) => ({ ...ORG, chunkOrigins: bad } as Record<string, unknown>)[k])).toThrow('Invalid chunkOrigins');
      expect(() => config({ [ORG_ENV.CHUNK_ORIGINS]: bad })).toThrow(new RegExp(`^invalid configuration: ORG_CHUNK_ORIGINS \\(setting chunkOrigins\\): "?${bad}"? is not an integer from 10 to 10000$`));
    }
    for (const good of ['10', '400', '10000']) expect(config({ [ORG_ENV.CHUNK_ORIGINS]: good }).chunkOrigins).toBe(Number(good));
  });
});

describe('the run timeout: the state machine\'s, the lister\'s ORG_RUN_TIMEOUT_SECONDS and planRun\'s default, one definition', () => {
  test('the construct\'s timeout stays within the range the function accepts', () => {
    expect(runTimeout(1, 1).toMinutes()).toBe(ORG_RUN_TIMEOUT_MINUTES.min);
    expect(runTimeout(7 * 24 * 60, 900).toMinutes()).toBe(ORG_RUN_TIMEOUT_MINUTES.max);
    for (const [period, worker] of [[1, 1], [15, 300], [60, 900], [7 * 24 * 60, 900]]) {
      const seconds = runTimeout(period, worker).toSeconds();
      expect(config({ [ORG_ENV.RUN_TIMEOUT_SECONDS]: String(seconds) }).runTimeoutMs).toBe(seconds * 1000);
    }
  });

  test('out of range or not an integer: one line naming the variable; unset: the default (24 hours)', () => {
    for (const bad of ['60', String(20 * 60 - 1), String(24 * 3600 + 1), 'soon']) {
      expect(() => config({ [ORG_ENV.RUN_TIMEOUT_SECONDS]: bad })).toThrow(new RegExp(`^invalid configuration: ORG_RUN_TIMEOUT_SECONDS \\(the run timeout, seconds\\): "?${bad}"? is not an integer from 1200 to 86400$`));
    }
    expect(config({}).runTimeoutMs).toBe(ORG_RUN_TIMEOUT_MINUTES.default * 60_000);
    expect(ORG_RUN_TIMEOUT_MINUTES.default).toBe(24 * 60);
  });

  test('planRun without a timeout takes the lock for the same default', async () => {
    const asked: Array<{ startedAt: Date; expiresAt: Date }> = [];
    const lock: RunLock = {
      acquire: async (_runId, startedAt, expiresAt) => {
        asked.push({ startedAt, expiresAt });
        return { acquired: true };
      },
      confirm: async () => true,
      release: async () => undefined,
    };
    const startedAt = new Date('2026-12-01T00:00:00.000Z');
    const logger = { info: () => undefined, warn: () => undefined };
    await planRun({ runId: 'run-1', startedAt: startedAt.toISOString() }, { listAccounts: async () => [], store: new MemoryRunStore(), bucket: 'b', chunkOrigins: 400, excludeAccounts: [], logger, lock, now: () => startedAt });
    expect(asked).toEqual([{ startedAt, expiresAt: new Date(startedAt.getTime() + ORG_RUN_TIMEOUT_MINUTES.default * 60_000) }]);
  });
});
