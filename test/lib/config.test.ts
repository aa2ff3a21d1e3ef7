import { CONFIG_KEYS, ConfigError, DEFAULTS, MAX_SCHEDULE_MINUTES, resolveConfig, suspiciousContextKeys, type ConfigKey } from '../../lib/config';

const NOW = new Date('2026-01-15T00:00:00Z');
const resolve = (ctx: Record<string, unknown>) => resolveConfig((k: ConfigKey) => ctx[k], NOW);

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

describe('resolveConfig: defaults', () => {
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
    expect(c.scanConcurrency).toBeUndefined();
    expect(c.warnings.map((w) => w.id)).toEqual(['noAlertEmails']);
    expect(DEFAULTS.schedule).toBe('rate(15 minutes)');
  });

  test('unknown keys (CDK feature flags) are ignored', () => {
    expect(() => resolve({ '@aws-cdk/core:checkSecretUsage': true, whatever: 'x' })).not.toThrow();
  });
});

describe('resolveConfig: strings from -c and JSON from cdk.json', () => {
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

describe('resolveConfig: schedule', () => {
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

describe('resolveConfig: each bad key gives its one-line error', () => {
  test.each<[Record<string, unknown>, string, RegExp]>([
    [{ alertEmails: 'ops@example.com,not-an-email' }, 'alertEmails', /"not-an-email" is not an e-mail address/],
    [{ alertEmails: '[1]' }, 'alertEmails', /is not a string/],
    [{ alertEmails: '[oops' }, 'alertEmails', /not valid JSON/],
    [{ schedule: 'every 15 minutes' }, 'schedule', /neither rate\(N minutes\|hours\|days\) nor cron/],
    [{ schedule: 'rate(0 minutes)' }, 'schedule', /positive integer/],
    [{ schedule: 'cron(0 3 * * *)' }, 'schedule', /6 fields/],
    [{ schedule: 'cron(0 3 * * * *)' }, 'schedule', /exactly one of day-of-month and day-of-week/],
    [{ schedule: 'rate(4 days)' }, 'schedule', new RegExp(`at most ${MAX_SCHEDULE_MINUTES}`)],
    [{ schedule: 'cron(0 3 ? * MON *)', scheduleMinutes: '0' }, 'scheduleMinutes', /not an integer from 1 to 5040/],
    [{ expiryWarningDays: '0' }, 'expiryWarningDays', /"0" is not an integer from 1 to 365/],
    [{ expiryWarningDays: 366 }, 'expiryWarningDays', /366 is not an integer from 1 to 365/],
    [{ expiryWarningDays: '3.5' }, 'expiryWarningDays', /not an integer/],
    [{ reminderHours: '721' }, 'reminderHours', /from 1 to 720/],
    [{ confirmRuns: 'two' }, 'confirmRuns', /from 1 to 10/],
    [{ confirmRuns: 11 }, 'confirmRuns', /from 1 to 10/],
    [{ profile: 'cloudfront-2019' }, 'profile', /is not one of cloudfront-2025, cloudfront-legacy/],
    [{ suppressions: 'nope' }, 'suppressions', /not valid JSON/],
    [{ suppressions: '{"distributionId":"E2QWRUHAPOMQZL"}' }, 'suppressions', /not a JSON array/],
    [{ suppressions: [{ until: '2030-01-01', reason: 'r' }] }, 'suppressions', /item 0: distributionId undefined is missing/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: 'next week', reason: 'r' }] }, 'suppressions', /item 0: until "next week" is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-02-31T25:00', reason: 'r' }] }, 'suppressions', /is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-02-31', reason: 'r' }] }, 'suppressions', /is not an ISO date/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: ' ' }] }, 'suppressions', /reason must be a non-empty string/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01' }] }, 'suppressions', /reason must be a non-empty string/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: 'r', code: 'NOPE' }] }, 'suppressions', /code "NOPE" is not a finding code/],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: 'r', orginId: 'x' }] }, 'suppressions', /unknown key "orginId"/],
    [{ distributions: 'E2QWRUHAPOMQZL,d111111abcdef8.cloudfront.net' }, 'distributions', /is not a CloudFront distribution id/],
    [{ distributions: 'e2qwruhapomqzl' }, 'distributions', /\(ids are uppercase\)/],
    [{ excludeDistributions: 'X2QWRUHAPOMQZL' }, 'excludeDistributions', /not a CloudFront distribution id/],
    [{ timeoutSeconds: '20' }, 'timeoutSeconds', /from 30 to 900/],
    [{ timeoutSeconds: 901 }, 'timeoutSeconds', /from 30 to 900/],
    [{ memorySize: '64' }, 'memorySize', /from 128 to 10240/],
    [{ memorySize: '10241' }, 'memorySize', /from 128 to 10240/],
    [{ logRetentionDays: '31' }, 'logRetentionDays', /is not one of 1, 3, 5, 7, 14, 30/],
    [{ reservedConcurrency: '0' }, 'reservedConcurrency', /from 1 to 1000/],
    [{ reservedConcurrency: '1001' }, 'reservedConcurrency', /from 1 to 1000/],
    [{ connectTimeoutMs: '20000' }, 'connectTimeoutMs', /from 100 to 10000/],
    [{ scanConcurrency: '0' }, 'scanConcurrency', /from 1 to 256/],
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

describe('resolveConfig: cron fields are range-checked (EventBridge 6-field cron)', () => {
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
      'Invalid schedule: cron minutes "99" is not 0-59 (example: -c schedule="cron(0 * * * ? *)")',
    );
  });

  test.each<[string, RegExp]>([
    // minutes
    ['cron(60 * * * ? *)', /cron minutes "60" is not 0-59/],
    ['cron(5,60 * * * ? *)', /cron minutes "60" is not 0-59/],
    ['cron(0-60 * * * ? *)', /cron minutes "60" is not 0-59/],
    ['cron(*/0 * * * ? *)', /cron minutes step "0" \(in "\*\/0"\) is not 1-59/],
    ['cron(0/60 * * * ? *)', /cron minutes step "60" \(in "0\/60"\) is not 1-59/],
    ['cron(? * * * ? *)', /cron minutes "\?" is not 0-59/],
    ['cron(x * * * ? *)', /cron minutes "x" is not 0-59/],
    ['cron(1-2-3 * * * ? *)', /cron minutes "1-2-3" is not 0-59/],
    ['cron(1,,2 * * * ? *)', /cron minutes "" is not 0-59/],
    // hours
    ['cron(0 24 * * ? *)', /cron hours "24" is not 0-23/],
    ['cron(0 1-25 * * ? *)', /cron hours "25" is not 0-23/],
    ['cron(0 */24 * * ? *)', /cron hours step "24" .* is not 1-23/],
    // day-of-month
    ['cron(0 0 0 * ? *)', /cron day-of-month "0" is not 1-31, \?, L, LW or nW/],
    ['cron(0 0 32 * ? *)', /cron day-of-month "32" is not 1-31/],
    ['cron(0 0 32W * ? *)', /cron day-of-month "32W" is not 1-31/],
    ['cron(0 0 MON * ? *)', /cron day-of-month "MON" is not 1-31/],
    // month
    ['cron(0 0 1 13 ? *)', /cron month "13" is not 1-12 or JAN-DEC/],
    ['cron(0 0 1 0 ? *)', /cron month "0" is not 1-12 or JAN-DEC/],
    ['cron(0 0 1 JAN-FOO ? *)', /cron month "FOO" is not 1-12 or JAN-DEC/],
    ['cron(0 0 1 ? ? *)', /cron month "\?" is not 1-12/],
    // day-of-week
    ['cron(0 0 ? * 0 *)', /cron day-of-week "0" is not 1-7, SUN-SAT, \?, L, dL or d#n/],
    ['cron(0 0 ? * 8 *)', /cron day-of-week "8" is not 1-7/],
    ['cron(0 0 ? * MON-FUN *)', /cron day-of-week "FUN" is not 1-7/],
    ['cron(0 0 ? * FRI#6 *)', /cron day-of-week "FRI#6" is not 1-7/],
    ['cron(0 0 ? * 9L *)', /cron day-of-week "9L" is not 1-7/],
    // year
    ['cron(0 0 * * ? 1969)', /cron year "1969" is not 1970-2199/],
    ['cron(0 0 * * ? 2025-2200)', /cron year "2200" is not 1970-2199/],
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
    expect(suspiciousContextKeys([...CONFIG_KEYS])).toEqual([]);
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
