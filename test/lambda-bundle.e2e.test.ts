/**
 * The deployable artifact end to end (issue #4): the esbuild bundle that the CDK's NodejsFunction bundling produces
 * for the stack, run in a child process as Lambda would run it (its `index.handler`, the template's environment,
 * CA_FILES for the extra root: NODE_EXTRA_CA_CERTS does not count), against local fakes on loopback:
 *
 *   CloudFront API (test/support/fake-cloudfront-api.ts)  <- AWS_ENDPOINT_URL_CLOUDFRONT
 *   SNS (test/support/fake-sns.ts, awsQuery as the SDK speaks it)  <- AWS_ENDPOINT_URL_SNS
 *   DynamoDB: dynalite, with the table the template defines  <- AWS_ENDPOINT_URL_DYNAMODB
 *   origins: the demo fleet, named `<id>.origins.localhost` (RFC 6761: resolved to 127.0.0.1 and ::1 with no DNS)
 *     and listening dual-stack, so the Lambda needs no resolver override; the origins are IpAddressType dualstack.
 *
 * Asserts the e-mail it publishes, its logs and metrics, then a second process (the state in dynalite) after the
 * expired certificate is renewed: the RESOLVED e-mail. Nothing leaves loopback.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import type { AttributeDefinition, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { startFleet, type Fleet } from '../demo/fleet';
import { ENV, LOG, METRICS } from '../lambda/contract';
import { CloudFrontOriginMonitorStack } from '../lib/origin-monitor-stack';
import { DEMO_HEADER_SECRET, DISTRIBUTION_ID, demoInventory } from '../demo/run';
import { hermeticChildEnv } from './support/aws-env';
import { startDynalite, type LocalDynamo } from './support/dynalite';
import { startFakeCloudFront, type FakeCloudFront } from './support/fake-cloudfront-api';
import { startFakeSns, type FakeSns } from './support/fake-sns';

const ALIAS = 'www.shop.test';
const FUNCTION_NAME = 'CloudFrontOriginMonitor-MonitorFunction-E2E';
const TABLE_NAME = 'CloudFrontOriginMonitor-MonitorStateTable-E2E';
const REGION = 'us-east-1';
/** Left out of the served inventory: `firewalled` listens on IPv4 only (and costs a connect timeout);
 * `retired-api` is named under `.test`, which only real DNS could answer. */
const LEFT_OUT = new Set(['firewalled', 'retired-api']);

interface Synthesized {
  bundleFile: string;
  exportName: string;
  environment: Record<string, string>;
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
}

type Resource = { Type: string; Properties: Record<string, any> };

/** Synthesizes the stack as bin/ does (local esbuild bundling) and finds the function's bundle and settings. */
function synthesize(outdir: string): Synthesized {
  const app = new App({ outdir });
  new CloudFrontOriginMonitorStack(app, 'CloudFrontOriginMonitor', { env: { account: '123456789012', region: REGION } });
  const assembly = app.synth();
  const stack = assembly.getStackByName('CloudFrontOriginMonitor');
  const resources = Object.values(stack.template.Resources as Record<string, Resource>);
  const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
  const tables = resources.filter((r) => r.Type === 'AWS::DynamoDB::Table');
  if (functions.length !== 1 || tables.length !== 1) throw new Error('expected one function and one table in the template');
  const fn = functions[0].Properties;

  // The function's Code is the S3 object of a file asset; the assets manifest says which directory it was built in.
  const s3Key: string = fn.Code.S3Key;
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const asset = Object.values(manifest.files).find((f) => Object.values(f.destinations).some((d) => d.objectKey === s3Key));
  if (!asset || asset.source.packaging !== 'zip') throw new Error(`no zip asset for the function's code ${s3Key}`);
  const [file, exportName] = (fn.Handler as string).split('.');
  const bundleFile = join(outdir, asset.source.path, `${file}.js`);
  if (!existsSync(bundleFile)) throw new Error(`the function's bundle is missing: ${bundleFile}`);

  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.Environment.Variables as Record<string, unknown>)) {
    if (typeof v === 'string') environment[k] = v;
    else if (k !== ENV.TOPIC_ARN && k !== ENV.TABLE_NAME) throw new Error(`unexpected deploy-time value for ${k}: ${JSON.stringify(v)}`);
  }
  return {
    bundleFile,
    exportName,
    environment,
    keySchema: tables[0].Properties.KeySchema,
    attributeDefinitions: tables[0].Properties.AttributeDefinitions,
  };
}

/** What Lambda's Node.js runtime does, in short: require the handler module, call it with an event and a context. */
const RUNNER = `
const { writeFileSync } = require('node:fs');
const [bundle, exportName, resultFile] = process.argv.slice(2);
const started = Date.now();
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const context = {
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + name,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: 'e2e-request-' + process.pid,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, 120000 - (Date.now() - started)),
  done() {}, fail() {}, succeed() {},
};
const event = { version: '0', id: 'e2e', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
Promise.resolve()
  .then(() => require(bundle)[exportName](event, context))
  .then(
    (result) => { writeFileSync(resultFile, JSON.stringify(result)); process.exit(0); },
    (err) => { process.stderr.write('handler failed: ' + (err && err.stack || err) + '\\n'); process.exit(1); },
  );
`;

interface Invocation {
  code: number | null;
  stdout: string;
  stderr: string;
  result?: Record<string, unknown>;
  /** stdout's JSON lines. */
  lines: Record<string, any>[];
}

let dir: string;
let synth: Synthesized;
let fleet: Fleet;
let api: FakeCloudFront;
let sns: FakeSns;
let dynamo: LocalDynamo;
let invocations = 0;

function invoke(): Promise<Invocation> {
  invocations += 1;
  const resultFile = join(dir, `result-${invocations}.json`);
  const env: Record<string, string> = {
    // Nothing from this machine's AWS configuration (no shared files, profile, role, instance metadata...).
    ...hermeticChildEnv(),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    ...synth.environment,
    [ENV.TOPIC_ARN]: sns.topicArn,
    [ENV.TABLE_NAME]: TABLE_NAME,
    // Alert on the first failing run (the stack's default is 2 consecutive runs).
    [ENV.CONFIRM_RUNS]: '1',
    // The demo distribution's domain is not on loopback: no edge check from the child (the stack's default is on;
    // test/edge/ runs it against a fake edge).
    [ENV.EDGE_CHECK]: 'false',
    // What Lambda sets.
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FUNCTION_NAME}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]e2e',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key',
    // Lambda gives the function temporary credentials; these are fake, not this machine's.
    AWS_SESSION_TOKEN: 'fake-session-token',
    // The extra trusted root, named explicitly (the trust store ignores NODE_EXTRA_CA_CERTS).
    [ENV.CA_FILES]: fleet.caFile,
    // The local fakes.
    AWS_ENDPOINT_URL_CLOUDFRONT: api.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    // The SDK's notice about Node versions (the tests may run on Node 20; Lambda runs 24).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const child = spawn(process.execPath, [join(dir, 'runner.cjs'), synth.bundleFile, synth.exportName, resultFile], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, any>];
          } catch {
            return [];
          }
        });
      const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>) : undefined;
      resolve({ code, stdout, stderr, lines, ...(result ? { result } : {}) });
    });
  });
}

const emailOf = (i: number) => JSON.parse(sns.published[i].message) as Record<string, string>;
const failure = (run: Invocation) => ({ code: run.code, stderr: run.stderr.slice(-4000), stdout: run.stdout.slice(-4000) });

let first: Invocation;
let second: Invocation;
let firstPublished: number;
let firstPublishRequests: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cfom-bundle-'));
  writeFileSync(join(dir, 'runner.cjs'), RUNNER);
  [synth, fleet, sns, dynamo] = await Promise.all([
    Promise.resolve().then(() => synthesize(join(dir, 'cdk.out'))),
    startFleet({ domain: 'origins.localhost', host: '::' }),
    startFakeSns(),
    startDynalite(),
  ]);

  // The demo account's distribution, over the fleet.
  const [distribution] = demoInventory(fleet).DistributionList.Items;
  // Dual-stack origins (CustomOriginConfig.IpAddressType, default ipv4): CloudFront, so the scan, uses both addresses.
  const origins = distribution.Origins.Items.filter((o) => !LEFT_OUT.has(o.Id)).map((o) =>
    'CustomOriginConfig' in o && o.CustomOriginConfig ? { ...o, CustomOriginConfig: { ...o.CustomOriginConfig, IpAddressType: 'dualstack' } } : o,
  );
  const behaviors = distribution.CacheBehaviors.Items.filter((b) => !LEFT_OUT.has(b.TargetOriginId));
  const served = {
    ...distribution,
    Origins: { Quantity: origins.length, Items: origins },
    CacheBehaviors: { Quantity: behaviors.length, Items: behaviors },
  };
  api = await startFakeCloudFront({ distributions: [served as unknown as DistributionSummary] });

  // dynalite with the table the stack defines.
  await dynamo.createTable(TABLE_NAME, synth.keySchema, synth.attributeDefinitions);

  first = await invoke();
  firstPublished = sns.published.length;
  firstPublishRequests = sns.requests.filter((r) => r.params.Action === 'Publish').length;
  if (process.env.CFOM_E2E_DUMP) writeFileSync(process.env.CFOM_E2E_DUMP, JSON.stringify({ first, published: sns.published }, null, 2));
  await fleet.renew('expired');
  second = await invoke();
}, 90_000);

afterAll(async () => {
  await api?.close();
  await sns?.close();
  await fleet?.close();
  await dynamo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Lambda bundle cdk synth produces, run against local fakes', () => {
  it('synth: the function code is the NodejsFunction asset, pk/sk table, contract environment', () => {
    expect(synth.bundleFile).toMatch(/asset\.[0-9a-f]{64}\/index\.js$/);
    expect(synth.exportName).toBe('handler');
    expect(synth.keySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(synth.environment).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_METRICS_NAMESPACE: METRICS.NAMESPACE, [ENV.EDGE_CHECK]: 'true' });
  });

  it('the bundle carries the settings schema (zod) but not the synth-only cron checker (cron-validate and its yup)', () => {
    const code = readFileSync(synth.bundleFile, 'utf8');
    expect(code).toContain('unrecognized_keys'); // zod, for the strict suppressions
    expect(code).toContain('require("cron-validate")'); // external, and only required when a cron schedule is validated
    expect(code).not.toMatch(/\byup\b|allowOnlyOneBlankDayField/); // yup, and cron-validate's own code
    // 1.29 MB with the X.509 library the chain checks parse extensions with (asn1js + @peculiar/asn1-schema/-x509,
    // about 100 KB of it); the chained zod build alone would add ~450 KB.
    expect(code.length).toBeLessThan(1_400_000);
  });

  it('run 1 exits 0, reads the CloudFront API and publishes exactly one digest', () => {
    expect(failure(first)).toMatchObject({ code: 0 });
    expect(first.result).toMatchObject({ published: true, incomplete: false, notReached: 0 });
    expect(api.requests.some((r) => r.startsWith('GET /2020-05-31/distribution'))).toBe(true);
    expect(firstPublished).toBe(1);
    expect(firstPublishRequests).toBe(1);
    expect(sns.published[0]).toMatchObject({ topicArn: sns.topicArn, messageStructure: 'json', messageId: first.result?.messageId });
  });

  it('the subject names the count of likely-502 findings, in at most 100 characters', () => {
    const { subject } = sns.published[0];
    expect(subject).toBeDefined();
    expect(subject!.length).toBeLessThanOrEqual(100);
    const digest = JSON.parse(emailOf(0).sqs) as { items: { kind: string; severity: string }[] };
    const critical = digest.items.filter((i) => i.kind === 'new' && i.severity === 'critical').length;
    expect(critical).toBeGreaterThanOrEqual(10);
    expect(subject).toContain(`${critical} new likely-502`);
    expect(subject).toBe(first.result?.subject);
  });

  it('the e-mail names each failure of the fleet, the distribution, the alias, the fix and an openssl check', () => {
    const envelope = emailOf(0);
    expect(envelope.email).toBe(envelope.default);
    const text = envelope.email;
    for (const code of [
      'CERT_EXPIRED',
      'CERT_NOT_YET_VALID',
      'CERT_SELF_SIGNED',
      'CERT_UNTRUSTED_ROOT',
      'CERT_CHAIN_INCOMPLETE',
      'CERT_CHAIN_ORDER',
      'CERT_NAME_MISMATCH',
      'PORT_REFUSED',
      'TLS_NO_COMMON_PROTOCOL',
      'TLS_NO_COMMON_CIPHER',
      'TLS_HANDSHAKE_FAILED',
    ]) {
      expect({ code, found: text.includes(code) }).toEqual({ code, found: true });
    }
    expect(text).toContain(DISTRIBUTION_ID);
    expect(text).toContain(ALIAS);
    expect(text).toContain('expired.origins.localhost');
    expect(text).toMatch(/fix:/i);
    expect(text).toMatch(/openssl s_client -connect \S+ -servername \S+/);
    // The viewer's Host forwarded by /app/*: the healthy server's certificate does not cover it.
    expect(text).toMatch(new RegExp(`CERT_NAME_MISMATCH[\\s\\S]*${ALIAS.replace(/\./g, '\\.')}`));
    expect(text).toContain(FUNCTION_NAME);
  });

  it('each item names every address it holds on (the origins listen on 127.0.0.1 and ::1)', () => {
    const sqs = JSON.parse(emailOf(0).sqs) as { items: { code: string; originId?: string; addresses: string[] }[] };
    expect(sqs.items.find((i) => i.originId === 'expired')?.addresses).toEqual(['127.0.0.1', '::1']);
    expect(emailOf(0).email).toMatch(/Origin: +expired -> [^\n]+\n(?: +[^\n]*\n)*? +Addresses: +127\.0\.0\.1, ::1\n/);
  });

  it('the machine-readable parts: sqs JSON, the severity attribute', () => {
    const envelope = emailOf(0);
    const sqs = JSON.parse(envelope.sqs) as { type: string; worstSeverity: string; items: { code: string; distributionId?: string }[] };
    expect(sqs.type).toBe('cloudfront-origin-monitor.digest');
    expect(sqs.worstSeverity).toBe('critical');
    expect(sqs.items.map((i) => i.code)).toEqual(expect.arrayContaining(['CERT_EXPIRED', 'PORT_REFUSED']));
    expect(new Set(sqs.items.map((i) => i.distributionId))).toEqual(new Set([DISTRIBUTION_ID]));
    expect(sns.published[0].messageAttributes).toEqual({ severity: { dataType: 'String', stringValue: 'critical' } });
  });

  it('the custom header value reaches neither SNS nor the logs', () => {
    for (const r of sns.requests) expect(r.body).not.toContain(DEMO_HEADER_SECRET);
    for (const run of [first, second]) {
      expect(run.stdout).not.toContain(DEMO_HEADER_SECRET);
      expect(run.stderr).not.toContain(DEMO_HEADER_SECRET);
    }
  });

  it('logs: Powertools JSON lines per origin and a summary; EMF metrics with ScanCompleted', () => {
    // Nothing on stderr: Powertools warns there when a log line uses one of its reserved keys (and drops it).
    expect(first.stderr).toBe('');
    expect(first.lines[0]).toMatchObject({ message: 'scan starting', cold_start: true, function_request_id: expect.stringMatching(/^e2e-request-/) });
    const item = first.lines.find((l) => l.message === 'alert item' && l.originId === 'expired');
    expect(item).toMatchObject({ code: 'CERT_EXPIRED', findingMessage: expect.stringContaining('expired on') });
    const results = first.lines.filter((l) => l.message === LOG.ORIGIN_RESULT);
    expect(results.length).toBe(fleet.origins.filter((o) => !LEFT_OUT.has(o.id)).length + 2); // + app-forwarding-host, assets-bucket
    for (const l of results) {
      expect(l).toMatchObject({ level: 'INFO', service: METRICS.SERVICE, distributionId: DISTRIBUTION_ID, function_name: FUNCTION_NAME });
    }
    expect(results.find((l) => l.originId === 'expired')).toMatchObject({ status: 'critical', findingCodes: expect.arrayContaining(['CERT_EXPIRED']) });
    expect(results.find((l) => l.originId === 'healthy')).toMatchObject({ status: 'ok', findingCodes: [] });
    const summary = first.lines.find((l) => l.message === LOG.SCAN_SUMMARY);
    expect(summary).toMatchObject({ origins: results.length, notReached: 0, skipped: 1 });
    expect(summary!.critical).toBeGreaterThanOrEqual(10);

    const emf = first.lines.filter((l) => l._aws?.CloudWatchMetrics);
    expect(emf).toHaveLength(1);
    const [blob] = emf;
    expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS.NAMESPACE);
    expect(blob._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(blob.service).toBe(METRICS.SERVICE);
    expect(blob[METRICS.SCAN_COMPLETED]).toBe(1);
    expect(blob[METRICS.ALERTS_PUBLISHED]).toBe(1);
    expect(blob[METRICS.ORIGINS_CRITICAL]).toBe(summary!.critical);
  });

  it('run 2, another process, after the expired certificate is renewed: one RESOLVED e-mail (state kept in dynalite)', () => {
    expect(failure(second)).toMatchObject({ code: 0, stderr: '' });
    expect(sns.published).toHaveLength(2);
    const { subject } = sns.published[1];
    expect(subject).toBe('CloudFront origins: 1 resolved');
    const text = emailOf(1).email;
    expect(text).toContain('RESOLVED');
    expect(text).toContain('CERT_EXPIRED');
    expect(text).toContain('expired.origins.localhost');
    expect(text).not.toContain('CERT_SELF_SIGNED');
    const emf = second.lines.find((l) => l._aws?.CloudWatchMetrics);
    expect(emf?.[METRICS.SCAN_COMPLETED]).toBe(1);
  });
});
