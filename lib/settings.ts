/**
 * The monitor's settings, defined once. Each entry of SETTINGS is one setting: its schema (zod), its default, an
 * example, what the README says of it, and, for the settings the scan reads at run time, its environment variable.
 * From this one table come:
 * - the validation of the CDK context (`-c key=value`, cdk.json "context") and of the construct's props, with one
 *   line per bad value naming the key and giving an example (`resolveSettings`);
 * - the defaults;
 * - the function's environment (`encodeEnvironment`) and the handler's reading of it (`decodeEnvironment`), through
 *   the same schemas, so a value edited in the console gets the same checks as one given to `cdk deploy`;
 * - the README's table of context keys (`settingsTable`, checked by test/lib/settings.test.ts).
 *
 * Why zod (v4): the most used and actively kept TypeScript schema library, with types inferred from the schemas
 * (the config type cannot drift from the checks), strict objects (an unknown suppression key is an error, not a
 * silently wider suppression), per-check error messages (the one-line errors below), and a CommonJS build that
 * esbuild bundles into the Lambda. Its tree-shakable build, zod/mini, is used: the same schemas and checks, about
 * 20 KiB minified in the bundle where the chained API (`zod`) costs about 450 KiB, because it cannot be tree-shaken.
 * Valibot is as small, but zod is kept by more projects and its v4 core is shared by both builds.
 *
 * Values from `-c` arrive as strings, values from cdk.json and props as JSON values: every schema accepts both
 * ("30" and 30, "a@x.com,b@y.com" and ["a@x.com", "b@y.com"], a JSON string and an array of objects).
 *
 * This module is pure and free of aws-cdk-lib, so the Lambda bundles it. EventBridge cron expressions are checked by
 * cron-validate (its AWS preset), loaded only when a cron schedule is validated: at synth, never in the Lambda.
 */
import * as z from 'zod/mini';
import { DEFAULT_PROFILE, PROFILES } from '../lambda/cloudfront/client-profile';
import { ENV } from '../lambda/contract';
import { FINDINGS, type FindingCode } from '../lambda/diagnosis/findings';
import { suppressionEnd } from '../lambda/alerting/policy';

// ---------------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------------

/** A value for an error message: JSON, whitespace folded, at most 80 characters. */
export function show(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  s = s.replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** undefined, null or a blank string: the setting was not given. */
export function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** Parses `v` first with `before` (may push an issue and return z.NEVER), then checks the result with `schema`. */
function preprocess<S extends z.ZodMiniType>(before: (v: unknown, ctx: z.core.ParsePayload<unknown>) => unknown, schema: S) {
  return z.pipe(z.transform((v: unknown, ctx) => before(v, ctx as unknown as z.core.ParsePayload<unknown>)), schema);
}

/** An integer from a number or a string of digits ("30", " 30 "). */
function integer(min: number, max: number) {
  const error = (iss: { input?: unknown }) => `${show(iss.input)} is not an integer from ${min} to ${max}`;
  return preprocess(
    (v) => (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v.trim()) : v),
    z.int({ error }).check(z.minimum(min, { error }), z.maximum(max, { error })),
  );
}

function parseJson(v: string, ctx: z.core.ParsePayload<unknown>): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.issues.push({ code: 'custom', input: v, message: `${show(v)} is not valid JSON` });
    return z.NEVER;
  }
}

/** A list from an array, a JSON array string or a comma-separated string; items trimmed, blanks and repeats dropped. */
function list(item: z.ZodMiniType<string, string>) {
  return preprocess(
    (v, ctx) => {
      if (typeof v !== 'string') return v;
      return v.trim().startsWith('[') ? parseJson(v, ctx) : v.split(',');
    },
    z.pipe(
      z.pipe(
        z.array(z.unknown(), { error: (iss) => `${show(iss.input)} is neither a comma-separated string nor an array` }),
        z.transform((items: unknown[], ctx) => {
          const out: string[] = [];
          for (const raw of items) {
            if (typeof raw !== 'string') {
              ctx.issues.push({ code: 'custom', input: raw, message: `item ${show(raw)} is not a string` });
              return z.NEVER;
            }
            const t = raw.trim();
            if (t && !out.includes(t)) out.push(t);
          }
          return out;
        }),
      ),
      z.array(item),
    ),
  );
}

const EMAIL = /^[^\s@,;:"'<>()[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

/**
 * CloudFront distribution ids: "E" plus uppercase letters and digits (13-14 characters in practice, e.g.
 * E2QWRUHAPOMQZL); the length bound is loose on purpose so a real id is never refused.
 */
export const DISTRIBUTION_ID = /^E[A-Z0-9]{6,31}$/;

const distributionId = (what = '') =>
  z.string({ error: (iss) => (iss.input === undefined ? `${what}is missing` : `${what}${show(iss.input)} is not a string`) }).check(
    z.regex(DISTRIBUTION_ID, {
      error: (iss) => {
        const s = String(iss.input);
        return `${what}${show(s)} is not a CloudFront distribution id${DISTRIBUTION_ID.test(s.toUpperCase()) ? ' (ids are uppercase)' : ''}`;
      },
    }),
  );

const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO date or date-time that exists (no 2030-02-31, no 25:00). */
export function isValidDate(s: string): boolean {
  if (!DATE.test(s) || Number.isNaN(Date.parse(s))) return false;
  const ymd = s.slice(0, 10);
  return new Date(`${ymd}T00:00:00Z`).toISOString().slice(0, 10) === ymd;
}

const FINDING_CODES = Object.keys(FINDINGS) as [FindingCode, ...FindingCode[]];
export const SUPPRESSION_KEYS = ['distributionId', 'originId', 'code', 'until', 'reason'] as const;

const nonEmpty = (field: string) =>
  z
    .string({ error: (iss) => `${field} must be a non-empty string${iss.input === undefined ? '' : ` (got ${show(iss.input)})`}` })
    .check(z.trim(), z.minLength(1, { error: `${field} must be a non-empty string` }));

/** One suppression: strict, so a misspelt key (`originID`) is an error, never a suppression of the whole distribution. */
export const SUPPRESSION = z.strictObject(
  {
    distributionId: distributionId('distributionId '),
    originId: z.optional(nonEmpty('originId')),
    code: z.optional(
      z.enum(FINDING_CODES, { error: (iss) => `code ${show(iss.input)} is not a finding code (e.g. CERT_EXPIRING_SOON; all: README "What it checks")` }),
    ),
    until: z
      .string({ error: (iss) => `until ${show(iss.input)} is not an ISO date or date-time` })
      .check(
        z.trim(),
        z.refine(isValidDate, { error: (iss) => `until ${show(iss.input)} is not an ISO date or date-time (e.g. 2030-01-31)` }),
      ),
    reason: nonEmpty('reason'),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `has unknown key ${show(iss.keys[0])} (the keys are ${SUPPRESSION_KEYS.join(', ')})` : 'is not an object',
  },
);

/** A suppression, as the schema gives it (the alert policy's input). */
export type Suppression = z.output<typeof SUPPRESSION>;

function suppressions() {
  return preprocess(
    (v, ctx) => (typeof v === 'string' ? parseJson(v, ctx) : v),
    z.array(SUPPRESSION, { error: (iss) => `${show(iss.input)} is not a JSON array` }),
  );
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/i;
const CRON = /^cron\((.*)\)$/i;

export interface Schedule {
  /** Canonical EventBridge expression, e.g. `rate(15 minutes)`. */
  readonly expression: string;
  /** Minutes between runs; undefined for a cron expression whose period is not obvious. */
  readonly minutes?: number;
}

const CRON_FIELD_NAMES: Record<string, string> = {
  minutes: 'minutes',
  hours: 'hours',
  daysOfMonth: 'day-of-month',
  months: 'month',
  daysOfWeek: 'day-of-week',
  years: 'year',
};

/** EventBridge's 6-field cron (minutes hours day-of-month month day-of-week year), checked by cron-validate. */
function cronProblem(fields: string): string | undefined {
  // Loaded here, not at the top: the Lambda bundles this module and never validates a schedule.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cron = (require('cron-validate') as typeof import('cron-validate')).default;
  const result = cron(fields, { preset: 'aws-cloud-watch' });
  if (result.isValid()) return undefined;
  const first = result.getError()[0] ?? 'not a valid expression';
  return first
    .replace(/\s*\(Input cron: .*\)$/, '')
    .replace(/Cannot (?:use blank value in|specify both) daysOfMonth and daysOfWeek field.*/, 'exactly one of day-of-month and day-of-week must be "?"')
    .replace(/\b(minutes|hours|daysOfMonth|months|daysOfWeek|years) field\b/g, (_, f: string) => `${CRON_FIELD_NAMES[f]} field`)
    .replace(/\.$/, '');
}

function schedule() {
  return z.pipe(z.string({ error: (iss) => `${show(iss.input)} is not a string` }), z.transform((raw: string, ctx): Schedule => {
    const s = raw.trim();
    const bad = (problem: string) => {
      ctx.issues.push({ code: 'custom', input: raw, message: problem });
      return z.NEVER;
    };
    const rate = RATE.exec(s);
    if (rate) {
      const n = Number(rate[1]);
      if (!Number.isSafeInteger(n) || n < 1) return bad(`${show(raw)}: the rate must be a positive integer`);
      const unit = rate[2].toLowerCase().replace(/s$/, '');
      // EventBridge wants the singular unit for 1 and the plural otherwise; normalise instead of refusing.
      return { expression: `rate(${n} ${n === 1 ? unit : `${unit}s`})`, minutes: n * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440) };
    }
    const cron = CRON.exec(s);
    if (!cron) return bad(`${show(raw)} is neither rate(N minutes|hours|days) nor cron(...)`);
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) return bad(`${show(raw)}: EventBridge cron takes 6 fields (minutes hours day-of-month month day-of-week year)`);
    const problem = cronProblem(fields.join(' '));
    if (problem) return bad(`${show(raw)}: ${problem}`);
    const [min, hour, dom, month, dow, year] = fields;
    const every = (f: string) => f === '*' || f === '?';
    let minutes: number | undefined;
    if (every(dom) && every(month) && every(dow) && every(year)) {
      const step = /^(?:\*|0)\/(\d+)$/.exec(min);
      if (step && every(hour) && 60 % Number(step[1]) === 0) minutes = Number(step[1]);
      else if (/^\d+$/.test(min) && every(hour)) minutes = 60;
      else if (/^\d+$/.test(min) && /^\d+$/.test(hour)) minutes = 1440;
    }
    return { expression: `cron(${fields.join(' ')})`, ...(minutes !== undefined ? { minutes } : {}) };
  }));
}

/** CloudWatch Logs' retention values (PutRetentionPolicy); 9999 is CDK's "never expire". Checked against aws-cdk-lib's RetentionDays by a test. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999] as const;

const PROFILE_NAMES = Object.keys(PROFILES) as [string, ...string[]];

/** true or false, from a boolean or the strings "true" / "false" (any case). */
function boolean() {
  const error = (iss: { input?: unknown }) => `${show(iss.input)} is neither true nor false`;
  return preprocess((v) => {
    if (typeof v !== 'string') return v;
    const t = v.trim().toLowerCase();
    return t === 'true' ? true : t === 'false' ? false : v;
  }, z.boolean({ error }));
}

const awsId = (prefix: string, field: string) =>
  z.string({ error: (iss) => `${field} ${show(iss.input)} is not a string` }).check(
    z.regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), { error: (iss) => `${field} ${show(iss.input)} is not a ${prefix}-... id` }),
  );

/** Where the VPC probe function runs: private subnets of the VPC the VPC origins are in, and a security group they admit. */
export const VPC_PROBE = z.strictObject(
  {
    subnetIds: z.array(awsId('subnet', 'subnetIds item')).check(z.minLength(1, { error: 'subnetIds must list at least one subnet' })),
    securityGroupIds: z.array(awsId('sg', 'securityGroupIds item')).check(z.minLength(1, { error: 'securityGroupIds must list at least one security group' })),
  },
  {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown key ${show(iss.keys[0])} (the keys are subnetIds, securityGroupIds)` : `${show(iss.input)} is not {subnetIds, securityGroupIds}`),
  },
);
export type VpcProbeSettings = z.output<typeof VPC_PROBE>;

// ---------------------------------------------------------------------------------------------------------------
// The settings
// ---------------------------------------------------------------------------------------------------------------

interface EnvBinding<T> {
  /** The function's environment variable. */
  readonly name: string;
  readonly encode: (value: T) => string;
}

interface Setting<S extends z.ZodMiniType> {
  /** Parses a given value (string from -c, JSON from cdk.json, a prop) into the setting's value. */
  readonly schema: S;
  /** The value when not given; undefined means "unset" (the consumer's own default, or off). */
  readonly default: z.output<S> | undefined;
  /** A value for `-c key=...` in error messages. */
  readonly example: string;
  /** The README table's default and meaning columns. */
  readonly doc: { readonly default: string; readonly meaning: string };
  /** Set for the settings the scan reads at run time (the function's environment). */
  readonly env?: EnvBinding<z.output<S>>;
}

/** A setting of the deployment only (the stack reads it at synth). */
const setting = <S extends z.ZodMiniType>(s: Setting<S> & { env?: undefined }): Setting<S> & { env?: undefined } => s;
/** A setting the scan reads at run time, from its environment variable. */
const runtime = <S extends z.ZodMiniType>(s: Setting<S> & { env: EnvBinding<z.output<S>> }): Setting<S> & { env: EnvBinding<z.output<S>> } => s;
const asNumber = (n: number) => String(n);
const asList = (l: string[]) => l.join(',');

/** The scan's default parallelism, in sockets (lambda/scan-defaults.ts DEFAULT_CONCURRENCY; equal by test). */
export const DEFAULT_SCAN_CONCURRENCY = 256;

export const SETTINGS = {
  alertEmails: setting({
    schema: list(z.string().check(z.regex(EMAIL, { error: (iss) => `${show(iss.input)} is not an e-mail address` }))),
    default: [],
    example: 'ops@example.com,oncall@example.com',
    doc: { default: 'none', meaning: 'comma-separated addresses (or a JSON array) subscribed to the alert topic' },
  }),
  schedule: setting({
    schema: schedule(),
    default: { expression: 'rate(15 minutes)', minutes: 15 },
    example: '"rate(15 minutes)"',
    doc: { default: '`rate(15 minutes)`', meaning: '`rate(...)` or EventBridge `cron(...)` (6 fields)' },
  }),
  scheduleMinutes: setting({
    schema: integer(1, 5040),
    default: undefined,
    example: '60',
    doc: { default: 'from the schedule', meaning: 'minutes between runs of a `cron(...)` schedule, for the no-scan alarm (1-5040; ignored for `rate(...)`)' },
  }),
  expiryWarningDays: runtime({
    schema: integer(1, 365),
    default: 30,
    example: '30',
    doc: { default: '30', meaning: 'warn when a certificate expires within N days (then again at 14, 7, 3 and 1)' },
    env: { name: ENV.EXPIRY_WARNING_DAYS, encode: asNumber },
  }),
  reminderHours: runtime({
    schema: integer(1, 720),
    default: 24,
    example: '24',
    doc: { default: '24', meaning: 'remind of a still-failing critical finding every N hours (1-720)' },
    env: { name: ENV.REMINDER_HOURS, encode: asNumber },
  }),
  confirmRuns: runtime({
    schema: integer(1, 10),
    default: 2,
    example: '2',
    doc: { default: '2', meaning: 'reachability findings (DNS, port, handshake) are e-mailed only after N consecutive runs (1-10)' },
    env: { name: ENV.CONFIRM_RUNS, encode: asNumber },
  }),
  profile: runtime({
    schema: preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z.enum(PROFILE_NAMES, { error: (iss) => `${show(iss.input)} is not one of ${PROFILE_NAMES.join(', ')}` }),
    ),
    default: DEFAULT_PROFILE,
    example: PROFILE_NAMES.join(' or '),
    doc: { default: `\`${DEFAULT_PROFILE}\``, meaning: `CloudFront's TLS client: ${PROFILE_NAMES.map((p) => `\`${p}\``).join(' or ')}` },
    env: { name: ENV.PROFILE, encode: (p) => p },
  }),
  suppressions: runtime({
    schema: suppressions(),
    default: [],
    example: `'[{"distributionId":"E2QWRUHAPOMQZL","code":"CERT_EXPIRING_SOON","until":"2030-01-31","reason":"renewal booked"}]'`,
    doc: {
      default: 'none',
      meaning:
        'JSON array of `{distributionId, originId?, code?, until, reason}`: kept out of e-mails until `until`, still in logs and metrics; unknown keys, unknown codes and impossible dates are errors',
    },
    env: { name: ENV.SUPPRESSIONS, encode: (s) => JSON.stringify(s) },
  }),
  distributions: runtime({
    schema: list(distributionId()),
    default: [],
    example: 'E2QWRUHAPOMQZL,E1ABCDEFGHIJKL',
    doc: { default: 'all', meaning: 'comma-separated distribution ids to scan' },
    env: { name: ENV.DISTRIBUTIONS, encode: asList },
  }),
  excludeDistributions: runtime({
    schema: list(distributionId()),
    default: [],
    example: 'E2QWRUHAPOMQZL',
    doc: { default: 'none', meaning: 'comma-separated distribution ids never to scan' },
    env: { name: ENV.EXCLUDE_DISTRIBUTIONS, encode: asList },
  }),
  timeoutSeconds: setting({
    schema: integer(30, 900),
    default: 300,
    example: '300',
    doc: { default: '300', meaning: 'the function timeout (30-900); the scan stops starting probes when time runs short and reports what it did not reach' },
  }),
  memorySize: setting({
    schema: integer(128, 10240),
    default: 512,
    example: '512',
    doc: { default: '512', meaning: 'the function memory, MB (128-10240)' },
  }),
  logRetentionDays: setting({
    schema: preprocess(
      (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v.trim()) : v),
      z.number({ error: (iss) => `${show(iss.input)} is not one of ${LOG_RETENTION_DAYS.join(', ')} (9999 = never expire)` }).check(
        z.refine((n: number) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
          error: (iss) => `${show(iss.input)} is not one of ${LOG_RETENTION_DAYS.join(', ')} (9999 = never expire)`,
        }),
      ),
    ),
    default: 30,
    example: '30',
    doc: { default: '30', meaning: 'a CloudWatch Logs retention value, days' },
  }),
  reservedConcurrency: setting({
    schema: integer(1, 1000),
    default: undefined,
    example: '1',
    doc: { default: 'off', meaning: 'reserve concurrency for the function (off by default: it fails on accounts with a low quota)' },
  }),
  connectTimeoutMs: runtime({
    schema: integer(100, 10_000),
    default: undefined,
    example: '10000',
    doc: { default: "the origin's own (10 s)", meaning: "cap on an origin's connection timeout, ms (100-10000)" },
    env: { name: ENV.CONNECT_TIMEOUT_MS, encode: asNumber },
  }),
  caFiles: runtime({
    schema: list(z.string().check(z.regex(/^\/\S*$/, { error: (iss) => `${show(iss.input)} is not an absolute path` }))),
    default: [],
    example: '/var/task/test-ca.pem',
    doc: {
      default: 'none',
      meaning:
        "comma-separated PEM files (absolute paths in the function) of extra trust anchors, for test origins only: CloudFront trusts Mozilla's list only, and NODE_EXTRA_CA_CERTS never counts",
    },
    env: { name: ENV.CA_FILES, encode: asList },
  }),
  scanConcurrency: runtime({
    // At most 768: the Lambda has 1,024 file descriptors, and the SDK's and the runtime's own need some.
    schema: integer(1, 768),
    default: DEFAULT_SCAN_CONCURRENCY,
    example: '128',
    doc: { default: String(DEFAULT_SCAN_CONCURRENCY), meaning: 'connections in flight at once, over all origins, at most 4 to one address (1-768)' },
    env: { name: ENV.CONCURRENCY, encode: asNumber },
  }),
  edgeCheck: runtime({
    schema: boolean(),
    default: true,
    example: 'false',
    doc: { default: 'true', meaning: 'the edge check: one request through CloudFront per cache behavior and run (README, "Through CloudFront"); `false` turns it off' },
    env: { name: ENV.EDGE_CHECK, encode: (b) => String(b) },
  }),
  vpcProbe: setting({
    schema: preprocess((v, ctx) => (typeof v === 'string' ? parseJson(v, ctx) : v), VPC_PROBE),
    default: undefined,
    example: `'{"subnetIds":["subnet-0a1b2c3d"],"securityGroupIds":["sg-0a1b2c3d"]}'`,
    doc: {
      default: 'off',
      meaning:
        'JSON `{subnetIds, securityGroupIds}`: a second function in those private subnets (with a route to the CloudFront and ACM APIs, e.g. a NAT gateway) probes VPC origins directly, with its own alert state',
    },
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
type Value<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;

/** The settings the scan reads at run time: those with an environment variable. */
export type RuntimeKey = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { env: object } ? K : never;
}[SettingKey];
export const RUNTIME_KEYS = SETTING_KEYS.filter((k) => SETTINGS[k].env !== undefined) as RuntimeKey[];

/** What the scan reads at run time. Unset optional values are absent. */
export type RunSettings = { readonly [K in Exclude<RuntimeKey, OptionalKey>]: Value<K> } & { readonly [K in OptionalKey & RuntimeKey]?: Value<K> };
/** The settings whose default is "unset". */
type OptionalKey = 'scheduleMinutes' | 'reservedConcurrency' | 'connectTimeoutMs' | 'vpcProbe';

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The first problem of a failed parse, in one line; a suppression is named by its index and ids. */
function problemOf(key: SettingKey, error: { issues: readonly z.core.$ZodIssue[] }, raw: unknown): string {
  const issue = error.issues[0];
  const index = issue.path[0];
  if (key !== 'suppressions' || typeof index !== 'number') return issue.message;
  let items: unknown = raw;
  if (typeof raw === 'string') {
    try {
      items = JSON.parse(raw);
    } catch {
      items = undefined;
    }
  }
  const item = Array.isArray(items) ? (items[index] as Record<string, unknown> | null | undefined) : undefined;
  const ids = item && typeof item === 'object' ? [item.distributionId, item.originId, item.code].filter((x) => typeof x === 'string') : [];
  const name = `item ${index}${ids.length ? ` (${ids.join(' ')})` : ''}`;
  return issue.path.length > 1 ? `${name}: ${issue.message}` : `${name} ${issue.message}`;
}

/** Parses one setting's given value; absent gives the default. Throws ConfigError (key, problem, example). */
export function parseSetting<K extends SettingKey>(key: K, raw: unknown): Value<K> | undefined {
  const spec = SETTINGS[key] as unknown as Setting<z.ZodMiniType<Value<K>>>;
  if (isAbsent(raw)) return spec.default;
  const result = spec.schema.safeParse(raw);
  if (!result.success) throw settingError(key, problemOf(key, result.error, raw));
  return result.data;
}

const CRON_EXAMPLE = '"cron(0 * * * ? *)"';

export function settingError(key: SettingKey, problem: string): ConfigError {
  const example = key === 'schedule' && /^"cron\(/i.test(problem) ? CRON_EXAMPLE : SETTINGS[key].example;
  return new ConfigError(key, `Invalid ${key}: ${problem.replace(/\s+/g, ' ')} (example: -c ${key}=${example})`);
}

// ---------------------------------------------------------------------------------------------------------------
// The whole configuration (synth)
// ---------------------------------------------------------------------------------------------------------------

/**
 * The longest schedule period the "no scan completed" alarm can watch: it looks back two periods, and CloudWatch
 * caps an alarm's evaluation range (period x evaluation periods) at 7 days.
 */
export const MAX_SCHEDULE_MINUTES = 5040;
/** The period the alarms assume for a cron whose period is not obvious and scheduleMinutes is not given. */
export const CRON_FALLBACK_MINUTES = 1440;

export interface ConfigWarning {
  /** noAlertEmails | cronPeriod | scheduleMinutesIgnored | distributionOverlap | timeoutOverlap | suppressionExpired */
  readonly id: string;
  readonly message: string;
}

export interface MonitorConfig extends RunSettings {
  readonly alertEmails: string[];
  /** Canonical EventBridge schedule expression. */
  readonly schedule: string;
  /** Minutes between scans, for the alarms. */
  readonly schedulePeriodMinutes: number;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly logRetentionDays: number;
  readonly reservedConcurrency?: number;
  /** The VPC probe function's subnets and security groups; undefined: no VPC probe. */
  readonly vpcProbe?: VpcProbeSettings;
  /** Non-fatal remarks, for the caller to surface; `id` names the kind. */
  readonly warnings: ConfigWarning[];
}

/**
 * Reads every setting through `get` (context keys or props) and validates it. Throws ConfigError (one line: key,
 * problem, example). Unknown keys are not looked at (CDK feature flags live in the context too).
 * @param now for the "suppression expired" warning only
 */
export function resolveSettings(get: (key: SettingKey) => unknown, now: Date = new Date()): MonitorConfig {
  const warnings: ConfigWarning[] = [];
  const v = <K extends SettingKey>(k: K) => parseSetting(k, get(k));

  const alertEmails = v('alertEmails')!;
  if (alertEmails.length === 0) {
    warnings.push({ id: 'noAlertEmails', message: 'No alertEmails: the alert topic has no subscription and no one will be e-mailed (set -c alertEmails=ops@example.com).' });
  }

  const schedule = v('schedule')!;
  const scheduleMinutes = v('scheduleMinutes');
  let schedulePeriodMinutes: number;
  if (scheduleMinutes !== undefined && schedule.expression.startsWith('rate(')) {
    if (scheduleMinutes !== schedule.minutes) {
      warnings.push({ id: 'scheduleMinutesIgnored', message: `scheduleMinutes (${scheduleMinutes}) is ignored: the period comes from ${schedule.expression}.` });
    }
    schedulePeriodMinutes = schedule.minutes!;
  } else if (scheduleMinutes !== undefined) {
    schedulePeriodMinutes = scheduleMinutes;
  } else if (schedule.minutes !== undefined) {
    schedulePeriodMinutes = schedule.minutes;
  } else {
    schedulePeriodMinutes = CRON_FALLBACK_MINUTES;
    warnings.push({
      id: 'cronPeriod',
      message: `The alarms assume ${schedule.expression} runs at least every ${CRON_FALLBACK_MINUTES} minutes; set -c scheduleMinutes=N to the minutes between runs.`,
    });
  }
  if (schedulePeriodMinutes > MAX_SCHEDULE_MINUTES) {
    throw settingError(
      'schedule',
      `${schedule.expression} runs every ${schedulePeriodMinutes} minutes; at most ${MAX_SCHEDULE_MINUTES} (3.5 days), because the no-scan alarm looks back two periods and CloudWatch alarms look back at most 7 days`,
    );
  }

  const distributions = v('distributions')!;
  const excludeDistributions = v('excludeDistributions')!;
  const both = excludeDistributions.filter((d) => distributions.includes(d));
  if (both.length) warnings.push({ id: 'distributionOverlap', message: `${both.join(', ')} is in both distributions and excludeDistributions: excluded.` });

  const timeoutSeconds = v('timeoutSeconds')!;
  if (timeoutSeconds > schedulePeriodMinutes * 60) {
    warnings.push({ id: 'timeoutOverlap', message: `timeoutSeconds (${timeoutSeconds}) is longer than the schedule period: scans may overlap.` });
  }

  const suppressionList = v('suppressions')!;
  suppressionList.forEach((s, i) => {
    if (suppressionEnd(s.until) <= now.getTime()) {
      warnings.push({ id: 'suppressionExpired', message: `suppressions item ${i} (${s.distributionId}) expired on ${s.until} and no longer applies.` });
    }
  });

  const reservedConcurrency = v('reservedConcurrency');
  const connectTimeoutMs = v('connectTimeoutMs');
  const vpcProbe = v('vpcProbe');
  return {
    alertEmails,
    schedule: schedule.expression,
    schedulePeriodMinutes,
    expiryWarningDays: v('expiryWarningDays')!,
    reminderHours: v('reminderHours')!,
    confirmRuns: v('confirmRuns')!,
    profile: v('profile')!,
    suppressions: suppressionList,
    distributions,
    excludeDistributions,
    timeoutSeconds,
    memorySize: v('memorySize')!,
    logRetentionDays: v('logRetentionDays')!,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    scanConcurrency: v('scanConcurrency')!,
    caFiles: v('caFiles')!,
    edgeCheck: v('edgeCheck')!,
    ...(vpcProbe !== undefined ? { vpcProbe } : {}),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The function's environment
// ---------------------------------------------------------------------------------------------------------------

/** Lambda's limit on the total size of a function's environment variables (names and values), bytes. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/** The run-time settings as environment variables; unset optional settings are left out. */
export function encodeEnvironment(settings: RunSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of RUNTIME_KEYS) {
    const value = settings[key];
    if (value === undefined) continue;
    const binding = SETTINGS[key].env as EnvBinding<unknown>;
    env[binding.name] = binding.encode(value);
  }
  return env;
}

/** Bytes the variables take against Lambda's limit (names plus values, UTF-8). */
export function environmentBytes(env: Record<string, string>): number {
  return Object.entries(env).reduce((n, [k, val]) => n + Buffer.byteLength(k) + Buffer.byteLength(val), 0);
}

/**
 * Reads the run-time settings back from the function's environment through the same schemas (a console edit gets
 * the same checks as `cdk deploy`). Throws one line listing every bad variable, each with the setting it comes from
 * and where to change it.
 */
export function decodeEnvironment(env: Record<string, string | undefined>): RunSettings {
  const problems: string[] = [];
  const bad: SettingKey[] = [];
  const out: Record<string, unknown> = {};
  for (const key of RUNTIME_KEYS) {
    const name = SETTINGS[key].env.name;
    try {
      const value = parseSetting(key, env[name]);
      if (value !== undefined) out[key] = value;
    } catch (e) {
      const problem = (e as ConfigError).message.replace(/^Invalid [^:]+: /, '').replace(/ \(example: .*\)$/, '');
      problems.push(`${name} (setting ${key}): ${problem}`);
      bad.push(key);
    }
  }
  if (problems.length) {
    throw new Error(
      `invalid configuration: ${problems.join('; ')}. Set ${bad.length > 1 ? 'them' : 'it'} with ${bad.map((k) => `cdk deploy -c ${k}=...`).join(', ')} or in cdk.json's "context" (README, "Context keys"), not in the Lambda console, where an edit is lost at the next deploy`,
    );
  }
  return out as RunSettings;
}

// ---------------------------------------------------------------------------------------------------------------
// The README's table
// ---------------------------------------------------------------------------------------------------------------

/** The README's "Context keys" table, as markdown. */
export function settingsTable(): string {
  const rows = SETTING_KEYS.map((k) => `| \`${k}\` | ${SETTINGS[k].doc.default} | ${SETTINGS[k].doc.meaning} |`);
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The settings as construct props: each optional, as its value (the schedule as its expression). */
export type SettingProps = { readonly [K in SettingKey]?: K extends 'schedule' ? string : Value<K> };

// ---------------------------------------------------------------------------------------------------------------
// The organization mode's settings (lib/organization/): its own table, so the single-account construct's props do
// not grow keys it would ignore. `organizationId` switches the app to the organization stack.
// ---------------------------------------------------------------------------------------------------------------

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** IAM role names: 1-64 of [\w+=,.@-]. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

export const ORG_SETTINGS = {
  organizationId: setting({
    schema: preprocess(trimmed, z.string({ error: (iss) => `${show(iss.input)} is not a string` }).check(
      z.regex(ORG_ID, { error: (iss) => `${show(iss.input)} is not an organization id (o- and 10-32 lowercase letters or digits)` }),
    )),
    default: undefined,
    example: 'o-a1b2c3d4e5',
    doc: { default: 'none (single account)', meaning: 'the organization id: deploys the organization hub instead of the single-account monitor; the member roles trust the hub only from inside it' },
  }),
  organizationTargets: setting({
    schema: list(z.string().check(z.refine((s: string) => ROOT_ID.test(s) || OU_ID.test(s), { error: (iss) => `${show(iss.input)} is neither a root id (r-...) nor an OU id (ou-...)` }))),
    default: [],
    example: 'r-a1b2',
    doc: { default: 'required', meaning: 'where the member role is deployed and whose accounts are scanned: the root id (whole organization) or OU ids (with every OU below them)' },
  }),
  organizationCallAs: setting({
    schema: preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), z.enum(['DELEGATED_ADMIN', 'SELF'], { error: (iss) => `${show(iss.input)} is neither DELEGATED_ADMIN nor SELF` })),
    default: 'DELEGATED_ADMIN',
    example: 'DELEGATED_ADMIN',
    doc: { default: '`DELEGATED_ADMIN`', meaning: '`DELEGATED_ADMIN`: the hub is deployed in a delegated administrator account for StackSets; `SELF`: in the management account' },
  }),
  memberRoleName: setting({
    schema: preprocess(trimmed, z.string().check(z.regex(ROLE_NAME, { error: (iss) => `${show(iss.input)} is not an IAM role name (1-64 letters, digits and +=,.@_-)` }))),
    default: 'CloudFrontOriginMonitorMember',
    example: 'CloudFrontOriginMonitorMember',
    doc: { default: '`CloudFrontOriginMonitorMember`', meaning: "the member role's name, the same in every account" },
  }),
  organizationConcurrency: setting({
    schema: integer(1, 10_000),
    default: 40,
    example: '40',
    doc: { default: '40', meaning: 'Distributed Map items (accounts or chunks) scanned at once (1-10000)' },
  }),
  chunkOrigins: setting({
    schema: integer(10, 10_000),
    default: 400,
    example: '400',
    doc: { default: '400', meaning: 'origins per item: an account that had more at its last run is split into chunks (10-10000)' },
  }),
  excludeAccounts: setting({
    schema: list(z.string().check(z.regex(ACCOUNT_ID, { error: (iss) => `${show(iss.input)} is not a 12-digit account id` }))),
    default: [],
    example: '111111111111,222222222222',
    doc: { default: 'none', meaning: 'account ids given no member role and never scanned' },
  }),
} as const;

export type OrgSettingKey = keyof typeof ORG_SETTINGS;
export const ORG_SETTING_KEYS = Object.keys(ORG_SETTINGS) as OrgSettingKey[];
type OrgValue<K extends OrgSettingKey> = z.output<(typeof ORG_SETTINGS)[K]['schema']>;
export type OrgSettingProps = { readonly [K in OrgSettingKey]?: OrgValue<K> };

export interface OrganizationConfig {
  readonly organizationId: string;
  /** The root id, or OU ids. */
  readonly targets: string[];
  readonly callAs: 'DELEGATED_ADMIN' | 'SELF';
  readonly memberRoleName: string;
  readonly concurrency: number;
  readonly chunkOrigins: number;
  readonly excludeAccounts: string[];
}

function orgError(key: OrgSettingKey, problem: string): ConfigError {
  return new ConfigError(key, `Invalid ${key}: ${problem.replace(/\s+/g, ' ')} (example: -c ${key}=${ORG_SETTINGS[key].example})`);
}

function parseOrgSetting<K extends OrgSettingKey>(key: K, raw: unknown): OrgValue<K> | undefined {
  const spec = ORG_SETTINGS[key] as unknown as Setting<z.ZodMiniType<OrgValue<K>>>;
  if (isAbsent(raw)) return spec.default;
  const result = spec.schema.safeParse(raw);
  if (!result.success) throw orgError(key, result.error.issues[0].message);
  return result.data;
}

/** Whether the settings ask for the organization mode. */
export const wantsOrganization = (get: (key: OrgSettingKey) => unknown): boolean => !isAbsent(get('organizationId'));

/** The organization settings, validated (the shared ones go through resolveSettings). Throws ConfigError. */
export function resolveOrganizationSettings(get: (key: OrgSettingKey) => unknown): OrganizationConfig {
  const v = <K extends OrgSettingKey>(k: K) => parseOrgSetting(k, get(k));
  const organizationId = v('organizationId');
  if (organizationId === undefined) throw orgError('organizationId', 'is required for the organization mode (AWS Organizations console, or aws organizations describe-organization)');
  const targets = v('organizationTargets')!;
  if (targets.length === 0) throw orgError('organizationTargets', 'is required: the root id for the whole organization, or the OUs to deploy the member role to');
  if (targets.some((t) => ROOT_ID.test(t)) && targets.length > 1) throw orgError('organizationTargets', 'the root id already covers every OU: give the root alone, or OUs only');
  return {
    organizationId,
    targets,
    callAs: v('organizationCallAs')!,
    memberRoleName: v('memberRoleName')!,
    concurrency: v('organizationConcurrency')!,
    chunkOrigins: v('chunkOrigins')!,
    excludeAccounts: v('excludeAccounts')!,
  };
}

/**
 * An organization setting the construct passes to a function in its environment (`name`, e.g. ORG_CHUNK_ORIGINS for
 * chunkOrigins), read back with the same schema item: the same range, and the same default when it is not set. A
 * bad value is one line naming the variable and the setting.
 */
export function decodeOrganizationSetting<K extends OrgSettingKey>(key: K, name: string, raw: string | undefined): OrgValue<K> | undefined {
  try {
    return parseOrgSetting(key, raw);
  } catch (e) {
    throw new Error(`${name} (setting ${key}): ${(e as Error).message.replace(/^Invalid [^:]+: /, '').replace(/ \(example: .*\)$/, '')}`, { cause: e });
  }
}

/**
 * The organization state machine's timeout (lib/organization/organization-monitor.ts runTimeout), which is also how
 * long the run lock lives (the lister's ORG_RUN_TIMEOUT_SECONDS): at least 20 minutes, at most 24 hours. Where none is
 * given (the lister's variable unset, steps run by hand), the longest.
 */
export const ORG_RUN_TIMEOUT_MINUTES = { min: 20, max: 24 * 60, default: 24 * 60 } as const;
const orgRunTimeoutSeconds = integer(ORG_RUN_TIMEOUT_MINUTES.min * 60, ORG_RUN_TIMEOUT_MINUTES.max * 60);

/** The run timeout from a function's environment (`name`), seconds: absent gives the default; out of range is one line. */
export function decodeRunTimeoutSeconds(name: string, raw: string | undefined): number {
  if (isAbsent(raw)) return ORG_RUN_TIMEOUT_MINUTES.default * 60;
  const result = orgRunTimeoutSeconds.safeParse(raw);
  if (!result.success) throw new Error(`${name} (the run timeout, seconds): ${result.error.issues[0].message}`);
  return result.data;
}

/** The README's "Organization mode" context-key table, as markdown. */
export function organizationSettingsTable(): string {
  const rows = ORG_SETTING_KEYS.map((k) => `| \`${k}\` | ${ORG_SETTINGS[k].doc.default} | ${ORG_SETTINGS[k].doc.meaning} |`);
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
