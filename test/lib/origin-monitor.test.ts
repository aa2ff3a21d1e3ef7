import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV, LOG, METRICS } from '../../lambda/contract';
import { ConfigError } from '../../lib/settings';
import { CloudFrontOriginMonitor, nagAcknowledgements, STATE_TABLE_ACTIONS, type CloudFrontOriginMonitorProps } from '../../lib/origin-monitor';
import { CloudFrontOriginMonitorStack } from '../../lib/origin-monitor-stack';

const ENVIRONMENT = { account: '123456789012', region: 'eu-west-1' };

/** A stack without bundling (for the variants: bundling is tested once, on the default stack). */
function variant(props: CloudFrontOriginMonitorProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CloudFrontOriginMonitorStack(app, 'Variant', { env: ENVIRONMENT, monitor: props });
  return Template.fromStack(stack);
}

function ref(logicalIdPrefix: string, template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(logicalIdPrefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('CloudFrontOriginMonitorStack (defaults, bundled with local esbuild)', () => {
  let app: App;
  let stack: CloudFrontOriginMonitorStack;
  let template: Template;
  let topicId: string;
  let keyId: string;

  beforeAll(() => {
    app = new App();
    stack = new CloudFrontOriginMonitorStack(app, 'CloudFrontOriginMonitor', {
      env: ENVIRONMENT,
      monitor: { alertEmails: ['ops@example.com', 'oncall@example.org'] },
    });
    template = Template.fromStack(stack);
    topicId = ref('MonitorAlertTopic', template, 'AWS::SNS::Topic');
    keyId = ref('MonitorTopicKey', template, 'AWS::KMS::Key');
  });

  test('schedule: rate(15 minutes) targeting the function', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorFunction'), 'Arn'] } })],
    });
  });

  test('function: nodejs24.x, arm64, 300 s, 512 MB, source maps, log group, contract environment', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      MemorySize: 512,
      ReservedConcurrentExecutions: Match.absent(),
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^MonitorLogGroup') } },
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: METRICS.SERVICE,
          POWERTOOLS_METRICS_NAMESPACE: METRICS.NAMESPACE,
          [ENV.TOPIC_ARN]: { Ref: topicId },
          [ENV.TABLE_NAME]: { Ref: Match.stringLikeRegexp('^MonitorStateTable') },
          [ENV.PROFILE]: 'cloudfront-2025',
          [ENV.EXPIRY_WARNING_DAYS]: '30',
          [ENV.REMINDER_HOURS]: '24',
          [ENV.CONFIRM_RUNS]: '2',
          [ENV.SUPPRESSIONS]: '[]',
          [ENV.DISTRIBUTIONS]: '',
          [ENV.EXCLUDE_DISTRIBUTIONS]: '',
          [ENV.CONCURRENCY]: '256',
        },
      },
    });
    // Unset: each origin's own connection timeout applies.
    const vars = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(vars).not.toHaveProperty(ENV.CONNECT_TIMEOUT_MS);
    // Async retries off: the next scheduled run is the retry.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  test('the code asset is a local esbuild bundle (minified, with a source map)', () => {
    const fs = require('fs') as typeof import('fs');
    const path = require('path') as typeof import('path');
    const assembly = app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    const zips = Object.values(manifest.files as Record<string, { source: { path: string; packaging: string } }>).filter(
      (f) => f.source.packaging === 'zip',
    );
    expect(zips).toHaveLength(1);
    const dir = path.join(assembly.directory, zips[0].source.path);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000); // minified: few, very long lines
  });

  test('IAM: exactly the actions the scan needs, no managed policies', () => {
    const roles = template.findResources('AWS::IAM::Role');
    const fnRole = Object.values(roles).find((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    )!;
    expect(fnRole.Properties.ManagedPolicyArns).toBeUndefined();

    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]) as string[]).sort();
    expect(actions).toEqual(
      [
        'acm:DescribeCertificate',
        'cloudfront:GetVpcOrigin',
        'cloudfront:GetCachePolicy',
        'cloudfront:GetContinuousDeploymentPolicy',
        'cloudfront:GetDistributionConfig',
        'cloudfront:GetDistributionTenant',
        'cloudfront:GetOriginRequestPolicy',
        'cloudfront:ListDistributionTenants',
        'cloudfront:ListDistributions',
        'cloudfront:ListDistributionsByConnectionMode',
        'dynamodb:BatchWriteItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
      ].sort(),
    );
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);

    // The only Resource "*" are the account-wide listings (ListDistributions supports no scoping).
    const star = statements.filter((s) => s.Resource === '*');
    expect(star).toEqual([
      expect.objectContaining({
        Action: ['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants'],
      }),
    ]);
    // Staging and tenant look-ups: each action on its own resource type of this account.
    expect(JSON.stringify(statements.find((s) => s.Sid === 'ReadStagingAndTenants')!.Resource)).toBe(
      JSON.stringify(
        ['distribution', 'continuous-deployment-policy', 'distribution-tenant'].map((r) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudfront::123456789012:${r}/*`]],
        })),
      ),
    );
    // Origin mTLS client certificates and VPC origins: each action on its own resource type of this account.
    expect(JSON.stringify(statements.find((s) => s.Sid === 'ReadOriginResources')!.Resource)).toBe(
      JSON.stringify([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':acm:us-east-1:123456789012:certificate/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::123456789012:vpcorigin/*']] },
      ]),
    );
    const cfPolicies = statements.find((s) => s.Sid === 'ReadOriginPolicies')!;
    expect(JSON.stringify(cfPolicies.Resource)).toBe(
      JSON.stringify([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::123456789012:cache-policy/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::123456789012:origin-request-policy/*']] },
      ]),
    );
    expect(statements.find((s) => s.Sid === 'PublishAlerts')!.Resource).toEqual({ Ref: topicId });
    expect(statements.find((s) => s.Sid === 'EncryptAlerts')!.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(statements.find((s) => s.Sid === 'WriteOwnLogs')!.Resource).toEqual({
      'Fn::GetAtt': [ref('MonitorLogGroup', template, 'AWS::Logs::LogGroup'), 'Arn'],
    });
    // DynamoDB: one statement, exactly the state store's calls (Query to load, BatchWriteItem to put and delete), on
    // the table alone (no index ARN).
    const ddb = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(ddb).toEqual([
      {
        Sid: 'AlertState',
        Effect: 'Allow',
        Action: expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchWriteItem']),
        Resource: { 'Fn::GetAtt': [ref('MonitorStateTable', template, 'AWS::DynamoDB::Table'), 'Arn'] },
      },
    ]);
    expect(ddb[0].Action).toHaveLength(2);
  });

  test('IAM: the DynamoDB actions granted are the commands the Lambda sends (drift guard over lambda/)', () => {
    const fs = require('fs') as typeof import('fs');
    const path = require('path') as typeof import('path');
    // Document-client and low-level command names -> the IAM action each needs.
    const ACTION: Record<string, string> = {
      Query: 'dynamodb:Query',
      Scan: 'dynamodb:Scan',
      Get: 'dynamodb:GetItem',
      GetItem: 'dynamodb:GetItem',
      Put: 'dynamodb:PutItem',
      PutItem: 'dynamodb:PutItem',
      Update: 'dynamodb:UpdateItem',
      UpdateItem: 'dynamodb:UpdateItem',
      Delete: 'dynamodb:DeleteItem',
      DeleteItem: 'dynamodb:DeleteItem',
      BatchGet: 'dynamodb:BatchGetItem',
      BatchGetItem: 'dynamodb:BatchGetItem',
      BatchWrite: 'dynamodb:BatchWriteItem',
      BatchWriteItem: 'dynamodb:BatchWriteItem',
      TransactGet: 'dynamodb:TransactGetItems',
      TransactGetItems: 'dynamodb:TransactGetItems',
      TransactWrite: 'dynamodb:TransactWriteItems',
      TransactWriteItems: 'dynamodb:TransactWriteItems',
      DescribeTable: 'dynamodb:DescribeTable',
      ExecuteStatement: 'dynamodb:PartiQLSelect',
    };
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        // The organization's functions have their own roles (test/organization/organization-monitor.test.ts).
        if (e.isDirectory() && p !== path.join(__dirname, '..', '..', 'lambda', 'organization')) walk(p);
        else if (e.name.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.join(__dirname, '..', '..', 'lambda'));
    const used = new Set<string>();
    for (const file of files) {
      const src = fs.readFileSync(file, 'utf8');
      const imports = [...src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(?:lib|client)-dynamodb'/g)];
      for (const m of imports) {
        for (const name of m[1].split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
          const command = /^(\w+)Command$/.exec(name);
          if (command) used.add(ACTION[command[1]] ?? `unmapped ${name} in ${path.relative(__dirname, file)}`);
        }
      }
    }
    expect([...used].sort()).toEqual([...STATE_TABLE_ACTIONS].sort());
  });

  test('topic: KMS-encrypted, TLS enforced, CloudWatch may publish, e-mail subscriptions', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org' });
  });

  test('KMS key: rotation on, CloudWatch alarms may use it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('table: pk/sk strings, on demand, PITR, encrypted, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  test('log group: 30 days', () => {
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  test('alarm: function errors >= 1 in a schedule period, to the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^MonitorFunction') } }],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });

  test('alarm: no scan completed within two schedule periods (missing data breaches), to the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS.NAMESPACE,
      MetricName: METRICS.SCAN_COMPLETED,
      Dimensions: [{ Name: 'service', Value: METRICS.SERVICE }],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('alarm: any origin not checked (resolver failed or probe threw: one monitor-health alert, not one per origin), to the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS.NAMESPACE,
      MetricName: METRICS.ORIGINS_UNCHECKED,
      Dimensions: [{ Name: 'service', Value: METRICS.SERVICE }],
      Statistic: 'Maximum',
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp(`resolver failed for them, their probe failed, or what checking them needs was not read.*not the origins'.*What to do: .*read the warning line "${LOG.ORIGINS_NOT_CHECKED}"`),
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });

  test('dashboard: origin status metrics, scan duration, Logs Insights findings table', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const m of [METRICS.ORIGINS_OK, METRICS.ORIGINS_WARNING, METRICS.ORIGINS_CRITICAL, METRICS.SCAN_DURATION]) {
      expect(body).toContain(`\\"${m}\\"`);
    }
    expect(body).toContain('\\"service\\",\\"cloudfront-origin-monitor\\"');
    expect(body).toContain('\\"type\\":\\"log\\"');
    expect(body).toContain(`filter message = \\\\\\"${LOG.ORIGIN_RESULT}\\\\\\"`);
    for (const f of ['distributionId', 'originId', 'domainName', 'status', 'findingCodes']) expect(body).toContain(f);
    expect(body).toContain('\\"view\\":\\"table\\"');
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding (errors or warnings)', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  test('cdk-nag acknowledgements: only the documented IAM5 wildcards, each with a reason, on the Lambda role', () => {
    const acks = nagAcknowledgements(stack);
    expect(acks.map((a) => a.id)).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:cache-policy/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:origin-request-policy/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:distribution/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:continuous-deployment-policy/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:distribution-tenant/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:acm:us-east-1:123456789012:certificate/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::123456789012:vpcorigin/*]',
    ]);
    for (const a of acks) expect(a.reason.length).toBeGreaterThan(40);
    expect(nagAcknowledgements(new Stack()).map((a) => a.id)[1]).toBe(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:cache-policy/*]',
    );
    const acked = stack.monitor.role.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(acked.length).toBeGreaterThan(0);
    // Nothing else in the tree is acknowledged.
    const elsewhere = stack.node
      .findAll()
      .filter((c) => c !== stack.monitor.role && c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(elsewhere.map((c) => c.node.path)).toEqual([]);
  });

  test('no configuration warning when e-mails are given', () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alertEmails'))).toEqual([]);
  });
});

describe('cdk-nag registered on the app (as bin/ does) passes synth; an unacknowledged finding would fail it', () => {
  test('monitor stack synthesizes with the plugin', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new CloudFrontOriginMonitorStack(app, 'M', { env: ENVIRONMENT });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('control: a wildcard policy in another stack fails synth', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const other = new Stack(app, 'Other', { env: ENVIRONMENT });
    const iam = require('aws-cdk-lib/aws-iam') as typeof import('aws-cdk-lib/aws-iam');
    const role = new iam.Role(other, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const out = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => app.synth()).toThrow();
    } finally {
      log.mockRestore();
      out.mockRestore();
    }
  });
});

describe('props variants (no bundling)', () => {
  test('custom schedule, sizes, retention, reserved concurrency, scan settings', () => {
    const t = variant({
      alertEmails: ['ops@example.com'],
      schedule: 'rate(1 hour)',
      timeoutSeconds: 600,
      memorySize: 1024,
      logRetentionDays: 90,
      reservedConcurrency: 1,
      connectTimeoutMs: 5000,
      scanConcurrency: 16,
      profile: 'cloudfront-legacy',
      distributions: ['E2QWRUHAPOMQZL'],
      suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2099-01-01', reason: 'migration' }],
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 600,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [ENV.CONNECT_TIMEOUT_MS]: '5000',
          [ENV.CONCURRENCY]: '16',
          [ENV.PROFILE]: 'cloudfront-legacy',
          [ENV.DISTRIBUTIONS]: 'E2QWRUHAPOMQZL',
          [ENV.SUPPRESSIONS]: JSON.stringify([{ distributionId: 'E2QWRUHAPOMQZL', until: '2099-01-01', reason: 'migration' }]),
        }),
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRICS.SCAN_COMPLETED, Period: 3600, EvaluationPeriods: 2 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Period: 3600 });
  });

  test('a 3-day rate: one-day alarm periods covering two schedule periods (within the 7-day limit)', () => {
    const t = variant({ schedule: 'rate(3 days)' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.SCAN_COMPLETED,
      Period: 86400,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 6,
    });
  });

  test('a 1-minute rate: 60 s alarm period', () => {
    const t = variant({ schedule: 'rate(1 minute)', timeoutSeconds: 60 });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRICS.SCAN_COMPLETED, Period: 60, EvaluationPeriods: 2 });
  });

  test('cron with scheduleMinutes', () => {
    const t = variant({ schedule: 'cron(0 6 ? * MON-FRI *)', scheduleMinutes: 4320 });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 ? * MON-FRI *)' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRICS.SCAN_COMPLETED, Period: 86400, EvaluationPeriods: 6 });
  });

  test('removalPolicy DESTROY applies to table, log group and key', () => {
    const { RemovalPolicy } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const t = variant({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      t.hasResource(type, { DeletionPolicy: 'Delete' });
    }
  });

  test('no alertEmails: synth works, with a warning that no one will be e-mailed', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CloudFrontOriginMonitorStack(app, 'NoMail', { env: ENVIRONMENT });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 0);
    Annotations.fromStack(stack).hasWarning('/NoMail/Monitor', Match.stringLikeRegexp('no one will be e-mailed'));
  });

  test.each<[CloudFrontOriginMonitorProps, RegExp]>([
    [{ expiryWarningDays: 0 }, /^Invalid expiryWarningDays: 0 is not an integer from 1 to 365/],
    [{ alertEmails: ['ops'] }, /^Invalid alertEmails: "ops" is not an e-mail address/],
    [{ schedule: 'rate(15 mins)' }, /^Invalid schedule: /],
    [{ profile: 'chrome' }, /^Invalid profile: /],
    [{ distributions: ['abc'] }, /^Invalid distributions: /],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', until: '2030-01-01', reason: '' }] }, /^Invalid suppressions: /],
    [{ logRetentionDays: 2 }, /^Invalid logRetentionDays: /],
    [{ reservedConcurrency: 0 }, /^Invalid reservedConcurrency: /],
    [{ suppressions: [{ distributionId: 'E2QWRUHAPOMQZL', orginId: 'api', until: '2030-01-01', reason: 'r' }] as never }, /^Invalid suppressions: item 0 \(E2QWRUHAPOMQZL\) has unknown key "orginId"/],
    [
      {
        suppressions: Array.from({ length: 40 }, (_, i) => ({
          distributionId: 'E2QWRUHAPOMQZL',
          originId: `origin-${i}`,
          code: 'CERT_EXPIRING_SOON' as const,
          until: '2030-01-31',
          reason: 'renewal booked with the certificate vendor, ticket OPS-12345',
        })),
      },
      /^Invalid suppressions: the function's environment would take up to \d+ bytes \(\d+ of them suppressions\), over Lambda's 4096-byte limit/,
    ],
  ])('construct props are validated like context: %j', (props, message) => {
    const stack = new Stack(new App(), 'S');
    let error: unknown;
    try {
      new CloudFrontOriginMonitor(stack, 'M', props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
