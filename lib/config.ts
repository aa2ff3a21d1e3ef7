/**
 * Settings of the monitor: context keys (`cdk deploy -c key=value` or cdk.json "context") and the construct's props
 * go through the same validation, so a bad value fails at synth with one line naming the key and an example.
 *
 * Values from `-c` arrive as strings, values from cdk.json as JSON: every key accepts both ("30" and 30,
 * "a@x.com,b@y.com" and ["a@x.com", "b@y.com"], a JSON string and an array of objects).
 *
 * This module is pure: `resolveConfig(get)` reads values through `get` and returns the validated config (or throws
 * ConfigError). Unknown keys are not looked at (CDK feature flags live in the context too); `suspiciousContextKeys`
 * picks out the unknown ones that look like a misspelt setting, for the app to warn about.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Suppression } from '../lambda/contract';
import { DEFAULT_PROFILE, PROFILES } from '../lambda/cloudfront/client-profile';
import { FINDINGS } from '../lambda/diagnosis/findings';

export interface MonitorConfig {
  /** Who is e-mailed; empty means nobody (synth warns). */
  readonly alertEmails: string[];
  /** Canonical EventBridge schedule expression, e.g. `rate(15 minutes)`. */
  readonly schedule: string;
  /**
   * Minutes between scans, for the alarms: from `rate(...)`; for `cron(...)` from `scheduleMinutes`, else derived
   * from simple cron expressions, else 1440 (with a warning).
   */
  readonly schedulePeriodMinutes: number;
  readonly expiryWarningDays: number;
  readonly reminderHours: number;
  readonly confirmRuns: number;
  readonly profile: string;
  readonly suppressions: Suppression[];
  /** Distribution ids to scan; empty = all. */
  readonly distributions: string[];
  readonly excludeDistributions: string[];
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly logRetentionDays: RetentionDays;
  /** Undefined = unreserved (default). */
  readonly reservedConcurrency?: number;
  /** Cap on the per-origin connect timeout, ms (CloudFront's origin connection timeout is at most 10 s). Undefined = the handler's default. */
  readonly connectTimeoutMs?: number;
  /** How many origins are probed at once. Undefined = the handler's default. */
  readonly scanConcurrency?: number;
  /** Non-fatal remarks (e.g. no e-mail recipients), for the caller to surface; `id` names the kind. */
  readonly warnings: ConfigWarning[];
}

export const DEFAULTS = {
  schedule: 'rate(15 minutes)',
  cronFallbackMinutes: 1440,
  expiryWarningDays: 30,
  reminderHours: 24,
  confirmRuns: 2,
  profile: DEFAULT_PROFILE,
  timeoutSeconds: 300,
  memorySize: 512,
  logRetentionDays: 30,
} as const;

/** Every key resolveConfig reads. */
export const CONFIG_KEYS = [
  'alertEmails',
  'schedule',
  'scheduleMinutes',
  'expiryWarningDays',
  'reminderHours',
  'confirmRuns',
  'profile',
  'suppressions',
  'distributions',
  'excludeDistributions',
  'timeoutSeconds',
  'memorySize',
  'logRetentionDays',
  'reservedConcurrency',
  'connectTimeoutMs',
  'scanConcurrency',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/**
 * The longest schedule period the "no scan completed" alarm can watch: it looks back two periods, and CloudWatch
 * caps an alarm's evaluation range (period x evaluation periods) at 7 days.
 */
export const MAX_SCHEDULE_MINUTES = 5040;

export interface ConfigWarning {
  /** noAlertEmails | cronPeriod | scheduleMinutesIgnored | distributionOverlap | timeoutOverlap | suppressionExpired */
  readonly id: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const EXAMPLES: Record<ConfigKey, string> = {
  alertEmails: 'ops@example.com,oncall@example.com',
  schedule: '"rate(15 minutes)"',
  scheduleMinutes: '60',
  expiryWarningDays: '30',
  reminderHours: '24',
  confirmRuns: '2',
  profile: Object.keys(PROFILES).join(' or '),
  suppressions: `'[{"distributionId":"E2QWRUHAPOMQZL","until":"2030-01-31","reason":"origin migration"}]'`,
  distributions: 'E2QWRUHAPOMQZL,E1ABCDEFGHIJKL',
  excludeDistributions: 'E2QWRUHAPOMQZL',
  timeoutSeconds: '300',
  memorySize: '512',
  logRetentionDays: '30',
  reservedConcurrency: '1',
  connectTimeoutMs: '10000',
  scanConcurrency: '32',
};

function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  s = s.replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fail(key: ConfigKey, problem: string, example: string = EXAMPLES[key]): never {
  throw new ConfigError(key, `Invalid ${key}: ${problem.replace(/\s+/g, ' ')} (example: -c ${key}=${example})`);
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function intIn(key: ConfigKey, raw: unknown, min: number, max: number): number {
  let n: number | undefined;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)) n = Number(raw.trim());
  if (n === undefined || !Number.isInteger(n) || n < min || n > max) {
    fail(key, `${show(raw)} is not an integer from ${min} to ${max}`);
  }
  return n;
}

function optionalInt(key: ConfigKey, raw: unknown, min: number, max: number, dflt: number): number {
  return isAbsent(raw) ? dflt : intIn(key, raw, min, max);
}

/** A list from an array, a JSON array string, or a comma-separated string. */
function stringList(key: ConfigKey, raw: unknown): string[] {
  if (isAbsent(raw)) return [];
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) fail(key, `${show(raw)} is not a JSON array`);
      items = parsed;
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      fail(key, `${show(raw)} is not valid JSON`);
    }
  } else if (typeof raw === 'string') items = raw.split(',');
  else fail(key, `${show(raw)} is neither a comma-separated string nor an array`);
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') fail(key, `item ${show(item)} is not a string`);
    const t = item.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

const EMAIL = /^[^\s@,;:"'<>()[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

/**
 * CloudFront distribution ids: "E" plus uppercase letters and digits (13-14 characters in practice, e.g.
 * E2QWRUHAPOMQZL); the length bound is loose on purpose so a real id is never refused.
 */
export const DISTRIBUTION_ID = /^E[A-Z0-9]{6,31}$/;

function distributionIds(key: ConfigKey, raw: unknown): string[] {
  const ids = stringList(key, raw);
  for (const id of ids) {
    if (!DISTRIBUTION_ID.test(id)) {
      const hint = DISTRIBUTION_ID.test(id.toUpperCase()) ? ' (ids are uppercase)' : '';
      fail(key, `${show(id)} is not a CloudFront distribution id${hint}`);
    }
  }
  return ids;
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;
const CRON = /^cron\((.*)\)$/i;
const CRON_EXAMPLE = '"cron(0 * * * ? *)"';

/** One field of EventBridge's 6-field cron. */
interface CronFieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for the values min, min+1, ... (JAN-DEC, SUN-SAT), matched case-insensitively. */
  readonly names?: readonly string[];
  /** Whether the field may be `?` (day-of-month, day-of-week). */
  readonly question?: boolean;
  /** The field's own single-item forms besides values and ranges (L, W, #). */
  readonly special?: (item: string, value: (s: string) => number | undefined) => boolean;
  /** For the error message: what the field accepts. */
  readonly accepts: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** minutes hours day-of-month month day-of-week year, as the EventBridge documentation gives them. */
const CRON_FIELDS: readonly CronFieldSpec[] = [
  { name: 'minutes', min: 0, max: 59, accepts: '0-59' },
  { name: 'hours', min: 0, max: 23, accepts: '0-23' },
  {
    name: 'day-of-month',
    min: 1,
    max: 31,
    question: true,
    // L (last day), LW (last weekday), nW (the weekday nearest day n).
    special: (item, value) => item === 'L' || item === 'LW' || (/^\d+W$/.test(item) && value(item.slice(0, -1)) !== undefined),
    accepts: '1-31, ?, L, LW or nW',
  },
  { name: 'month', min: 1, max: 12, names: MONTHS, accepts: '1-12 or JAN-DEC' },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: WEEKDAYS,
    question: true,
    // L (last day of the week), dL (last weekday d of the month), d#n (n-th weekday d of the month, n 1-5).
    special: (item, value) => {
      if (item === 'L') return true;
      if (/^[^#]+L$/.test(item)) return value(item.slice(0, -1)) !== undefined;
      const nth = /^([^#]+)#([1-5])$/.exec(item);
      return nth !== null && value(nth[1]) !== undefined;
    },
    accepts: '1-7, SUN-SAT, ?, L, dL or d#n (n 1-5)',
  },
  { name: 'year', min: 1970, max: 2199, accepts: '1970-2199' },
];

/**
 * Checks one cron field: `*`, values, ranges a-b, lists a,b, steps `*`/n, a/n and a-b/n (n from 1 to the field's
 * maximum; 230 for years), plus the field's own `?`, L, W and # forms. Throws the schedule's ConfigError
 * naming the field and the offending part.
 */
function checkCronField(spec: CronFieldSpec, field: string): void {
  const bad = (part: string): never => fail('schedule', `cron ${spec.name} ${show(part)} is not ${spec.accepts}`, CRON_EXAMPLE);
  const value = (s: string): number | undefined => {
    let n: number | undefined;
    if (/^\d{1,4}$/.test(s)) n = Number(s);
    else if (spec.names) {
      const i = spec.names.indexOf(s.toUpperCase());
      if (i >= 0) n = spec.min + i;
    }
    return n !== undefined && n >= spec.min && n <= spec.max ? n : undefined;
  };
  if (field === '?') {
    if (!spec.question) bad(field);
    return;
  }
  const maxStep = Math.min(spec.max, spec.max - spec.min + 1);
  for (const item of field.split(',')) {
    const [base, step, ...extra] = item.split('/');
    if (extra.length) bad(item);
    if (step !== undefined && !(/^\d{1,4}$/.test(step) && Number(step) >= 1 && Number(step) <= maxStep)) {
      fail('schedule', `cron ${spec.name} step ${show(step)} (in ${show(item)}) is not 1-${maxStep}`, CRON_EXAMPLE);
    }
    if (base === '*') continue;
    if (step === undefined && spec.special?.(base, value)) continue;
    const ends = base.split('-');
    if (ends.length > 2 || ends.some((e) => e === '')) bad(base);
    for (const end of ends) if (value(end) === undefined) bad(end);
  }
}

interface ParsedSchedule {
  expression: string;
  /** Undefined for cron expressions whose period is not obvious. */
  minutes?: number;
}

function parseSchedule(raw: unknown): ParsedSchedule {
  if (typeof raw !== 'string') fail('schedule', `${show(raw)} is not a string`);
  const s = raw.trim();
  const rate = RATE.exec(s);
  if (rate) {
    const n = Number(rate[1]);
    if (!Number.isSafeInteger(n) || n < 1) fail('schedule', `${show(raw)}: the rate must be a positive integer`);
    const unit = rate[2].toLowerCase().replace(/s$/, '');
    const minutes = n * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
    // EventBridge wants the singular unit for 1 and the plural otherwise; normalise instead of refusing.
    return { expression: `rate(${n} ${n === 1 ? unit : `${unit}s`})`, minutes };
  }
  const cron = CRON.exec(s);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      fail('schedule', `${show(raw)}: EventBridge cron takes 6 fields (minutes hours day-of-month month day-of-week year)`, CRON_EXAMPLE);
    }
    fields.forEach((f, i) => checkCronField(CRON_FIELDS[i], f));
    const [min, hour, dom, month, dow, year] = fields;
    if ((dom === '?') === (dow === '?')) {
      fail('schedule', `${show(raw)}: exactly one of day-of-month and day-of-week must be "?"`, CRON_EXAMPLE);
    }
    const every = (f: string) => f === '*' || f === '?';
    let minutes: number | undefined;
    if (every(dom) && every(month) && every(dow) && every(year)) {
      const step = /^(?:\*|0)\/(\d+)$/.exec(min);
      if (step && every(hour) && 60 % Number(step[1]) === 0) minutes = Number(step[1]);
      else if (/^\d+$/.test(min) && every(hour)) minutes = 60;
      else if (/^\d+$/.test(min) && /^\d+$/.test(hour)) minutes = 1440;
    }
    return { expression: `cron(${fields.join(' ')})`, minutes };
  }
  return fail('schedule', `${show(raw)} is neither rate(N minutes|hours|days) nor cron(...)`);
}

const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO date or date-time that exists (no 2030-02-31). */
function validDate(s: string): boolean {
  if (!DATE.test(s) || Number.isNaN(Date.parse(s))) return false;
  const ymd = s.slice(0, 10);
  return new Date(`${ymd}T00:00:00Z`).toISOString().slice(0, 10) === ymd;
}

function suppressionList(raw: unknown, now: Date, warnings: ConfigWarning[]): Suppression[] {
  if (isAbsent(raw)) return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      fail('suppressions', `${show(raw)} is not valid JSON`);
    }
  }
  if (!Array.isArray(list)) fail('suppressions', `${show(raw)} is not a JSON array`);
  return list.map((item: unknown, i: number): Suppression => {
    const at = `item ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail('suppressions', `${at} is not an object`);
    const o = item as Record<string, unknown>;
    const unknownKeys = Object.keys(o).filter((k) => !['distributionId', 'originId', 'code', 'until', 'reason'].includes(k));
    if (unknownKeys.length) fail('suppressions', `${at} has unknown key ${show(unknownKeys[0])}`);
    if (typeof o.distributionId !== 'string' || !DISTRIBUTION_ID.test(o.distributionId)) {
      fail('suppressions', `${at}: distributionId ${show(o.distributionId)} is missing or not a CloudFront distribution id`);
    }
    if (o.originId !== undefined && (typeof o.originId !== 'string' || !o.originId.trim())) {
      fail('suppressions', `${at}: originId must be a non-empty string when given`);
    }
    if (o.code !== undefined && (typeof o.code !== 'string' || !(o.code in FINDINGS))) {
      fail('suppressions', `${at}: code ${show(o.code)} is not a finding code (e.g. CERT_EXPIRING_SOON)`);
    }
    if (typeof o.until !== 'string' || !validDate(o.until.trim())) {
      fail('suppressions', `${at}: until ${show(o.until)} is not an ISO date or date-time`);
    }
    if (typeof o.reason !== 'string' || !o.reason.trim()) fail('suppressions', `${at}: reason must be a non-empty string`);
    const until = o.until.trim();
    if (Date.parse(until) < now.getTime()) {
      warnings.push({ id: 'suppressionExpired', message: `suppressions item ${i} (${o.distributionId}) expired on ${until} and no longer applies.` });
    }
    const s: Suppression = { distributionId: o.distributionId, until, reason: o.reason.trim() };
    if (o.originId !== undefined) s.originId = (o.originId as string).trim();
    if (o.code !== undefined) s.code = o.code as string;
    return s;
  });
}

const RETENTION_VALUES: number[] = (Object.values(RetentionDays) as unknown[])
  .filter((v): v is number => typeof v === 'number')
  .sort((a, b) => a - b);

/**
 * Reads every setting through `get` and validates it. Throws ConfigError (one line: key, problem, example).
 * @param now for the "suppression expired" warning only
 */
export function resolveConfig(get: (key: ConfigKey) => unknown, now: Date = new Date()): MonitorConfig {
  const warnings: ConfigWarning[] = [];

  const alertEmails = stringList('alertEmails', get('alertEmails'));
  for (const e of alertEmails) if (!EMAIL.test(e)) fail('alertEmails', `${show(e)} is not an e-mail address`);
  if (alertEmails.length === 0) {
    warnings.push({ id: 'noAlertEmails', message: 'No alertEmails: the alert topic has no subscription and no one will be e-mailed (set -c alertEmails=ops@example.com).' });
  }

  const rawSchedule = get('schedule');
  const schedule = parseSchedule(isAbsent(rawSchedule) ? DEFAULTS.schedule : rawSchedule);
  const rawScheduleMinutes = get('scheduleMinutes');
  let schedulePeriodMinutes: number;
  if (!isAbsent(rawScheduleMinutes)) {
    const m = intIn('scheduleMinutes', rawScheduleMinutes, 1, MAX_SCHEDULE_MINUTES);
    if (schedule.expression.startsWith('rate(')) {
      if (m !== schedule.minutes) warnings.push({ id: 'scheduleMinutesIgnored', message: `scheduleMinutes (${m}) is ignored: the period comes from ${schedule.expression}.` });
      schedulePeriodMinutes = schedule.minutes!;
    } else {
      schedulePeriodMinutes = m;
    }
  } else if (schedule.minutes !== undefined) {
    schedulePeriodMinutes = schedule.minutes;
  } else {
    schedulePeriodMinutes = DEFAULTS.cronFallbackMinutes;
    warnings.push({
      id: 'cronPeriod',
      message: `The alarms assume ${schedule.expression} runs at least every ${DEFAULTS.cronFallbackMinutes} minutes; set -c scheduleMinutes=N to the minutes between runs.`,
    });
  }
  if (schedulePeriodMinutes > MAX_SCHEDULE_MINUTES) {
    fail(
      'schedule',
      `${schedule.expression} runs every ${schedulePeriodMinutes} minutes; at most ${MAX_SCHEDULE_MINUTES} (3.5 days), because the no-scan alarm looks back two periods and CloudWatch alarms look back at most 7 days`,
    );
  }

  const rawProfile = get('profile');
  const profile = isAbsent(rawProfile) ? DEFAULTS.profile : rawProfile;
  if (typeof profile !== 'string' || !Object.prototype.hasOwnProperty.call(PROFILES, profile.trim())) {
    fail('profile', `${show(profile)} is not one of ${Object.keys(PROFILES).join(', ')}`);
  }

  const distributions = distributionIds('distributions', get('distributions'));
  const excludeDistributions = distributionIds('excludeDistributions', get('excludeDistributions'));
  const both = excludeDistributions.filter((d) => distributions.includes(d));
  if (both.length) warnings.push({ id: 'distributionOverlap', message: `${both.join(', ')} is in both distributions and excludeDistributions: excluded.` });

  const timeoutSeconds = optionalInt('timeoutSeconds', get('timeoutSeconds'), 30, 900, DEFAULTS.timeoutSeconds);
  if (timeoutSeconds > schedulePeriodMinutes * 60) {
    warnings.push({ id: 'timeoutOverlap', message: `timeoutSeconds (${timeoutSeconds}) is longer than the schedule period: scans may overlap.` });
  }

  const rawRetention = get('logRetentionDays');
  const logRetentionDays = isAbsent(rawRetention)
    ? DEFAULTS.logRetentionDays
    : intIn('logRetentionDays', rawRetention, 1, Number.MAX_SAFE_INTEGER);
  if (!RETENTION_VALUES.includes(logRetentionDays)) {
    fail('logRetentionDays', `${show(rawRetention)} is not one of ${RETENTION_VALUES.join(', ')} (9999 = never expire)`);
  }

  const rawReserved = get('reservedConcurrency');
  const reservedConcurrency = isAbsent(rawReserved) ? undefined : intIn('reservedConcurrency', rawReserved, 1, 1000);

  return {
    alertEmails,
    schedule: schedule.expression,
    schedulePeriodMinutes,
    expiryWarningDays: optionalInt('expiryWarningDays', get('expiryWarningDays'), 1, 365, DEFAULTS.expiryWarningDays),
    reminderHours: optionalInt('reminderHours', get('reminderHours'), 1, 720, DEFAULTS.reminderHours),
    confirmRuns: optionalInt('confirmRuns', get('confirmRuns'), 1, 10, DEFAULTS.confirmRuns),
    profile: profile.trim(),
    suppressions: suppressionList(get('suppressions'), now, warnings),
    distributions,
    excludeDistributions,
    timeoutSeconds,
    memorySize: optionalInt('memorySize', get('memorySize'), 128, 10240, DEFAULTS.memorySize),
    logRetentionDays: logRetentionDays as RetentionDays,
    reservedConcurrency,
    connectTimeoutMs: isAbsent(get('connectTimeoutMs')) ? undefined : intIn('connectTimeoutMs', get('connectTimeoutMs'), 100, 10_000),
    scanConcurrency: isAbsent(get('scanConcurrency')) ? undefined : intIn('scanConcurrency', get('scanConcurrency'), 1, 256),
    warnings,
  };
}

/** Case-insensitive Levenshtein distance. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

export interface SuspiciousContextKey {
  /** The context key as given. */
  readonly key: string;
  /** The setting it probably meant. */
  readonly meant: ConfigKey;
}

/**
 * Context keys that are not settings but look like one misspelt: the same as a known key but for case, or within
 * edit distance 2 of one (`alertEmail`, `confirmruns`). Keys with `@` or `:` (CDK feature flags and the CLI's own
 * `aws:cdk:...` keys) are never suspicious. In the order given, each with the closest known key.
 */
export function suspiciousContextKeys(keys: Iterable<string>): SuspiciousContextKey[] {
  const known: readonly string[] = CONFIG_KEYS;
  const out: SuspiciousContextKey[] = [];
  for (const key of keys) {
    if (known.includes(key) || key.includes('@') || key.includes(':')) continue;
    let best: { meant: ConfigKey; distance: number } | undefined;
    for (const k of CONFIG_KEYS) {
      const distance = editDistance(key, k);
      if (distance <= 2 && (best === undefined || distance < best.distance)) best = { meant: k, distance };
    }
    if (best) out.push({ key, meant: best.meant });
  }
  return out;
}
