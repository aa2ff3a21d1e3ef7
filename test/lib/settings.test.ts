import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_CONCURRENCY } from '../../lambda/scan-defaults';
import { suspiciousContextKeys } from '../../lib/context-keys';
import {
  ConfigError,
  decodeEnvironment,
  DEFAULT_SCAN_CONCURRENCY,
  encodeEnvironment,
  LOG_RETENTION_DAYS,
  MAX_SCHEDULE_MINUTES,
  resolveSettings,
  RUNTIME_KEYS,
  SETTING_KEYS,
  SETTINGS,
  settingsTable,
  type SettingKey,
} from '../../lib/settings';

const NOW = new Date('2026-01-15T00:00:00Z');
const resolve = (ctx: Record<string, unknown>) => resolveSettings((k: SettingKey) => ctx[k], NOW);

/** The error for one bad key: a ConfigError naming the key, on one line, with an example. */
function errorFor(ctx: Record<string, unknown>): ConfigError {
  try {
    resolve(ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected an error for ${JSON.stringify(ctx)}`);
}

describe('resolveSettings: defaults', () => {
  test('no context at all works, with a warning that nobody is e-mailed', () => {
    const c = resolve({});
    expect(c).toMatchObject({
      alertEmails: [],
      schedule: 'rate(15 minutes)',
      schedulePeriodMinutes: 15,
      expiryWarningDays: 30,
      reminderHours: 24,
      confirmRuns: 2,
      profile: 'cloudfront-2025',
      suppressions: [],
      distributions: [],
      excludeDistributions: [],
      timeoutSeconds: 300,
      memorySize: 512,
      logRetentionDays: 30,
    });
    expect(c.reservedConcurrency).toBeUndefined();
    expect(c.connectTimeoutMs).toBeUndefined();
    expect(c.scanConcurrency).toBe(256);
    expect(c.warnings.map((w) => w.id)).toEqual(['noAlertEmails']);
  });

  test('unknown keys (CDK feature flags) are ignored', () => {
    expect(() => resolve({ '@aws-cdk/core:checkSecretUsage': true, whatever: 'x' })).not.toThrow();
  });
});

describe('resolveSettings: strings from -c and JSON from cdk.json', () => {
  test.each([
    [{ expiryWarningDays: '45', reminderHours: '12', confirmRuns: '3', timeoutSeconds: '600', memorySize: '1024' }],
    [{ expiryWarningDays: 45, reminderHours: 12, confirmRuns: 3, timeoutSeconds: 600, memorySize: 1024 }],
  ])('numbers: %j', (ctx) => {
    expect(resolve(ctx)).toMatchObject({ expiryWarningDays: 45, reminderHours: 12, confirmRuns: 3, timeoutSeconds: 600, memorySize: 1024 });
  });

  test.each([
    ['a@example.com, b@example.org', ['a@example.com', 'b@example.org']],
    ['["a@example.com","b@example.org"]', ['a@example.com', 'b@example.org']],
    [['a@example.com', 'b@example.org', 'a@example.com'], ['a@example.com', 'b@example.org']],
  ])('alertEmails %j', (raw, expected) => {
    const c = resolve({ alertEmails: raw });
    expect(c.alertEmails).toEqual(expected);
    expect(c.warnings).toEqual([]);
  });

  test('distributions as a comma list or an array', () => {
    expect(resolve({ distributions: 'E2QWRUHAPOMQZL, E1ABCDEFGHIJKL' }).distributions).toEqual(['E2QWRUHAPOMQZL', 'E1ABCDEFGHIJKL']);
    expect(resolve({ excludeDistributions: ['E2QWRUHAPOMQZL'] }).excludeDistributions).toEqual(['E2QWRUHAPOMQZL']);
  });

  test('suppressions as a JSON string or an array', () => {
    const s = [
      { distributionId: 'E2QWRUHAPOMQZL', originId: 'api', code: 'CERT_EXPIRING_SOON', until: '2030-01-31', reason: 'renewal booked' },
      { distributionId: 'E1ABCDEFGHIJKL', until: '2030-01-31T12:00:00Z', reason: 'decommissioning' },
    ];
    expect(resolve({ suppressions: JSON.stringify(s) }).suppressions).toEqual(s);
    expect(resolve({ suppressions: s }).suppressions).toEqual(s);
  });

  test('an expired suppression is kept, with a warning', () => {
    const c = resolve({ alertEmails: 'a@example.com', suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2025-01-01', reason: 'r' }] });
    expect(c.warnings.map((w) => w.id)).toEqual(['suppressionExpired']);
  });

  test('reservedConcurrency, logRetentionDays, profile', () => {
    expect(resolve({ reservedConcurrency: '1', logRetentionDays: '365', profile: 'cloudfront-legacy' })).toMatchObject({
      reservedConcurrency: 1,
      logRetentionDays: 365,
      profile: 'cloudfront-legacy',
    });
  });
});

describe('resolveSettings: schedule', () => {
  test.each([
    ['rate(5 minutes)', 'rate(5 minutes)', 5],
    ['rate(1 minutes)', 'rate(1 minute)', 1],
    ['rate(2 hour)', 'rate(2 hours)', 120],
    ['rate(1 day)', 'rate(1 day)', 1440],
    ['cron(0/10 * * * ? *)', 'cron(0/10 * * * ? *)', 10],
    ['cron(5 * * * ? *)', 'cron(5 * * * ? *)', 60],
    ['cron(0 3 * * ? *)', 'cron(0 3 * * ? *)', 1440],
  ])('%s', (raw, expression, minutes) => {
    const c = resolve({ schedule: raw, alertEmails: 'a@example.com', timeoutSeconds: 30 });
    expect(c.schedule).toBe(expression);
    expect(c.schedulePeriodMinutes).toBe(minutes);
    expect(c.warnings).toEqual([]);
  });

  test('a cron whose period is not obvious falls back to 24 h with a warning, or takes scheduleMinutes', () => {
    const cron = 'cron(0 8,17 ? * MON-FRI *)';
    const fallback = resolve({ schedule: cron, alertEmails: 'a@example.com' });
    expect(fallback.schedulePeriodMinutes).toBe(1440);
    expect(fallback.warnings.map((w) => w.id)).toEqual(['cronPeriod']);
    const given = resolve({ schedule: cron, scheduleMinutes: '4320', alertEmails: 'a@example.com' });
    expect(given.schedulePeriodMinutes).toBe(4320);
    expect(given.warnings).toEqual([]);
  });

  test('scheduleMinutes does not override a rate', () => {
    const c = resolve({ schedule: 'rate(30 minutes)', scheduleMinutes: 60, alertEmails: 'a@example.com' });
    expect(c.schedulePeriodMinutes).toBe(30);
    expect(c.warnings.map((w) => w.id)).toEqual(['scheduleMinutesIgnored']);
  });

  test('a timeout longer than the period warns', () => {
    expect(resolve({ schedule: 'rate(1 minute)', alertEmails: 'a@example.com' }).warnings.map((w) => w.id)).toEqual(['timeoutOverlap']);
  });
});

describe('resolveSettings: each bad key gives its one-line error', () => {
  test.each<[Record<string, unknown>, string, RegExp]>([
    [{ alertEmails: 'ops@example.com,not-an-email' }, 'alertEmails', /"not-an-email" is not an e-mail address/],
    [{ alertEmails: '[1]' }, 'alertEmails', /is not a string/],
    [{ alertEmails: '[oops' }, 'alertEmails', /not valid JSON/],
    [{ schedule: 'every 15 minutes' }, 'schedule', /neither rate\(N minutes\|hours\|days\) nor cron/],
    [{ schedule: 'rate(0 minutes)' }, 'schedule', /positive integer/],
    [{ schedule: 'cron(0 3 * * *)' }, 'schedule', /6 fields/],
    [{ schedule: 'cron(0 3 * * * *)' }, 'schedule', /exactly one of day-of-month and day-of-week/],
    [{ schedule: 42 }, 'schedule', /42 is not a string/],
    [{ schedule: 'rate(4 days)' }, 'schedule', new RegExp(`at most ${MAX_SCHEDULE_MINUTES}`)],
    [{ schedule: 'cron(0 3 ? * MON *)', scheduleMinutes: '0' }, 'scheduleMinutes', /not an integer from 1 to 5040/],
    [{ expiryWarningDays: '0' }, 'expiryWarningDays', /0 is not an integer from 1 to 365/],
    [{ expiryWarningDays: 366 }, 'expiryWarningDays', /366 is not an integer from 1 to 365/],
    [{ expiryWarningDays: '3.5' }, 'expiryWarningDays', /not an integer/],
    [{ reminderHours: '721' }, 'reminderHours', /from 1 to 720/],
    [{ confirmRuns: 'two' }, 'confirmRuns', /from 1 to 10/],
    [{ confirmRuns: 11 }, 'confirmRuns', /from 1 to 10/],
    [{ profile: 'cloudfront-2019' }, 'profile', /is not one of cloudfront-2025, cloudfront-legacy/],
    [{ suppressions: 'nope' }, 'suppressions', /not valid JSON/],
    [{ suppressions: '{"distributionId":"E2QWRUHAPOMQZL"}' }, 'suppressions', /not a JSON array/],
    [{ suppressions: [{ until: '2030-01-01', reason: 'r' }] }, 'suppressions', /item 0: distributionId is missing/],
    [{ suppressions: [5] }, 'suppressions', /item 0 is not an object/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: 'r' }, { distributionId: 'E2QWRUHAPOMQZL', originID: 'api', until: '2030-01-01', reason: 'r' }] }, 'suppressions', /item 1 \(E2QWRUHAPOMQZL\) has unknown key "originID" \(the keys are distributionId, originId, code, until, reason\)/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', originId: '', until: '2030-01-01', reason: 'r' }] }, 'suppressions', /originId must be a non-empty string/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: 'next week', reason: 'r' }] }, 'suppressions', /item 0 \(E2QWRUHAPOMQZL\): until "next week" is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-02-31T25:00', reason: 'r' }] }, 'suppressions', /is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-02-31', reason: 'r' }] }, 'suppressions', /is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: ' ' }] }, 'suppressions', /reason must be a non-empty string/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01' }] }, 'suppressions', /reason must be a non-empty string/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: 'r', code: 'NOPE' }] }, 'suppressions', /code "NOPE" is not a finding code/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: 'r', orginId: 'x' }] }, 'suppressions', /item 0 \(E2QWRUHAPOMQZL\) has unknown key "orginId"/],
    [{ distributions: 'E2QWRUHAPOMQZL,d111111abcdef8.cloudfront.net' }, 'distributions', /is not a CloudFront distribution id/],
    [{ distributions: 'e2qwruhapomqzl' }, 'distributions', /\(ids are uppercase\)/],
    [{ excludeDistributions: 'X2QWRUHAPOMQZL' }, 'excludeDistributions', /not a CloudFront distribution id/],
    [{ timeoutSeconds: '20' }, 'timeoutSeconds', /from 30 to 900/],
    [{ timeoutSeconds: 901 }, 'timeoutSeconds', /from 30 to 900/],
    [{ memorySize: '64' }, 'memorySize', /from 128 to 10240/],
    [{ memorySize: '10241' }, 'memorySize', /from 128 to 10240/],
    [{ logRetentionDays: '31' }, 'logRetentionDays', /is not one of 1, 3, 5, 7, 14, 30/],
    [{ logRetentionDays: 'month' }, 'logRetentionDays', /"month" is not one of 1, 3, 5, 7, 14, 30/],
    [{ reservedConcurrency: '0' }, 'reservedConcurrency', /from 1 to 1000/],
    [{ reservedConcurrency: '1001' }, 'reservedConcurrency', /from 1 to 1000/],
    [{ connectTimeoutMs: '20000' }, 'connectTimeoutMs', /from 100 to 10000/],
    [{ scanConcurrency: '0' }, 'scanConcurrency', /from 1 to 768/],
  ])('%j', (ctx, key, problem) => {
    const e = errorFor(ctx);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(new RegExp(`^Invalid ${key}: `));
    expect(e.message).toMatch(problem);
    expect(e.message).toMatch(new RegExp(`\\(example: -c ${key}=.+\\)$`));
    expect(e.message).not.toMatch(/\n/);
  });

  test('a long bad value is shortened in the message', () => {
    const e = errorFor({ alertEmails: `${'x'.repeat(500)}` });
    expect(e.message.length).toBeLessThan(250);
  });
});

describe('resolveSettings: cron fields are range-checked (EventBridge 6-field cron)', () => {
  test.each([
    'cron(0 10 * * ? *)',
    'cron(5,35 14 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(*/5 8-17 ? * MON-FRI *)',
    'cron(59 23 31 12 ? 2199)',
    'cron(0 0 1 1 ? 1970)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 9 ? * FRI#5 *)',
    'cron(0 0 L * ? *)',
    'cron(0 0 LW * ? *)',
    'cron(0 0 15W * ? *)',
    'cron(0 0 ? * 6L *)',
    'cron(0 0 ? * L *)',
    'cron(30 2 1,15 JAN-MAR,OCT ? 2025-2030)',
    'cron(0 */2 ? * sun,sat *)',
    'cron(0 0 1/2 jan-jun/2 ? 2026/2)',
    'cron(10-40/10 0-12/6 ? * 1-7 *)',
  ])('accepted: %s', (schedule) => {
    expect(resolve({ schedule, scheduleMinutes: 60, alertEmails: 'a@example.com' }).schedule).toBe(schedule);
  });

  test('the message names the key and the field, with a cron example', () => {
    expect(errorFor({ schedule: 'cron(99 * * * ? *)' }).message).toBe(
      `Invalid schedule: "cron(99 * * * ? *)": Number '99' of minutes field is bigger than upper limit '59' (example: -c schedule="cron(0 * * * ? *)")`,
    );
  });

  test.each<[string, RegExp]>([
    // minutes
    ['cron(60 * * * ? *)', /minutes field is bigger than upper limit '59'/],
    ['cron(5,60 * * * ? *)', /'60' of minutes field/],
    ['cron(0-60 * * * ? *)', /minutes field/],
    ['cron(*/0 * * * ? *)', /step element '0' of '\*\/0' cannot be zero/],
    ['cron(0/60 * * * ? *)', /step element '60' of '0\/60' is bigger than the upper limit '59'/],
    ['cron(? * * * ? *)', /minutes field/],
    ['cron(x * * * ? *)', /minutes field/],
    ['cron(1-2-3 * * * ? *)', /'1-2-3' is not valid/],
    ['cron(1,,2 * * * ? *)', /empty in minutes field/],
    // hours
    ['cron(0 24 * * ? *)', /hours field is bigger than upper limit '23'/],
    ['cron(0 1-25 * * ? *)', /hours field/],
    ['cron(0 */24 * * ? *)', /'\*\/24'/],
    // day-of-month
    ['cron(0 0 0 * ? *)', /day-of-month field is smaller than lower limit '1'/],
    ['cron(0 0 32 * ? *)', /day-of-month field is bigger than upper limit '31'/],
    ['cron(0 0 32W * ? *)', /day-of-month field/],
    ['cron(0 0 MON * ? *)', /day-of-month field/],
    // month
    ['cron(0 0 1 13 ? *)', /month field is bigger than upper limit '12'/],
    ['cron(0 0 1 0 ? *)', /month field is smaller than lower limit '1'/],
    ['cron(0 0 1 JAN-FOO ? *)', /month field/],
    ['cron(0 0 1 ? ? *)', /month field/],
    // day-of-week
    ['cron(0 0 ? * 0 *)', /day-of-week field is smaller than lower limit '1'/],
    ['cron(0 0 ? * 8 *)', /day-of-week field is bigger than upper limit '7'/],
    ['cron(0 0 ? * MON-FUN *)', /day-of-week field/],
    ['cron(0 0 ? * FRI#6 *)', /cannot be greater than 5/],
    ['cron(0 0 ? * 9L *)', /day-of-week field/],
    // year
    ['cron(0 0 * * ? 1969)', /year field is smaller than lower limit '1970'/],
    ['cron(0 0 * * ? 2025-2200)', /year field is bigger than upper limit '2199'/],
    // day-of-month / day-of-week: exactly one is ?
    ['cron(0 0 ? * ? *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(0 0 1 * MON *)', /exactly one of day-of-month and day-of-week must be "\?"/],
  ])('%s', (schedule, problem) => {
    const e = errorFor({ schedule });
    expect(e.key).toBe('schedule');
    expect(e.message).toMatch(/^Invalid schedule: /);
    expect(e.message).toMatch(problem);
    expect(e.message).toMatch(/\(example: -c schedule="cron\(0 \* \* \* \? \*\)"\)$/);
    expect(e.message).not.toMatch(/\n/);
  });
});

describe('suspiciousContextKeys: unknown context keys that look like a misspelt setting', () => {
  test('case-insensitive matches and keys within edit distance 2, each with the setting meant', () => {
    expect(
      suspiciousContextKeys(['alertEmail', 'confirmruns', 'ALERTEMAILS', 'sheduleMinutes', 'memorysze', 'timeoutSecond']),
    ).toEqual([
      { key: 'alertEmail', meant: 'alertEmails' },
      { key: 'confirmruns', meant: 'confirmRuns' },
      { key: 'ALERTEMAILS', meant: 'alertEmails' },
      { key: 'sheduleMinutes', meant: 'scheduleMinutes' },
      { key: 'memorysze', meant: 'memorySize' },
      { key: 'timeoutSecond', meant: 'timeoutSeconds' },
    ]);
  });

  test('the closest setting wins', () => {
    // "distribution" is 1 from distributions, far from excludeDistributions.
    expect(suspiciousContextKeys(['distribution', 'excludeDistribution'])).toEqual([
      { key: 'distribution', meant: 'distributions' },
      { key: 'excludeDistribution', meant: 'excludeDistributions' },
    ]);
  });

  test('known keys, far-off keys and CDK keys (with @ or :) are not suspicious', () => {
    expect(suspiciousContextKeys([...SETTING_KEYS])).toEqual([]);
    expect(
      suspiciousContextKeys([
        'whatever',
        'emails',
        'timeoutSecs', // 3 edits away
        'acknowledged-issue-numbers',
        '@aws-cdk/core:checkSecretUsage',
        'aws:cdk:bundling-stacks',
        'profile:x',
        '@profiles',
      ]),
    ).toEqual([]);
  });
});

describe('one schema: the environment, the defaults and the README come from it', () => {
  const given = {
    profile: 'cloudfront-legacy',
    expiryWarningDays: '45',
    reminderHours: 12,
    confirmRuns: '3',
    suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', originId: 'api', code: 'CERT_EXPIRING_SOON', until: '2030-01-31', reason: 'renewal, booked' }],
    distributions: 'E2QWRUHAPOMQZL,E1ABCDEFGHIJKL',
    excludeDistributions: ['E3ABCDEFGHIJKL'],
    connectTimeoutMs: '5000',
    scanConcurrency: 16,
  };

  test('the run-time settings survive the trip through the environment', () => {
    const c = resolve({ ...given, alertEmails: 'a@example.com' });
    const env = encodeEnvironment(c);
    expect(Object.keys(env).sort()).toEqual(RUNTIME_KEYS.map((k) => SETTINGS[k].env.name).sort());
    const back = decodeEnvironment(env);
    for (const k of RUNTIME_KEYS) expect(back[k]).toEqual(c[k]);
  });

  test('decoding an empty environment gives the defaults the synth gives', () => {
    const synth = resolve({});
    const run = decodeEnvironment({});
    for (const k of RUNTIME_KEYS) expect(run[k]).toEqual(synth[k]);
    expect(run).not.toHaveProperty('connectTimeoutMs');
  });

  test("the README's context-key table is the schema's (regenerate: npx tsx -e \"console.log(require('./lib/settings').settingsTable())\")", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- settings-table:start[^>]*-->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(settingsTable());
    for (const k of SETTING_KEYS) expect(settingsTable()).toContain(`| \`${k}\` |`);
  });

  test('every setting has an example that its own schema accepts', () => {
    for (const k of SETTING_KEYS) {
      const example = SETTINGS[k].example.split(' or ')[0].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
      expect(() => resolve({ [k]: example, scheduleMinutes: k === 'scheduleMinutes' ? example : undefined })).not.toThrow();
    }
  });

  test("the retention values are aws-cdk-lib's RetentionDays, and the default concurrency is the pipeline's", () => {
    const cdk = (Object.values(RetentionDays) as unknown[]).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    expect([...LOG_RETENTION_DAYS]).toEqual(cdk);
    expect(DEFAULT_SCAN_CONCURRENCY).toBe(DEFAULT_CONCURRENCY);
  });
});
