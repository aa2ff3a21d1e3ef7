/**
 * CloudFrontOriginOrganizationMonitor: one monitor for every account of an AWS Organization, in a hub account
 * (a delegated administrator, or the management account).
 *
 *   EventBridge schedule -> Step Functions (standard; run history in the console)
 *     ListAccounts (Lambda: the run lock, lambda/organization/run-lock.ts; Organizations paginators -> items.json
 *       in the run bucket) -> PreviousRunStillRunning? (the lock is held: end now)
 *     -> ScanAccounts: Distributed Map over items.json (S3 ItemReader), one item per account or per chunk of a
 *        large account, at most `organizationConcurrency` at once, retries with back-off, failures tolerated
 *        (an item that keeps failing is reported by the reduce step, never skipped silently)
 *          ScanItem (Lambda, the hub scan role: assume the account's member role, the single-account scan on the
 *          chunk, result -> S3)
 *     -> Reduce (Lambda: one decision with the single-account alert policy, ONE digest grouped by account -> SNS,
 *        state -> DynamoDB, the lock released)
 *     any failure -> ReleaseRunLock -> RunFailed
 *   + the member role StackSet (member-role.ts), alarms (a failed run; no completed run), a dashboard.
 *
 * Topic, table, bundling, the 4 KB environment check, alarms' periods: lib/monitor-parts.ts, as the single-account
 * construct builds them. Settings: the single-account monitor's (lib/settings.ts: alertEmails, schedule, profile, suppressions,
 * timeoutSeconds = the worker's timeout, memorySize, ...) plus the organization's (./settings.ts), validated alike.
 */
import * as path from 'path';
import { Annotations, Aws, type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ENV, METRICS } from '../../lambda/contract';
import { ORG_ENV, ORG_METRIC_DIMENSIONS, ORG_METRICS, ORG_SERVICE, RUN_LOCK_KEY } from '../../lambda/organization/contract';
import { KEYS } from '../../lambda/organization/model';
import {
  alertTopic,
  checkEnvironmentSize,
  findingsQuery,
  FUNCTION_BUNDLING,
  functionRuntime,
  monitorMetric,
  notifyTopic,
  originsByStatusGraph,
  publishStatements,
  originsNotCheckedAlarm,
  schedulePeriods,
  stateTable,
  TABLE_NAME_MAX,
  TOPIC_ARN_MAX,
} from '../monitor-parts';
import { STATE_TABLE_ACTIONS, type CloudFrontOriginMonitorProps } from '../origin-monitor';
import { MemberRoleStackSet } from './member-role';
import { originsNotCheckedDescription } from '../monitor-health-alarm';
import {
  encodeEnvironment,
  type MonitorConfig,
  type OrganizationConfig,
  type OrgSettingKey,
  type OrgSettingProps,
  ORG_RUN_TIMEOUT_MINUTES,
  resolveOrganizationSettings,
  resolveSettings,
  settingError,
  type SettingKey,
} from '../settings';

/**
 * The single-account monitor's settings (lib/settings.ts SETTINGS: alertEmails, schedule, profile, suppressions,
 * timeoutSeconds = the worker's timeout, memorySize, ...) plus the organization's (ORG_SETTINGS: organizationId and
 * organizationTargets required), validated alike.
 */
export interface CloudFrontOriginOrganizationMonitorProps extends CloudFrontOriginMonitorProps, OrgSettingProps {}

/**
 * How long a run may take before it is stopped and counted as failed: one schedule period (or three worker timeouts),
 * within lib/settings.ts ORG_RUN_TIMEOUT_MINUTES (20 minutes to 24 hours; the lister reads it back with that range).
 */
export function runTimeout(periodMinutes: number, workerSeconds: number): Duration {
  return Duration.minutes(Math.min(Math.max(periodMinutes, ORG_RUN_TIMEOUT_MINUTES.min, Math.ceil((3 * workerSeconds) / 60)), ORG_RUN_TIMEOUT_MINUTES.max));
}

export class CloudFrontOriginOrganizationMonitor extends Construct {
  readonly config: MonitorConfig;
  readonly organization: OrganizationConfig;
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  readonly logGroup: logs.LogGroup;
  readonly listFunction: NodejsFunction;
  readonly workerFunction: NodejsFunction;
  readonly reduceFunction: NodejsFunction;
  /** The worker's role: the only principal the member roles trust. */
  readonly scanRole: iam.Role;
  readonly stateMachine: sfn.StateMachine;
  readonly memberRoles: MemberRoleStackSet;
  readonly rule: events.Rule;
  readonly failedRunAlarm: cloudwatch.Alarm;
  readonly noRunAlarm: cloudwatch.Alarm;
  /** Some origins were not checked (the workers' resolver failed, or a probe threw): one alert, as in the single-account monitor. */
  readonly originsNotCheckedAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CloudFrontOriginOrganizationMonitorProps) {
    super(scope, id);
    // The Distributed Map's ResultWriter as Step Functions documents it today (ResultWriterV2), whatever the app's flags.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const get = (key: string) => (props as Record<string, unknown>)[key];
    const config = resolveSettings((key: SettingKey) => get(key));
    const org = resolveOrganizationSettings((key: OrgSettingKey) => get(key));
    // Single-account settings with no meaning here: refused, not silently ignored.
    if (config.vpcProbe) throw settingError('vpcProbe', "does not apply to the organization mode: the hub cannot reach member accounts' VPCs; their VPC origins are checked through the edge check (edgeCheck)");
    if (config.reservedConcurrency !== undefined) throw settingError('reservedConcurrency', 'does not apply to the organization mode: organizationConcurrency sets how many workers run at once');
    this.config = config;
    this.organization = org;
    for (const w of config.warnings) Annotations.of(this).addWarningV2(`cloudfront-origin-monitor:${w.id}`, w.message);

    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const root = path.join(__dirname, '..', '..');

    // Alerts, alert state: as the single-account monitor's (lib/monitor-parts.ts).
    ({ topic: this.topic, topicKey: this.topicKey } = alertTopic(this, {
      keyDescription: 'Encrypts the CloudFront origin monitor (organization) alert topic',
      displayName: 'CloudFront origin monitor (organization)',
      alertEmails: config.alertEmails,
      removalPolicy,
    }));
    this.table = stateTable(this, 'StateTable', removalPolicy);

    // Per-run results: transient (30 days), private, TLS only.
    this.bucket = new s3.Bucket(this, 'RunBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireRuns', prefix: KEYS.RUNS_PREFIX, expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY === removalPolicy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The run bucket holds per-run scan results written and read only by the monitor\'s own three roles (no public access, TLS only, 30-day expiry); who ran what is in the Step Functions run history and CloudTrail, so server access logs would add a second bucket and nothing to read.',
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: config.logRetentionDays, removalPolicy });
    const stateMachineLogGroup = new logs.LogGroup(this, 'RunLogGroup', { retention: config.logRetentionDays, removalPolicy });

    const bucketArn = (key: string) => this.bucket.arnForObjects(key);
    const writeLogs = new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] });
    // With ListBucket a missing object answers 404 (NoSuchKey) rather than 403, which the reduce step relies on.
    const listRuns = new iam.PolicyStatement({ sid: 'ListRunBucket', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] });

    // 1. The account lister.
    const listRole = new iam.Role(this, 'ListRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CloudFront origin monitor (organization): list the organization\'s accounts, write the run\'s items',
    });
    listRole.addToPrincipalPolicy(writeLogs);
    listRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListAccounts',
        // Organizations' List* actions take no resource-level scoping for accounts of the whole organization.
        actions: ['organizations:ListAccounts', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent'],
        resources: ['*'],
      }),
    );
    listRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteItems', actions: ['s3:PutObject'], resources: [bucketArn(`${KEYS.RUNS_PREFIX}*`)] }));
    listRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadSizes', actions: ['s3:GetObject'], resources: [bucketArn(KEYS.SIZES)] }));
    listRole.addToPrincipalPolicy(listRuns);
    // The run lock (lambda/organization/run-lock.ts): its one item only.
    const lockItem = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [RUN_LOCK_KEY.pk] } };
    listRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TakeRunLock', actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [this.table.tableArn], conditions: lockItem }));

    // 2. The worker: the hub scan role the member roles trust.
    this.scanRole = new iam.Role(this, 'ScanRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CloudFront origin monitor (organization): assume the member role in each account, write results',
    });
    this.scanRole.addToPrincipalPolicy(writeLogs);
    const memberRoleArn = `arn:${Aws.PARTITION}:iam::{accountId}:role/${org.memberRoleName}`;
    this.scanRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberRoles',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${org.memberRoleName}`],
        // Only roles in accounts of this organization.
        conditions: { StringEquals: { 'aws:ResourceOrgID': org.organizationId } },
      }),
    );
    this.scanRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteResults', actions: ['s3:PutObject'], resources: [bucketArn(`${KEYS.RUNS_PREFIX}*`)] }));
    // The account's TLS 1.3 re-check times, copied there by the reduce step (a new account has none yet: 404).
    this.scanRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTls13Checks', actions: ['s3:GetObject'], resources: [bucketArn(`${KEYS.TLS13_CHECKS_PREFIX}*`)] }));
    // ListBucket only for the prefix the worker reads (its account's copy, KEYS.tls13Checks): a new account's missing
    // copy answers 404 (NoSuchKey, read as "every TLS 1.3 origin due") rather than 403, and the role cannot list
    // anything else of the bucket (the runs' items and results, other state).
    this.scanRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListOwnTls13Checks',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${KEYS.TLS13_CHECKS_PREFIX}*`] } },
      }),
    );

    // 3. The reduce step.
    const reduceRole = new iam.Role(this, 'ReduceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CloudFront origin monitor (organization): read results, keep alert state, publish the digest',
    });
    reduceRole.addToPrincipalPolicy(writeLogs);
    reduceRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadResults', actions: ['s3:GetObject'], resources: [bucketArn(`${KEYS.RUNS_PREFIX}*`), bucketArn(KEYS.SIZES)] }));
    reduceRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteSizes', actions: ['s3:PutObject'], resources: [bucketArn(KEYS.SIZES), bucketArn(`${KEYS.TLS13_CHECKS_PREFIX}*`)] }));
    reduceRole.addToPrincipalPolicy(listRuns);
    reduceRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AlertState', actions: [...STATE_TABLE_ACTIONS], resources: [this.table.tableArn] }));
    reduceRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'HoldRunLock', actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [this.table.tableArn], conditions: lockItem }));
    for (const statement of publishStatements(this.topic, this.topicKey)) reduceRole.addToPrincipalPolicy(statement);

    // Named, not generated: the digest names it, and the run lock's holder is its execution (not a token of the
    // state machine, whose definition holds the functions).
    const stateMachineName = `${stack.stackName}-${id}`.slice(0, 80);
    const common: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: ORG_SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.NAMESPACE,
      [ORG_ENV.BUCKET]: this.bucket.bucketName,
    };
    // The most each value CloudFormation fills in at deploy time can take, for Lambda's 4 KB environment check.
    const deployTime: Record<string, number> = {
      [ORG_ENV.BUCKET]: 63,
      [ORG_ENV.MEMBER_ROLE_ARN]: `arn:aws-iso-b:iam::{accountId}:role/${org.memberRoleName}`.length,
      [ENV.TOPIC_ARN]: TOPIC_ARN_MAX,
      [ENV.TABLE_NAME]: TABLE_NAME_MAX,
      [ORG_ENV.LOG_GROUP]: 512,
    };
    const fn = (name: string, entry: string, role: iam.Role, timeout: Duration, memorySize: number, environment: Record<string, string>, description: string) => {
      const all = { ...common, ...environment };
      const known = Object.fromEntries(Object.entries(all).filter(([, v]) => !Token.isUnresolved(v)));
      const filled = Object.keys(all).filter((k) => Token.isUnresolved(all[k]));
      for (const k of filled) if (deployTime[k] === undefined) throw new Error(`${name}: no size known for the deploy-time value of ${k} (lib/organization/organization-monitor.ts deployTime)`);
      checkEnvironmentSize(known, Object.fromEntries(filled.map((k) => [k, deployTime[k]])), `the organization ${name}`);
      const f = new NodejsFunction(this, name, {
        description,
        entry: path.join(root, 'lambda', 'organization', entry),
        handler: 'handler',
        ...functionRuntime(root),
        timeout,
        memorySize,
        // Step Functions retries (with back-off); the function itself is invoked synchronously.
        retryAttempts: 0,
        role,
        logGroup: this.logGroup,
        environment: all,
        bundling: FUNCTION_BUNDLING,
      });
      f.node.addDependency(role);
      return f;
    };

    const timeout = runTimeout(config.schedulePeriodMinutes, config.timeoutSeconds);
    this.listFunction = fn('ListFunction', 'lister.ts', listRole, Duration.minutes(5), 512, {
      [ENV.TABLE_NAME]: this.table.tableName,
      [ORG_ENV.RUN_TIMEOUT_SECONDS]: String(timeout.toSeconds()),
      [ORG_ENV.PARENTS]: org.targets.join(','),
      [ORG_ENV.EXCLUDE_ACCOUNTS]: org.excludeAccounts.join(','),
      [ORG_ENV.CHUNK_ORIGINS]: String(org.chunkOrigins),
    }, 'Lists the organization\'s accounts for the CloudFront origin scan');

    // The run-time settings as the single-account function gets them (lib/settings.ts), read back with the same schema.
    const runSettings = encodeEnvironment(config);
    const scanEnv: Record<string, string> = { ...runSettings, [ORG_ENV.MEMBER_ROLE_ARN]: memberRoleArn };
    this.workerFunction = fn('WorkerFunction', 'worker.ts', this.scanRole, Duration.seconds(config.timeoutSeconds), config.memorySize, scanEnv,
      'Scans the CloudFront custom origins of one account (or chunk) of the organization under its member role');

    this.reduceFunction = fn('ReduceFunction', 'reducer.ts', reduceRole, Duration.minutes(10), Math.max(1024, config.memorySize), {
      ...runSettings,
      [ENV.TOPIC_ARN]: this.topic.topicArn,
      [ENV.TABLE_NAME]: this.table.tableName,
      [ORG_ENV.LOG_GROUP]: this.logGroup.logGroupName,
      // Named in the digest: where the run history is.
      [ORG_ENV.STATE_MACHINE_NAME]: stateMachineName,
    }, 'Builds the organization\'s CloudFront origin digest from every account\'s scan');

    // The state machine.
    const lambdaErrors = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
    const listAccounts = new tasks.LambdaInvoke(this, 'ListAccounts', {
      comment: 'The run lock, then Organizations ListAccounts -> items.json (one item per account, or per chunk of a large account)',
      lambdaFunction: this.listFunction,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$$.Execution.Name'), startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    listAccounts.addRetry({ errors: lambdaErrors, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    listAccounts.addRetry({ errors: [sfn.Errors.TASKS_FAILED], interval: Duration.seconds(10), maxAttempts: 2, backoffRate: 2 });

    const scanItem = new tasks.LambdaInvoke(this, 'ScanItem', {
      comment: 'One account (or chunk) under its member role; the result goes to S3',
      lambdaFunction: this.workerFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    // Throttled invocations (the concurrency limit, the account's Lambda quota): patient back-off.
    scanItem.addRetry({ errors: lambdaErrors, interval: Duration.seconds(2), maxAttempts: 8, backoffRate: 2, maxDelay: Duration.minutes(1), jitterStrategy: sfn.JitterType.FULL });
    // A failed scan (CloudFront throttling past the SDK's retries, S3): twice more.
    scanItem.addRetry({ errors: [sfn.Errors.TASKS_FAILED], interval: Duration.seconds(15), maxAttempts: 2, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });

    const scanAccounts = new sfn.DistributedMap(this, 'ScanAccounts', {
      comment: 'One item per account or chunk; failures tolerated here and reported by Reduce',
      itemReader: new sfn.S3JsonItemReader({ bucket: this.bucket, key: sfn.JsonPath.stringAt('$.itemsKey') }),
      itemSelector: { runId: sfn.JsonPath.stringAt('$.runId'), item: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
      maxConcurrency: org.concurrency,
      // Every item runs; one that fails for good leaves no result, which Reduce reports as an account not scanned.
      toleratedFailurePercentage: 100,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'ScanAccounts',
      resultWriterV2: new sfn.ResultWriterV2({ bucket: this.bucket, prefix: KEYS.MAP_RESULTS_PREFIX }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    scanAccounts.itemProcessor(scanItem);

    const reduce = new tasks.LambdaInvoke(this, 'Reduce', {
      comment: 'One digest for the organization, alert state, metrics',
      lambdaFunction: this.reduceFunction,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId'), itemsKey: sfn.JsonPath.stringAt('$.itemsKey') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    reduce.addRetry({ errors: lambdaErrors, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });

    // A run that fails releases the run lock first (the same condition: only its own), then fails.
    const runFailed = new sfn.Fail(this, 'RunFailed', { comment: 'The run failed (see the failed state); the run lock is released', errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const releaseLock = new ReleaseRunLockTask(this, 'ReleaseRunLock', lockItem, {
      comment: 'Release the run lock this run holds, before failing',
      table: this.table,
      key: { pk: tasks.DynamoAttributeValue.fromString(RUN_LOCK_KEY.pk), sk: tasks.DynamoAttributeValue.fromString(RUN_LOCK_KEY.sk) },
      conditionExpression: 'holder = :me',
      expressionAttributeValues: { ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Name')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    releaseLock.addRetry({ errors: ['DynamoDB.AmazonDynamoDBException', 'DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.InternalServerErrorException'], interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
    // Not held (expired, and taken by a later run): nothing to release.
    releaseLock.addCatch(runFailed, { errors: [sfn.Errors.ALL], resultPath: '$.releaseError' });
    releaseLock.next(runFailed);
    for (const step of [listAccounts, scanAccounts, reduce]) step.addCatch(releaseLock, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: 'CloudFront origin scan of every account of the organization',
      definitionBody: sfn.DefinitionBody.fromChainable(
        listAccounts.next(
          new sfn.Choice(this, 'PreviousRunStillRunning?', { comment: 'The run lock is held by a run still in progress: end now (no second digest, no state written)' })
            .when(sfn.Condition.booleanEquals('$.skipped', true), new sfn.Succeed(this, 'SkippedPreviousRunStillRunning', { comment: 'See the lister log line "run skipped: the previous run is still running"' }))
            .otherwise(scanAccounts.next(reduce)),
        ),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      logs: { destination: stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    this.memberRoles = new MemberRoleStackSet(this, 'MemberRoles', { organization: org, hubScanRoleArn: this.scanRole.roleArn });

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the organization\'s CloudFront origin scan',
      schedule: events.Schedule.expression(config.schedule),
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });

    // Watching the watcher: a run that failed, timed out or was aborted; no run completed in two periods.
    const { alarmPeriod, missedPeriods: noRunPeriods, graphPeriod } = schedulePeriods(config.schedulePeriodMinutes);
    const sum = { period: alarmPeriod, statistic: cloudwatch.Stats.SUM };
    this.failedRunAlarm = new cloudwatch.Alarm(this, 'FailedRunAlarm', {
      alarmDescription: 'An organization scan run failed, timed out or was aborted (see its history in the Step Functions console).',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: { failed: this.stateMachine.metricFailed(sum), timedOut: this.stateMachine.metricTimedOut(sum), aborted: this.stateMachine.metricAborted(sum) },
        period: alarmPeriod,
        label: 'runs not completed',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.noRunAlarm = new cloudwatch.Alarm(this, 'NoRunAlarm', {
      alarmDescription: `No organization scan run completed in ${noRunPeriods * alarmPeriod.toMinutes()} minutes (schedule ${config.schedule}).`,
      // The reduce step's ScanCompleted (service = the organization's), emitted only once a run's digest is decided and
      // its state saved: a run skipped by the run lock also "succeeds" in Step Functions, so while one run is stuck in
      // its Map the skipped runs after it would hold an ExecutionsSucceeded alarm off until the run's timeout.
      metric: monitorMetric(ORG_METRIC_DIMENSIONS, METRICS.SCAN_COMPLETED, cloudwatch.Stats.SUM, alarmPeriod),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: noRunPeriods,
      datapointsToAlarm: noRunPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.originsNotCheckedAlarm = originsNotCheckedAlarm(this, originsNotCheckedDescription("the worker function's log group"), ORG_METRIC_DIMENSIONS, alarmPeriod);
    notifyTopic(this.topic, [this.failedRunAlarm, this.noRunAlarm, this.originsNotCheckedAlarm]);

    // Dashboard: the organization's runs, accounts and origins.
    const metric = (name: string, label: string, statistic: string) => monitorMetric(ORG_METRIC_DIMENSIONS, name, statistic, graphPeriod, label);
    const runs = { period: graphPeriod, statistic: cloudwatch.Stats.SUM };
    const logGroupNames = [this.logGroup.logGroupName];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Runs',
            width: 8,
            left: [
              this.stateMachine.metricStarted({ ...runs, label: 'started' }),
              this.stateMachine.metricSucceeded({ ...runs, label: 'succeeded' }),
              this.stateMachine.metricFailed({ ...runs, label: 'failed' }),
              this.stateMachine.metricTimedOut({ ...runs, label: 'timed out' }),
            ],
            leftYAxis: { min: 0 },
          }),
          new cloudwatch.GraphWidget({
            title: 'Accounts',
            width: 8,
            left: [
              metric(ORG_METRICS.ACCOUNTS_SCANNED, 'scanned', cloudwatch.Stats.MAXIMUM),
              metric(ORG_METRICS.ACCOUNTS_NOT_SCANNED, 'not scanned', cloudwatch.Stats.MAXIMUM),
            ],
            leftYAxis: { min: 0 },
          }),
          originsByStatusGraph('Origins by status (per run)', metric, 8, true),
        ],
        [
          new cloudwatch.AlarmStatusWidget({ title: 'Monitor health', width: 6, height: 6, alarms: [this.failedRunAlarm, this.noRunAlarm, this.originsNotCheckedAlarm] }),
          new cloudwatch.GraphWidget({
            title: 'Run duration (ms) and worker errors',
            width: 18,
            height: 6,
            left: [this.stateMachine.metricTime({ period: graphPeriod, statistic: cloudwatch.Stats.MAXIMUM, label: 'run duration' })],
            right: [this.workerFunction.metricErrors({ ...runs, label: 'worker errors (retried)' }), this.workerFunction.metricThrottles({ ...runs, label: 'worker throttles' })],
            leftYAxis: { min: 0 },
            rightYAxis: { min: 0 },
          }),
        ],
        [
          new cloudwatch.LogQueryWidget({
            title: 'Accounts not scanned (latest)',
            width: 24,
            height: 6,
            logGroupNames,
            view: cloudwatch.LogQueryVisualizationType.TABLE,
            queryLines: ['fields @timestamp, accountId, code, problem, since', 'filter message = "account not scanned"', 'sort @timestamp desc', 'dedup accountId', 'limit 200'],
          }),
        ],
        [
          findingsQuery({
            title: 'Findings (origins not ok), every account',
            logGroupNames,
            fields: '@timestamp, accountId, status, critical, warning, distributionId, originId, domainName, findingCodes.0, findingCodes.1',
            dedup: 'accountId, distributionId, originId',
            limit: 1000,
          }),
        ],
      ],
    });

    const scopes = { list: listRole, scan: this.scanRole, reduce: reduceRole, stateMachine: this.stateMachine } as const;
    const logicalId = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const names = {
      bucket: logicalId(this.bucket),
      functions: [this.listFunction, this.workerFunction, this.reduceFunction].map(logicalId),
      stateMachine: logicalId(this.stateMachine),
      mapLabel: 'ScanAccounts',
    };
    for (const ack of organizationNagAcknowledgements(stack, org, names)) Validations.of(scopes[ack.scope]).acknowledge({ id: ack.id, reason: ack.reason });
  }
}

/**
 * CDK's DynamoDeleteItem task, its grant to the state machine (dynamodb:DeleteItem on the table) conditioned on the
 * run lock's partition key (dynamodb:LeadingKeys), as the lister's and the reduce step's lock grants are: the state
 * machine can delete the run lock and no other item of the alert table.
 */
class ReleaseRunLockTask extends tasks.DynamoDeleteItem {
  constructor(scope: Construct, id: string, condition: Record<string, Record<string, unknown>>, props: tasks.DynamoDeleteItemProps) {
    super(scope, id, props);
    const statements = this.taskPolicies ?? [];
    if (statements.length === 0) throw new Error('ReleaseRunLock: CDK\'s DynamoDeleteItem granted nothing to condition (lib/organization/organization-monitor.ts)');
    for (const statement of statements) for (const [operator, value] of Object.entries(condition)) statement.addCondition(operator, value);
  }
}

/**
 * The cdk-nag (AwsSolutions IAM5) wildcards the organization monitor keeps on purpose, each on the role that has
 * it, with its reason (rendered as cdk-nag renders the resource).
 */
export function organizationNagAcknowledgements(
  stack: Stack,
  org: OrganizationConfig,
  names: { bucket: string; functions: string[]; stateMachine: string; mapLabel: string },
): Array<{ scope: 'list' | 'scan' | 'reduce' | 'stateMachine'; id: string; reason: string }> {
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const iam5 = (resource: string) => `AwsSolutions-IAM5[Resource::${resource}]`;
  const runs = iam5(`<${names.bucket}.Arn>/${KEYS.RUNS_PREFIX}*`);
  const executions = `arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${names.stateMachine}"}]}]}`;
  return [
    { scope: 'list', id: iam5('*'), reason: 'organizations:ListAccounts, ListAccountsForParent and ListOrganizationalUnitsForParent (read-only) are the only actions on "*": the lister reads the whole organization, or the target OUs and every OU below them, which Organizations does not scope by resource for ListAccounts.' },
    { scope: 'list', id: runs, reason: 's3:PutObject under runs/ only: each run writes its items under runs/<execution name>/, a name known only at run time.' },
    { scope: 'scan', id: runs, reason: 's3:PutObject under runs/ only: each item writes its result under runs/<execution name>/results/, known only at run time.' },
    {
      scope: 'scan',
      id: iam5(`arn:<AWS::Partition>:iam::*:role/${org.memberRoleName}`),
      reason: `sts:AssumeRole on the member role ${org.memberRoleName} of any account, and only in accounts of ${org.organizationId} (condition aws:ResourceOrgID): the accounts are whatever the organization holds at run time.`,
    },
    {
      scope: 'scan',
      id: iam5(`<${names.bucket}.Arn>/${KEYS.TLS13_CHECKS_PREFIX}*`),
      reason: 's3:GetObject under state/tls13-checks/ only: each item reads its own account\'s TLS 1.3 re-check times (state/tls13-checks/<account id>.json), the accounts being whatever the organization holds at run time.',
    },
    {
      scope: 'reduce',
      id: iam5(`<${names.bucket}.Arn>/${KEYS.TLS13_CHECKS_PREFIX}*`),
      reason: 's3:PutObject under state/tls13-checks/ only: the reduce step copies each account\'s TLS 1.3 re-check times for its workers (state/tls13-checks/<account id>.json), the accounts known only at run time.',
    },
    { scope: 'reduce', id: runs, reason: 's3:GetObject under runs/ only: the reduce step reads the items and results of the run it is given, under runs/<execution name>/.' },
    ...names.functions.map((fn) => ({
      scope: 'stateMachine' as const,
      id: iam5(`<${fn}.Arn>:*`),
      reason: "lambda:InvokeFunction on the function's versions and aliases (<arn>:*), as CDK's LambdaInvoke task grants it: the state machine invokes only its own three functions.",
    })),
    {
      scope: 'stateMachine',
      id: iam5(`arn:<AWS::Partition>:s3:::<${names.bucket}>/*`),
      reason: "The Distributed Map's S3 ItemReader reads runs/<execution name>/items.json and its ResultWriter writes the run's manifest: object names known only at run time, in the monitor's own bucket.",
    },
    {
      scope: 'stateMachine',
      id: iam5(`${executions}:*`),
      reason: "The Distributed Map runs its items as child executions of this state machine: states:DescribeExecution/StopExecution on this state machine's own executions, as CDK's DistributedMap grants them.",
    },
    {
      scope: 'stateMachine',
      id: iam5(`${executions}/${names.mapLabel}:*`),
      reason: "The Distributed Map's child executions (label ScanAccounts) of this state machine only, as CDK's DistributedMap grants them.",
    },
    {
      scope: 'stateMachine',
      id: iam5('*'),
      reason: 'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery for the run log (logs:CreateLogDelivery, ...) support no resource-level permissions.',
    },
  ];
}
