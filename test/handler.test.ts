/**
 * The handler over sequences of runs: a fake scan returns crafted reports, DynamoDB is dynalite on loopback, SNS is
 * aws-sdk-client-mock. Nothing leaves the machine.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { SnsPublisher } from '../lambda/alerting/publish';
import { DynamoStateStore, STATE_PK } from '../lambda/alerting/state-store';
import { LOG, METRICS, type Suppression } from '../lambda/contract';
import { configFromEnv } from '../lambda/handler';
import { createHandler, type LoggerLike, type MetricsLike, type RunDeps } from '../lambda/run/monitor-run';
import { decodeEnvironment, type RunSettings } from '../lib/settings';
import type { OriginReport, OriginTarget, ScanReport } from '../lambda/model';
import { promises as dns } from 'node:dns';
import { runScan, type ScanOptions } from '../lambda/pipeline';
import { DEFAULT_RESOLVER_POLICY } from '../lambda/probe/dns';
import { startDnsServer } from './support/dns-server';
import { after, expiring, finding, notReached, origin, report, T0 } from './alerting/helpers';
import { startDynalite, TEST_CREDENTIALS, type LocalDynamo } from './support/dynalite';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:origin-alerts';
const credentials = TEST_CREDENTIALS;

let local: LocalDynamo;
let doc: DynamoDBDocumentClient;
let tables = 0;

beforeAll(async () => {
  local = await startDynalite();
  doc = local.doc;
});
afterAll(() => local.close());

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

const newTable = () => local.createStateTable(`origin-monitor-state-${++tables}`);

async function stored(table: string): Promise<Record<string, unknown>[]> {
  const out = await doc.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': STATE_PK } }),
  );
  return out.Items ?? [];
}

interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}

/** A monitor over a fresh table, with a clock, a fake scan fed with crafted reports, and captured logs/metrics. */
async function monitor(config: Partial<RunSettings> = {}) {
  const table = await newTable();
  const logs: LogLine[] = [];
  const log = (level: string) => (message: string, ...extra: Record<string, unknown>[]) =>
    logs.push({ level, message, ...Object.assign({}, ...extra) });
  const logger: LoggerLike = { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
  const metricRuns: Record<string, number>[] = [];
  let current: Record<string, number> = {};
  const metrics: MetricsLike = {
    addMetric: (name, _unit, value) => {
      current[name] = value;
    },
    publishStoredMetrics: () => {
      metricRuns.push(current);
      current = {};
    },
  };
  const m = {
    table,
    logs,
    metricRuns,
    now: T0,
    next: report([]) as ScanReport,
    scanCalls: [] as ScanOptions[],
    targets: [] as OriginTarget[],
    /** What the scan's checkWithoutTls13 answered for each target, per run (as a TLS 1.3 origin would ask). */
    tls13Asked: [] as boolean[][],
    deps: undefined as unknown as RunDeps,
    async run(r: ScanReport | OriginReport[], now: Date, context?: Partial<Context>) {
      m.next = Array.isArray(r) ? report(r, { startedAt: now.toISOString() }) : r;
      m.now = now;
      return handler(undefined, context as Context);
    },
    published(): { subject: string; text: string; json: Record<string, any>; input: Record<string, any> }[] {
      return sns.commandCalls(PublishCommand).map((c) => {
        const input = c.args[0].input as Record<string, any>;
        const env = JSON.parse(input.Message);
        return { subject: input.Subject, text: env.email, json: JSON.parse(env.sqs), input };
      });
    },
  };
  m.deps = {
    settings: { ...decodeEnvironment({}), ...config },
    loadTargets: async () => m.targets,
    scan: async (targets, options) => {
      m.scanCalls.push(options);
      const ask = options.checkWithoutTls13;
      m.tls13Asked.push(targets.map((t) => (typeof ask === 'function' ? ask(t) : ask === true)));
      for (const o of m.next.origins) options.onOrigin?.(o);
      return m.next;
    },
    store: new DynamoStateStore(doc, table),
    publisher: new SnsPublisher(new SNSClient({ region: 'us-east-1', credentials }), TOPIC),
    logger,
    metrics,
    now: () => m.now,
    functionName: 'prod-origin-monitor',
  };
  const handler = createHandler(() => m.deps);
  return m;
}

const expired = () => origin({ findings: [finding('CERT_EXPIRED')] });
const refused = () =>
  origin({ originId: 'web', domainName: 'web.example.com', findings: [finding('PORT_REFUSED', { sniName: undefined, port: 443 })] });
const healthy = (originId = 'api-origin') => origin({ originId });

describe('handler over a sequence of runs', () => {
  it('new, confirmation, ongoing, reminder, resolved, flapping', async () => {
    const m = await monitor();

    // Run 1: a new critical finding goes out; the refused port waits for confirmation.
    let res = await m.run([expired(), refused()], T0);
    expect(res).toMatchObject({ origins: 2, news: 1, published: true, messageId: 'msg-1' });
    let sent = m.published();
    expect(sent).toHaveLength(1);
    expect(sent[0].subject).toBe('CloudFront origins: 1 new likely-502');
    expect(sent[0].input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
    });
    expect(sent[0].text).toContain('Waiting for confirmation: 1 reachability finding');
    expect((await stored(m.table)).map((i) => i.sk).sort()).toEqual([
      'E2EXAMPLE/api-origin/api.example.com/CERT_EXPIRED',
      'E2EXAMPLE/web/-/PORT_REFUSED',
    ]);

    // Run 2: the refused port is confirmed (two runs in a row); the expired certificate is not repeated.
    sns.resetHistory();
    res = await m.run([expired(), refused()], after(1));
    sent = m.published();
    expect(sent.map((s) => s.subject)).toEqual(['CloudFront origins: 1 new likely-502']);
    expect(sent[0].json.items.map((i: { code: string }) => i.code)).toEqual(['PORT_REFUSED']);

    // Run 3: nothing new, nothing published.
    sns.resetHistory();
    res = await m.run([expired(), refused()], after(2));
    expect(res).toMatchObject({ news: 0, published: false });
    expect(m.published()).toHaveLength(0);

    // Run at +24 h: the expired certificate is reminded; the port (alerted at +1 h) not yet.
    res = await m.run([expired(), refused()], after(24));
    sent = m.published();
    expect(sent.map((s) => s.subject)).toEqual(['CloudFront origins: 1 still failing']);
    expect(sent[0].text).toContain('STILL FAILING (reminder every 24 h)');

    // Run at +25 h: the certificate was renewed; the port is reminded.
    sns.resetHistory();
    res = await m.run([healthy(), refused()], after(25));
    sent = m.published();
    expect(sent.map((s) => s.subject)).toEqual(['CloudFront origins: 1 still failing, 1 resolved']);
    expect(sent[0].text).toMatch(/RESOLVED\n=+\n\n- Certificate expired \[CERT_EXPIRED\] on E2EXAMPLE \/ api-origin/);
    expect(sent[0].input.MessageAttributes.severity.StringValue).toBe('critical');
    expect((await stored(m.table)).map((i) => i.sk)).toEqual(['E2EXAMPLE/web/-/PORT_REFUSED']);

    // Flapping: resolved once, then the certificate problem comes back as new.
    sns.resetHistory();
    await m.run([healthy(), refused()], after(26));
    expect(m.published()).toHaveLength(0);
    await m.run([expired(), refused()], after(27));
    expect(m.published().map((s) => s.subject)).toEqual(['CloudFront origins: 1 new likely-502']);

    // The port comes back: resolved, with severity info for the subscribers' filters.
    sns.resetHistory();
    await m.run([expired(), healthy('web')], after(28));
    sent = m.published();
    expect(sent.map((s) => s.subject)).toEqual(['CloudFront origins: 1 resolved']);
    expect(sent[0].input.MessageAttributes.severity.StringValue).toBe('info');

    expect(m.metricRuns.every((r) => r[METRICS.SCAN_COMPLETED] === 1)).toBe(true);
  });

  it('a load balancer changing addresses raises nothing new', async () => {
    const m = await monitor();
    await m.run([origin({ findings: [finding('CERT_CHAIN_INCOMPLETE', { address: '203.0.113.10' })] })], T0);
    sns.resetHistory();
    await m.run(
      [origin({ findings: [finding('CERT_CHAIN_INCOMPLETE', { address: '198.51.100.1' }), finding('CERT_CHAIN_INCOMPLETE', { address: '198.51.100.2' })] })],
      after(1),
    );
    expect(m.published()).toHaveLength(0);
  });

  it('sends expiry warnings once per threshold', async () => {
    const m = await monitor();
    const subjects: string[] = [];
    for (const [day, daysLeft] of [[0, 20], [1, 19], [6, 14], [7, 13]] as const) {
      sns.resetHistory();
      await m.run([origin({ findings: [expiring(daysLeft)] })], after(24 * day));
      subjects.push(...m.published().map((s) => `${s.subject} [${s.input.MessageAttributes.severity.StringValue}]`));
    }
    expect(subjects).toEqual([
      'CloudFront origins: cert expiring in 20 days [warning]',
      'CloudFront origins: cert expiring in 14 days [warning]',
    ]);
  });

  it('keeps suppressed findings out of the e-mail but in the logs, and alerts when the suppression expires', async () => {
    const suppressions: Suppression[] = [{ distributionId: 'E2EXAMPLE', code: 'CERT_EXPIRED', until: '2025-06-02T10:00:00Z', reason: 'OPS-1 cert rollout' }];
    const m = await monitor({ suppressions });
    const res = await m.run([expired()], T0);
    expect(res).toMatchObject({ news: 0, published: false });
    expect(m.published()).toHaveLength(0);
    expect(m.logs.find((l) => l.message === LOG.ORIGIN_RESULT)).toMatchObject({ status: 'critical', findingCodes: ['CERT_EXPIRED'] });
    expect(m.logs.find((l) => l.message === 'findings suppressed from alerts')).toBeDefined();
    expect(await stored(m.table)).toHaveLength(1);
    expect(m.metricRuns[0][METRICS.ORIGINS_CRITICAL]).toBe(1);

    await m.run([expired()], after(23));
    expect(m.published()).toHaveLength(0);
    await m.run([expired()], after(24));
    expect(m.published().map((s) => s.subject)).toEqual(['CloudFront origins: 1 new likely-502']);
  });

  it('a publish failure fails the run and leaves the state untouched; the next run sends the same news', async () => {
    const m = await monitor();
    await m.run([expired()], T0);
    const before = await stored(m.table);
    sns.resetHistory();

    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    await expect(m.run([healthy(), origin({ originId: 'b', findings: [finding('CERT_SELF_SIGNED')] })], after(1))).rejects.toThrow(
      /alert digest not published: Rate exceeded/,
    );
    expect(await stored(m.table)).toEqual(before);
    const failed = m.published();
    expect(failed).toHaveLength(1);
    expect(m.logs.some((l) => l.level === 'ERROR' && /state not advanced/.test(l.message))).toBe(true);
    expect(m.metricRuns.at(-1)).toMatchObject({ [METRICS.ALERTS_PUBLISHED]: 0 });
    expect(m.metricRuns.at(-1)?.[METRICS.SCAN_COMPLETED]).toBeUndefined();

    sns.resetHistory();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-2' });
    const res = await m.run([healthy(), origin({ originId: 'b', findings: [finding('CERT_SELF_SIGNED')] })], after(2));
    expect(res.published).toBe(true);
    const retried = m.published();
    expect(retried.map((s) => s.subject)).toEqual([failed[0].subject]);
    expect(retried[0].subject).toBe('CloudFront origins: 1 new likely-502, 1 resolved');
    expect(retried[0].json.items.map((i: { kind: string; code: string }) => `${i.kind}:${i.code}`)).toEqual(
      failed[0].json.items.map((i: { kind: string; code: string }) => `${i.kind}:${i.code}`),
    );
    expect((await stored(m.table)).map((i) => i.sk)).toEqual(['E2EXAMPLE/b/api.example.com/CERT_SELF_SIGNED']);
    expect(m.metricRuns.at(-1)).toMatchObject({ [METRICS.ALERTS_PUBLISHED]: 1, [METRICS.SCAN_COMPLETED]: 1 });
  });
});

describe('the no-TLS-1.3 check (TLS13_ONLY)', () => {
  it('asks each origin at most once a day, keeping the time in the state table, and forgets origins gone', async () => {
    const m = await monitor();
    const t = (key: string) => ({ key, domainName: `${key}.example.com` }) as OriginTarget;
    m.targets = [t('E1/a'), t('E1/b')];
    await m.run([healthy()], T0);
    m.targets = [t('E1/a'), t('E1/b'), t('E1/c')];
    await m.run([healthy()], after(1));
    await m.run([healthy()], after(24));
    expect(m.tls13Asked).toEqual([[true, true], [false, false, true], [true, true, false]]);
    const checks = (await stored(m.table)).filter((i) => String(i.sk).startsWith('#tls13-check#'));
    expect(Object.fromEntries(checks.map((i) => [i.sk, i.checkedAt]))).toEqual({
      '#tls13-check#E1/a': after(24).toISOString(),
      '#tls13-check#E1/b': after(24).toISOString(),
      '#tls13-check#E1/c': after(1).toISOString(),
    });
    m.targets = [t('E1/c')];
    await m.run([healthy()], after(24.1));
    expect(m.tls13Asked[3]).toEqual([false]);
    expect((await stored(m.table)).filter((i) => String(i.sk).startsWith('#tls13-check#')).map((i) => i.sk)).toEqual(['#tls13-check#E1/c']);
  });
});

describe('deadline', () => {
  it('passes runScan a deadline of now + remaining time - margin', async () => {
    const m = await monitor();
    await m.run([healthy()], T0, { getRemainingTimeInMillis: () => 900_000 });
    expect(m.scanCalls[0].deadline).toBe(T0.getTime() + 900_000 - 90_000);
    await m.run([healthy()], T0, { getRemainingTimeInMillis: () => 60_000 });
    expect(m.scanCalls[1].deadline).toBe(T0.getTime() + 60_000 - 20_000);
  });

  it('does not resolve the findings of origins not reached; says so in logs and metrics', async () => {
    const m = await monitor();
    await m.run([expired(), origin({ originId: 'b', findings: [finding('CERT_SELF_SIGNED')] })], T0);
    const before = await stored(m.table);
    sns.resetHistory();
    const incomplete = report([healthy('b'), notReached()], {
      incomplete: { reason: 'the scan deadline was reached', notScanned: ['E2EXAMPLE/api-origin'] },
    });
    const res = await m.run(incomplete, after(1), { getRemainingTimeInMillis: () => 60_000 });
    expect(res).toMatchObject({ incomplete: true, notReached: 1 });
    // b is resolved (it was probed); api-origin's expired certificate is kept as it was.
    expect(m.published().map((s) => s.subject)).toEqual(['CloudFront origins: 1 resolved']);
    expect(await stored(m.table)).toEqual(before.filter((i) => i.sk === 'E2EXAMPLE/api-origin/api.example.com/CERT_EXPIRED'));
    expect(m.metricRuns.at(-1)).toMatchObject({ [METRICS.ORIGINS_NOT_REACHED]: 1, [METRICS.ORIGINS_SKIPPED]: 0, [METRICS.SCAN_COMPLETED]: 1 });
    expect(m.logs.filter((l) => l.message === LOG.SCAN_SUMMARY).at(-1)).toMatchObject({ notReached: 1, skipped: 0 });
    expect(m.logs.some((l) => l.level === 'WARN' && /scan incomplete/.test(l.message))).toBe(true);
  });

  it('reports what was finished when the scan does not return by the deadline', async () => {
    const m = await monitor();
    m.deps.margin = () => 40;
    const targets = [{ key: 'E2EXAMPLE/api-origin' }, { key: 'E2EXAMPLE/slow' }] as OriginTarget[];
    m.deps.loadTargets = async () => targets;
    m.deps.scan = (_t, options) => {
      options.onOrigin?.(expired());
      return new Promise<ScanReport>(() => undefined); // a probe that ignores the deadline
    };
    const res = await m.run([], T0, { getRemainingTimeInMillis: () => 100 });
    // Like runScan's own report: every target is listed, the one not reached as such.
    expect(res).toMatchObject({ origins: 2, notReached: 1, incomplete: true, news: 1, published: true });
    expect(m.logs.some((l) => l.level === 'ERROR' && /did not return by the deadline/.test(l.message))).toBe(true);
    expect(m.published()[0].text).toContain('Not reached: 1 origin');
  });
});

describe('logs and metrics', () => {
  it('writes one origin result per origin with the contract keys, one summary, and the contract metrics', async () => {
    const m = await monitor();
    await m.run(
      [
        expired(),
        origin({ originId: 'warn', findings: [finding('TLS_LEGACY_ONLY')] }),
        healthy('ok'),
        origin({ originId: 's3', status: 'skipped', skippedReason: 'S3 REST origin' }),
      ],
      T0,
    );
    const results = m.logs.filter((l) => l.message === LOG.ORIGIN_RESULT);
    expect(results).toHaveLength(4); // onOrigin and the final report: logged once each
    expect(results[0]).toEqual({
      level: 'INFO',
      message: 'origin result',
      distributionId: 'E2EXAMPLE',
      originId: 'api-origin',
      domainName: 'api.example.com',
      status: 'critical',
      findingCodes: ['CERT_EXPIRED'],
      critical: 1,
      warning: 0,
    });
    expect(m.logs.filter((l) => l.message === LOG.SCAN_SUMMARY)).toEqual([
      { level: 'INFO', message: 'scan summary', origins: 4, ok: 1, warning: 1, critical: 1, skipped: 1, notReached: 0, unchecked: 0, durationMs: 4200 },
    ]);
    expect(m.metricRuns).toEqual([
      {
        [METRICS.SCAN_DURATION]: 4200,
        [METRICS.ORIGINS_OK]: 1,
        [METRICS.ORIGINS_WARNING]: 1,
        [METRICS.ORIGINS_CRITICAL]: 1,
        [METRICS.ORIGINS_SKIPPED]: 1,
        [METRICS.ORIGINS_NOT_REACHED]: 0,
        [METRICS.ORIGINS_UNCHECKED]: 0,
        [METRICS.ALERTS_PUBLISHED]: 1,
        [METRICS.SCAN_COMPLETED]: 1,
      },
    ]);
  });

  it('never logs custom header names or values', async () => {
    const m = await monitor();
    m.deps.loadTargets = async () => [{ key: 'E2EXAMPLE/api-origin', customHeaderNames: ['X-Origin-Verify'] } as OriginTarget];
    await m.run([expired()], T0);
    expect(JSON.stringify(m.logs)).not.toContain('X-Origin-Verify');
    expect(JSON.stringify(m.published())).not.toContain('X-Origin-Verify');
  });

  it('emits EMF with the single service dimension through Powertools Metrics', async () => {
    const m = await monitor();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      m.deps.metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.SERVICE });
      await m.run([expired()], T0);
    } finally {
      spy.mockRestore();
    }
    const emf = lines.map((l) => l.trim()).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    const directive = emf[0]._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe(METRICS.NAMESPACE);
    expect(directive.Dimensions).toEqual([['service']]);
    expect(emf[0].service).toBe(METRICS.SERVICE);
    expect(directive.Metrics.map((x: { Name: string }) => x.Name).sort()).toEqual(
      [
        METRICS.SCAN_COMPLETED,
        METRICS.SCAN_DURATION,
        METRICS.ORIGINS_OK,
        METRICS.ORIGINS_WARNING,
        METRICS.ORIGINS_CRITICAL,
        METRICS.ORIGINS_SKIPPED,
        METRICS.ORIGINS_NOT_REACHED,
        METRICS.ORIGINS_UNCHECKED,
        METRICS.ALERTS_PUBLISHED,
      ].sort(),
    );
    expect(emf[0][METRICS.SCAN_COMPLETED]).toBe(1);
  });
});

describe('a failing resolver (a real DNS server on loopback, the real pipeline)', () => {
  it('is one monitor-health signal, not a likely-502 alert per origin; a missing name still is one', async () => {
    const zone = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`o${i}.flaky.test`, { rcode: 'SERVFAIL' as const }]));
    const server = await startDnsServer(zone);
    try {
      const m = await monitor();
      const target = (name: string): OriginTarget => ({
        key: `E2EXAMPLE/${name}`,
        distributionId: 'E2EXAMPLE',
        originId: name,
        domainName: name,
        protocolPolicy: 'https-only',
        httpPort: 80,
        httpsPort: 443,
        ports: [{ port: 443, tls: true }],
        sniNames: [{ name, source: 'origin-domain', behaviors: ['*'] }],
        allowedVersions: ['TLSv1.2'],
        connectionTimeoutMs: 1000,
        connectionAttempts: 3,
      });
      const targets = [...Object.keys(zone), 'gone.flaky.test'].map(target);
      const resolver = new dns.Resolver({ timeout: 300, tries: 1 });
      resolver.setServers([server.server]);
      m.deps.loadTargets = async () => targets;
      m.deps.scan = (t, options) => runScan(t, { ...options, deps: { resolver }, resolverPolicy: { ...DEFAULT_RESOLVER_POLICY, backoffMs: 5 } });
      await m.run([], T0);
      const res = await m.run([], after(1)); // a reachability finding is confirmed on the second run
      expect(res).toMatchObject({ origins: 21, news: 1, published: true });
      const [digest] = m.published();
      expect(digest.json.items.map((i: { code: string; domainName: string }) => `${i.code} ${i.domainName}`)).toEqual(['DNS_UNRESOLVABLE gone.flaky.test']);
      expect(m.metricRuns.map((r) => r[METRICS.ORIGINS_UNCHECKED])).toEqual([20, 20]);
      const health = m.logs.filter((l) => l.message === LOG.ORIGINS_NOT_CHECKED);
      expect(health).toHaveLength(2); // one line per run, not one per origin
      expect(health[1]).toMatchObject({ level: 'WARN', unchecked: 20, reasons: { 'resolver failed: ESERVFAIL after 4 tries': 20 } });
      const results = m.logs.filter((l) => l.message === LOG.ORIGIN_RESULT && l.status === 'unchecked');
      expect(results).toHaveLength(40);
      expect(results[0]).toMatchObject({ findingCodes: [], uncheckedReason: 'resolver failed: ESERVFAIL after 4 tries' });
      expect(m.logs.filter((l) => l.message === LOG.SCAN_SUMMARY).at(-1)).toMatchObject({ critical: 1, unchecked: 20 });
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('configuration from the environment', () => {
  const base = { ALERT_TOPIC_ARN: TOPIC, STATE_TABLE_NAME: 'state' };

  it('has defaults', () => {
    expect(configFromEnv(base)).toEqual({
      topicArn: TOPIC,
      tableName: 'state',
      settings: {
        profile: 'cloudfront-2025',
        expiryWarningDays: 30,
        reminderHours: 24,
        confirmRuns: 2,
        scanConcurrency: 256,
        suppressions: [],
        distributions: [],
        excludeDistributions: [],
        caFiles: [],
        edgeCheck: true,
      },
    });
  });

  it('reads every variable', () => {
    const c = configFromEnv({
      ...base,
      TLS_PROFILE: 'cloudfront-legacy',
      EXPIRY_WARNING_DAYS: '45',
      REMINDER_HOURS: '12',
      CONFIRM_RUNS: '3',
      SCAN_CONCURRENCY: '16',
      CONNECT_TIMEOUT_MS: '5000',
      DISTRIBUTIONS: 'E1AAAAAAAAAAAA, E2BBBBBBBBBBBB',
      EXCLUDE_DISTRIBUTIONS: 'E3CCCCCCCCCCCC',
      CA_FILES: '/var/task/test-ca.pem,/opt/more.pem',
      SUPPRESSIONS: JSON.stringify([{ distributionId: 'E1AAAAAAAAAAAA', code: 'CERT_EXPIRED', until: '2025-07-01', reason: 'OPS-9' }]),
      EDGE_CHECK: 'false',
    });
    expect(c.settings).toEqual({
      edgeCheck: false,
      profile: 'cloudfront-legacy',
      expiryWarningDays: 45,
      reminderHours: 12,
      confirmRuns: 3,
      scanConcurrency: 16,
      connectTimeoutMs: 5000,
      distributions: ['E1AAAAAAAAAAAA', 'E2BBBBBBBBBBBB'],
      excludeDistributions: ['E3CCCCCCCCCCCC'],
      caFiles: ['/var/task/test-ca.pem', '/opt/more.pem'],
      suppressions: [{ distributionId: 'E1AAAAAAAAAAAA', code: 'CERT_EXPIRED', until: '2025-07-01', reason: 'OPS-9' }],
    });
  });

  it('says everything that is wrong in one line, with the setting and where to change it', () => {
    let message = '';
    try {
      configFromEnv({
        STATE_TABLE_NAME: 'state',
        REMINDER_HOURS: 'daily',
        CONFIRM_RUNS: '0',
        TLS_PROFILE: 'cloudfront-2030',
        SUPPRESSIONS: '[{"distributionId":"E1AAAAAAAAAAAA","until":"soon"}]',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^invalid configuration: /);
    expect(message).toContain('ALERT_TOPIC_ARN is not set');
    expect(message).toContain('REMINDER_HOURS (setting reminderHours): "daily" is not an integer from 1 to 720');
    expect(message).toContain('CONFIRM_RUNS (setting confirmRuns): 0 is not an integer from 1 to 10');
    expect(message).toContain('TLS_PROFILE (setting profile): "cloudfront-2030" is not one of cloudfront-2025, cloudfront-legacy');
    expect(message).toContain('SUPPRESSIONS (setting suppressions): item 0 (E1AAAAAAAAAAAA): until "soon" is not an ISO date');
    expect(message).toContain('cdk deploy -c suppressions=...');
    expect(() => configFromEnv({ ...base, SUPPRESSIONS: '{oops' })).toThrow(/SUPPRESSIONS \(setting suppressions\): "\{oops" is not valid JSON/);
  });

  it.each<[string, RegExp]>([
    // A console edit with a misspelt key would otherwise widen the suppression to the whole distribution.
    ['[{"distributionId":"E1AAAAAAAAAAAA","originID":"api","until":"2030-01-01","reason":"r"}]', /item 0 \(E1AAAAAAAAAAAA\) has unknown key "originID"/],
    ['[{"distributionId":"E1AAAAAAAAAAAA","code":"CERT_EXPRIED","until":"2030-01-01","reason":"r"}]', /code "CERT_EXPRIED" is not a finding code/],
    ['[{"distributionId":"E1AAAAAAAAAAAA","until":"2030-02-30","reason":"r"}]', /until "2030-02-30" is not an ISO date/],
  ])('a suppression edited in the console is checked as strictly as at synth: %s', (raw, problem) => {
    expect(() => configFromEnv({ ...base, SUPPRESSIONS: raw })).toThrow(problem);
  });

  it('a bad environment fails each invocation with that message, not the module import', async () => {
    const { handler } = await import('../lambda/handler');
    const saved = { ...process.env };
    delete process.env.ALERT_TOPIC_ARN;
    const out: string[] = [];
    const capture = (chunk: string | Uint8Array) => (out.push(String(chunk)), true);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const writeErr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await expect(handler(undefined, undefined as unknown as Context)).rejects.toThrow(/ALERT_TOPIC_ARN is not set/);
      expect(out.join('')).toContain('invalid configuration: ALERT_TOPIC_ARN is not set');
    } finally {
      write.mockRestore();
      writeErr.mockRestore();
      process.env = saved;
    }
  });
});
