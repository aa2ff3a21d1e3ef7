/**
 * The organization hub as CloudFormation: the state machine's definition (its shape), the member role StackSet and
 * its template, least privilege, alarms, schedule, cdk-nag; and the organization settings' validation.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REQUIRED_PERMISSIONS } from '../../lambda/inventory/cloudfront-api';
import { STAGING_PERMISSIONS } from '../../lambda/inventory/staging';
import { RESOURCE_PERMISSIONS } from '../../lambda/inventory/origin-resources';
import { memberRoleTemplate, TENANT_READS } from '../../lib/organization/member-role';
import { CloudFrontOriginOrganizationMonitor, type CloudFrontOriginOrganizationMonitorProps } from '../../lib/organization/organization-monitor';
import { CloudFrontOriginOrganizationStack } from '../../lib/organization/organization-stack';
import { CloudFrontOriginMonitorStack } from '../../lib/origin-monitor-stack';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, organizationSettingsTable, ORG_SETTING_KEYS, resolveOrganizationSettings, type OrgSettingKey } from '../../lib/settings';
import { LOG, METRICS } from '../../lambda/contract';
import { ORG_SERVICE } from '../../lambda/organization/contract';

const ENVIRONMENT = { account: '123456789012', region: 'eu-west-1' };
const ORG = { organizationId: 'o-a1b2c3d4e5', organizationTargets: ['r-a1b2'] };

function synth(props: CloudFrontOriginOrganizationMonitorProps = ORG, env: typeof ENVIRONMENT | undefined = ENVIRONMENT) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CloudFrontOriginOrganizationStack(app, 'Org', { ...(env ? { env } : {}), monitor: props });
  return { stack, template: Template.fromStack(stack) };
}

/** The DefinitionString with every intrinsic replaced by a placeholder, parsed. */
function definition(template: Template): Record<string, any> {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts = sm.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<token>')).join(''));
}

function policyStatements(template: Template, rolePrefix: string): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  return policies
    .filter((p) => p.Properties.Roles.some((r: any) => String(r.Ref).startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('the organization hub stack', () => {
  const { stack, template } = synth({ ...ORG, alertEmails: ['ops@example.com'] });
  const def = definition(template);

  test('state machine: ListAccounts (takes the run lock) -> skipped if the previous run still runs -> ScanAccounts (Distributed Map) -> Reduce', () => {
    expect(def.StartAt).toBe('ListAccounts');
    expect(Object.keys(def.States).sort()).toEqual(['ListAccounts', 'PreviousRunStillRunning?', 'Reduce', 'ReleaseRunLock', 'RunFailed', 'ScanAccounts', 'SkippedPreviousRunStillRunning']);
    expect(def.States.ListAccounts).toMatchObject({ Type: 'Task', Next: 'PreviousRunStillRunning?', Parameters: { 'runId.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' } });
    expect(def.States['PreviousRunStillRunning?']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.skipped', BooleanEquals: true, Next: 'SkippedPreviousRunStillRunning' }],
      Default: 'ScanAccounts',
    });
    expect(def.States.SkippedPreviousRunStillRunning.Type).toBe('Succeed');
    expect(def.States.Reduce).toMatchObject({ Type: 'Task', End: true, Parameters: { 'runId.$': '$.runId', 'itemsKey.$': '$.itemsKey' } });
    expect(def.TimeoutSeconds).toBe(20 * 60);
  });

  test('a failed run releases its run lock (only its own), then fails', () => {
    for (const name of ['ListAccounts', 'ScanAccounts', 'Reduce']) {
      expect(def.States[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseRunLock' }]);
    }
    expect(def.States.ReleaseRunLock).toMatchObject({
      Type: 'Task',
      Resource: 'arn:<token>:states:::dynamodb:deleteItem',
      Parameters: {
        Key: { pk: { S: 'run-lock' }, sk: { S: 'organization-run' } },
        ConditionExpression: 'holder = :me',
        ExpressionAttributeValues: { ':me': { 'S.$': '$$.Execution.Name' } },
      },
      ResultPath: null,
      Next: 'RunFailed',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.releaseError', Next: 'RunFailed' }],
    });
    expect(def.States.RunFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    // The state machine may delete the run lock's item only (dynamodb:LeadingKeys), not any item of the alert table.
    const dynamo = policyStatements(template, 'MonitorStateMachineRole').filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:DeleteItem',
        Effect: 'Allow',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['run-lock'] } },
      }),
    ]);
    // The lister's lock lifetime is the state machine's timeout.
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ORG_RUN_TIMEOUT_SECONDS: String(20 * 60), ORG_PARENTS: 'r-a1b2' }) } });
  });

  test('Distributed Map: items from the run bucket, a concurrency limit, every item run, results to S3', () => {
    const map = def.States.ScanAccounts;
    expect(map).toMatchObject({
      Type: 'Map',
      Next: 'Reduce',
      MaxConcurrency: 40,
      ToleratedFailurePercentage: 100,
      ResultPath: null,
      Label: 'ScanAccounts',
      ItemReader: { Resource: 'arn:<token>:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.itemsKey' } },
      ItemSelector: { 'runId.$': '$.runId', 'item.$': '$$.Map.Item.Value' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'ScanItem' },
      ResultWriter: { Resource: 'arn:<token>:states:::s3:putObject', Parameters: { Prefix: 'runs/map/' } },
    });
  });

  test('ScanItem: the worker, retried with back-off (throttled invocations patiently, failed scans twice)', () => {
    const item = def.States.ScanAccounts.ItemProcessor.States.ScanItem;
    expect(item).toMatchObject({ Type: 'Task', End: true });
    expect(item.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException']), MaxAttempts: 8, BackoffRate: 2, JitterStrategy: 'FULL' }),
      expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 }),
    ]);
    expect(item.Catch).toBeUndefined();
  });

  test('state machine: standard, run history logged (ALL) and traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
  });

  test('three functions (Node.js 24, arm64); the worker gets the scan settings and the member role pattern', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          TLS_PROFILE: 'cloudfront-2025',
          ORG_MEMBER_ROLE_ARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::{accountId}:role/CloudFrontOriginMonitorMember']] },
        }),
      },
    });
  });

  test('member role StackSet: service-managed, automatic deployment, from the delegated administrator, to the root', () => {
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['r-a1b2'] }, Regions: ['eu-west-1'] }],
      Parameters: [
        { ParameterKey: 'HubScanRoleArn', ParameterValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitorScanRole'), 'Arn'] } },
        { ParameterKey: 'OrganizationId', ParameterValue: 'o-a1b2c3d4e5' },
        { ParameterKey: 'RoleName', ParameterValue: 'CloudFrontOriginMonitorMember' },
      ],
    });
  });

  test('member role: trusts only the hub scan role, from inside the organization; allows exactly the scan\'s CloudFront and ACM reads', () => {
    const [ss] = Object.values(template.findResources('AWS::CloudFormation::StackSet')) as any[];
    const body = JSON.parse(ss.Properties.TemplateBody);
    expect(body).toEqual(memberRoleTemplate());
    const role = body.Resources.MemberRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'OnlyTheHubScanRoleFromTheOrganization',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'HubScanRoleArn' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    ]);
    const statements = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    const scanActions = [...new Set<string>([...REQUIRED_PERMISSIONS, ...STAGING_PERMISSIONS, ...TENANT_READS, ...RESOURCE_PERMISSIONS])].sort();
    expect(scanActions).toEqual(expect.arrayContaining(['acm:DescribeCertificate', 'cloudfront:GetVpcOrigin', 'cloudfront:GetDistributionConfig']));
    // Exactly the reads the single-account function may make (CloudFront and ACM): the same scan, in the member account.
    const single = Template.fromStack(new CloudFrontOriginMonitorStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Single', { env: ENVIRONMENT }));
    const singleActions = (Object.values(single.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((st: any) => [st.Action].flat())
      .filter((act: string) => /^(cloudfront|acm):/.test(act));
    const memberActions = statements.flatMap((st: any) => [st.Action].flat()).sort();
    expect(memberActions).toEqual([...new Set(singleActions)].sort());
    expect(memberActions).toEqual(scanActions);
    expect(statements.every((s: any) => s.Effect === 'Allow')).toBe(true);
    expect(statements.find((s: any) => s.Resource === '*').Action).toEqual(['cloudfront:ListDistributionTenants', 'cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode']);
    const scoped = statements.find((s: any) => s.Sid === 'ReadOwnCloudFrontResources');
    expect(scoped.Resource.map((r: any) => r['Fn::Sub'].replace('arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:', ''))).toEqual([
      'cache-policy/*',
      'continuous-deployment-policy/*',
      'distribution/*',
      'distribution-tenant/*',
      'origin-request-policy/*',
      'vpcorigin/*',
    ]);
    // ACM: the account's own certificates in us-east-1 only (origin mTLS client certificates).
    expect(statements.find((s: any) => s.Sid === 'ReadOriginMtlsCertificates')).toEqual({
      Sid: 'ReadOriginMtlsCertificates',
      Effect: 'Allow',
      Action: ['acm:DescribeCertificate'],
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:acm:us-east-1:${AWS::AccountId}:certificate/*' },
    });
    expect(statements).toHaveLength(3);
  });

  test('hub scan role: AssumeRole on the member role only in the organization, results under runs/, its TLS 1.3 re-check times, logs; nothing else', () => {
    const statements = policyStatements(template, 'MonitorScanRole');
    expect(statements.map((s) => s.Action).flat().sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'sts:AssumeRole']);
    // Reads only its account's TLS 1.3 re-check times (a copy the reduce step writes); writes only results.
    expect(statements.find((s) => s.Action === 's3:GetObject').Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^MonitorRunBucket/), 'Arn'] }, '/state/tls13-checks/*']] });
    expect(statements.find((s) => s.Action === 's3:PutObject').Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^MonitorRunBucket/), 'Arn'] }, '/runs/*']] });
    // ListBucket (for a 404 rather than a 403 on a missing copy) only under the TLS 1.3 re-check copies.
    expect(statements.filter((s) => s.Action === 's3:ListBucket')).toEqual([
      { Sid: 'ListOwnTls13Checks', Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MonitorRunBucket/), 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['state/tls13-checks/*'] } } },
    ]);
    const assume = statements.find((s) => s.Action === 'sts:AssumeRole');
    expect(assume.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } });
    expect(assume.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/CloudFrontOriginMonitorMember']] });
  });

  test('reduce role: the state table with Query and BatchWriteItem only, its topic, the run bucket', () => {
    const actions = policyStatements(template, 'MonitorReduceRole').flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'sns:Publish']);
    // The run lock: its one item (LeadingKeys run-lock) only.
    const lockCondition = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['run-lock'] } };
    expect(policyStatements(template, 'MonitorReduceRole').find((s) => s.Sid === 'HoldRunLock')).toMatchObject({ Action: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Condition: lockCondition });
    expect(policyStatements(template, 'MonitorListRole').find((s) => s.Sid === 'TakeRunLock')).toMatchObject({ Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Condition: lockCondition });
    const lister = policyStatements(template, 'MonitorListRole').flatMap((s) => [s.Action].flat()).sort();
    expect(lister).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'organizations:ListAccounts', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });

  test('the DynamoDB actions the lister and reduce roles have are the commands their code sends (drift guard)', () => {
    const sent = new Set<string>();
    for (const file of [...readdirSync(join(__dirname, '../../lambda/organization')).map((f) => join(__dirname, '../../lambda/organization', f)), join(__dirname, '../../lambda/alerting/state-store.ts')]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(?:lib|client)-dynamodb'/g)) {
        for (const name of m[1].split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
          const command = /^(\w+?)(?:Command)$/.exec(name);
          if (command) sent.add(`dynamodb:${command[1].replace(/^BatchWrite$/, 'BatchWriteItem').replace(/^(Put|Get|Update|Delete)$/, '$1Item')}`);
        }
      }
    }
    const granted = ['MonitorListRole', 'MonitorReduceRole'].flatMap((r) => policyStatements(template, r)).flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('dynamodb:'));
    expect([...new Set(granted)].sort()).toEqual([...sent].sort());
    expect(sent).toEqual(new Set(['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
  });

  test('schedule starts the state machine; alarms: a failed run, no completed run (missing = breaching)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^MonitorStateMachine') } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut + aborted' })]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    // No completed run: the reduce step's ScanCompleted (exactly the metric and dimensions reduce.ts/reducer.ts emit),
    // never the state machine's ExecutionsSucceeded, which counts runs skipped by the run lock.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.SCAN_COMPLETED,
      Namespace: METRICS.NAMESPACE,
      Dimensions: [{ Name: 'service', Value: ORG_SERVICE }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms.filter((a) => a.Properties.MetricName === 'ExecutionsSucceeded')).toEqual([]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.ORIGINS_UNCHECKED,
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp(`What to do: in the worker function's log group, read the warning line "${LOG.ORIGINS_NOT_CHECKED}"`),
    });
  });

  test('run bucket: private, TLS only, runs expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 30, Status: 'Enabled' })] },
    });
  });

  test('cdk-nag AwsSolutions: clean, with and without an environment; every acknowledgement has a reason', () => {
    for (const s of [stack, synth(ORG, undefined).stack]) {
      const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(s);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    }
    const acks = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>));
    const reasons = acks.flatMap((d) => Object.values(d));
    expect(reasons.length).toBeGreaterThanOrEqual(10);
    for (const r of reasons) expect(r.length).toBeGreaterThan(40);
  });

  test('chosen OUs, the management account, excluded accounts, concurrency, role name', () => {
    const { template: t } = synth({
      ...ORG,
      organizationTargets: ['ou-a1b2-c3d4e5f6', 'ou-a1b2-g7h8i9j0'],
      organizationCallAs: 'SELF',
      excludeAccounts: ['111111111111'],
      organizationConcurrency: 5,
      memberRoleName: 'OriginScanReader',
    });
    t.hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'SELF',
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-a1b2-c3d4e5f6', 'ou-a1b2-g7h8i9j0'], AccountFilterType: 'DIFFERENCE', Accounts: ['111111111111'] }, Regions: ['eu-west-1'] }],
      Parameters: Match.arrayWith([{ ParameterKey: 'RoleName', ParameterValue: 'OriginScanReader' }]),
    });
    expect(definition(t).States.ScanAccounts.MaxConcurrency).toBe(5);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ORG_PARENTS: 'ou-a1b2-c3d4e5f6,ou-a1b2-g7h8i9j0', ORG_EXCLUDE_ACCOUNTS: '111111111111' }) } });
  });

  test("Lambda's 4 KB environment limit is checked at synth for the organization's functions too (deploy-time values at their largest)", () => {
    const suppressions = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ distributionId: 'E2QWRUHAPOMQZL', originId: `origin-${i}`, code: 'CERT_EXPIRING_SOON' as const, until: '2030-01-31', reason: 'renewal booked, ticket OPS-12345' }));
    const fitsSingle = (n: number) => {
      try {
        new CloudFrontOriginMonitorStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S', { monitor: { suppressions: suppressions(n) } });
        return true;
      } catch {
        return false;
      }
    };
    let n = 1;
    while (fitsSingle(n + 1)) n++;
    expect(n).toBeGreaterThan(5);
    // The most the single-account function takes: the reduce function, which also carries the bucket, the log group
    // and the state machine's names, does not fit; the same one-line error, naming the function.
    expect(() => synth({ ...ORG, suppressions: suppressions(n) })).toThrow(
      /^Invalid suppressions: the organization ReduceFunction's environment would take up to \d+ bytes \(\d+ of them suppressions\), over Lambda's 4096-byte limit/,
    );
    expect(() => synth({ ...ORG, suppressions: suppressions(n - 5) })).not.toThrow();
  });

  test('the shared settings are validated as for the single-account monitor', () => {
    expect(() => synth({ ...ORG, confirmRuns: 50 })).toThrow('Invalid confirmRuns: 50 is not an integer from 1 to 10 (example: -c confirmRuns=2)');
    expect(() => new CloudFrontOriginOrganizationMonitor(new Stack(), 'M', { organizationId: 'o-a1b2c3d4e5' })).toThrow(ConfigError);
    // Single-account settings with no meaning for the organization are refused, not ignored.
    expect(() => synth({ ...ORG, vpcProbe: { subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'] } })).toThrow(/^Invalid vpcProbe: does not apply to the organization mode/);
    expect(() => synth({ ...ORG, reservedConcurrency: 5 })).toThrow(/^Invalid reservedConcurrency: does not apply to the organization mode: organizationConcurrency/);
  });
});

describe('organization settings', () => {
  const resolve = (values: Record<string, unknown>) => resolveOrganizationSettings((k: OrgSettingKey) => values[k]);
  const error = (values: Record<string, unknown>) => {
    try {
      resolve(values);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  test('defaults', () => {
    expect(resolve({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2' })).toEqual({
      organizationId: 'o-a1b2c3d4e5',
      targets: ['r-a1b2'],
      callAs: 'DELEGATED_ADMIN',
      memberRoleName: 'CloudFrontOriginMonitorMember',
      concurrency: 40,
      chunkOrigins: 400,
      excludeAccounts: [],
    });
  });

  test('strings from -c and JSON from cdk.json alike', () => {
    expect(resolve({ organizationId: 'o-a1b2c3d4e5', organizationTargets: '["ou-a1b2-c3d4e5f6"]', organizationConcurrency: '12', excludeAccounts: '111111111111, 222222222222', organizationCallAs: 'self' })).toMatchObject({
      targets: ['ou-a1b2-c3d4e5f6'],
      concurrency: 12,
      excludeAccounts: ['111111111111', '222222222222'],
      callAs: 'SELF',
    });
  });

  test('one line naming the key, with an example', () => {
    expect(error({ organizationId: 'o-123', organizationTargets: 'r-a1b2' })).toBe('Invalid organizationId: "o-123" is not an organization id (o- and 10-32 lowercase letters or digits) (example: -c organizationId=o-a1b2c3d4e5)');
    expect(error({ organizationId: 'o-a1b2c3d4e5' })).toMatch(/^Invalid organizationTargets: is required/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2,ou-a1b2-c3d4e5f6' })).toMatch(/root id already covers every OU/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'a1b2' })).toMatch(/"a1b2" is neither a root id/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2', organizationCallAs: 'ADMIN' })).toMatch(/^Invalid organizationCallAs/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2', excludeAccounts: '1234' })).toMatch(/"1234" is not a 12-digit account id/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2', chunkOrigins: '5' })).toMatch(/^Invalid chunkOrigins: 5 is not an integer from 10 to 10000/);
    expect(error({ organizationId: 'o-a1b2c3d4e5', organizationTargets: 'r-a1b2', memberRoleName: 'a role' })).toMatch(/^Invalid memberRoleName/);
  });

  test("the README's organization key table is the schema's (regenerate: npx tsx -e \"console.log(require('./lib/settings').organizationSettingsTable())\")", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- org-settings-table:start[^>]*-->\n([\s\S]*?)\n<!-- org-settings-table:end -->/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(organizationSettingsTable());
    for (const k of ORG_SETTING_KEYS) expect(block![1]).toContain(`| \`${k}\` |`);
  });
});
