/**
 * CloudFrontOriginMonitor: a scheduled Lambda that scans every CloudFront distribution's custom origins and
 * e-mails (SNS) when an origin would make CloudFront answer HTTP 502, plus the alarms and dashboard that watch it.
 *
 * Props are validated like the context keys (lib/settings.ts): a bad value throws one line naming the prop.
 */
import * as path from 'path';
import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV, LOG, METRICS, METRIC_DIMENSIONS } from '../lambda/contract';
import { originsNotCheckedDescription } from './monitor-health-alarm';
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
} from './monitor-parts';
import { encodeEnvironment, type MonitorConfig, resolveSettings, type SettingKey, type SettingProps } from './settings';

/**
 * The settings (each described once, in lib/settings.ts SETTINGS and the README's "Context keys") plus the
 * construct's own removal policy.
 */
export interface CloudFrontOriginMonitorProps extends SettingProps {
  /** Removal policy of the state table, the log group and the topic's KMS key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The cdk-nag (AwsSolutions) findings the monitor keeps on purpose, acknowledged on its Lambda role with CDK's core
 * `Validations.of(...).acknowledge` (no cdk-nag dependency), so any app using the construct under cdk-nag passes.
 * A finding id carries the ARN as cdk-nag renders it: `<AWS::AccountId>` for an environment-agnostic stack, the
 * account number when the stack has one; hence a function of the stack.
 */
export function nagAcknowledgements(stack: Stack): Array<{ id: string; reason: string }> {
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const arn = (resource: string) => `Resource::arn:${partition}:cloudfront::${account}:${resource}/*`;
  return [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudfront:ListDistributions, ListDistributionsByConnectionMode and ListDistributionTenants list the whole account and are granted on Resource "*"; they are the only actions on "*".',
    },
    {
      id: `AwsSolutions-IAM5[${arn('cache-policy')}]`,
      reason:
        "cloudfront:GetCachePolicy, scoped to this account's cache policies: the scan reads whichever policy a distribution references, unknown at deploy time.",
    },
    {
      id: `AwsSolutions-IAM5[${arn('origin-request-policy')}]`,
      reason:
        "cloudfront:GetOriginRequestPolicy, scoped to this account's origin request policies: the scan reads whichever policy a distribution references, unknown at deploy time.",
    },
    {
      id: `AwsSolutions-IAM5[${arn('distribution')}]`,
      reason:
        "cloudfront:GetDistributionConfig, scoped to this account's distributions: read only when the listing has staging distributions (to find their primary) or multi-tenant templates (their parameter defaults), which are unknown at deploy time.",
    },
    {
      id: `AwsSolutions-IAM5[${arn('continuous-deployment-policy')}]`,
      reason:
        "cloudfront:GetContinuousDeploymentPolicy, scoped to this account's continuous deployment policies: the policy a primary distribution names, unknown at deploy time, gives a staging distribution's traffic share.",
    },
    {
      id: `AwsSolutions-IAM5[${arn('distribution-tenant')}]`,
      reason:
        "cloudfront:GetDistributionTenant, scoped to this account's distribution tenants: each tenant's parameter values fill its template's origin names; the tenants are unknown at deploy time.",
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:acm:us-east-1:${account}:certificate/*]`,
      reason:
        "acm:DescribeCertificate, scoped to this account's certificates in us-east-1 (where CloudFront's are): the scan reads exactly the client certificates that origins' OriginMtlsConfig names, unknown at deploy time.",
    },
    {
      id: `AwsSolutions-IAM5[${arn('vpcorigin')}]`,
      reason: "cloudfront:GetVpcOrigin, scoped to this account's VPC origins: the scan reads the VPC origins that distributions name, unknown at deploy time.",
    },
  ];
}

/** The DynamoDB actions the Lambda's state store uses on its table (lambda/alerting/state-store.ts). */
export const STATE_TABLE_ACTIONS = ['dynamodb:Query', 'dynamodb:BatchWriteItem'] as const;

export class CloudFrontOriginMonitor extends Construct {
  /** The validated settings. */
  readonly config: MonitorConfig;
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly table: dynamodb.Table;
  readonly logGroup: logs.LogGroup;
  readonly rule: events.Rule;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly noScanAlarm: cloudwatch.Alarm;
  /** Some origins were not checked (the resolver failed, or their probe threw): one monitor-health alert, not one per origin. */
  readonly originsNotCheckedAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;
  /** The VPC probe (the vpcProbe setting): a second function inside the VPC that probes VPC origins directly. */
  readonly vpcProbe?: { function: NodejsFunction; role: iam.Role; table: dynamodb.Table; logGroup: logs.LogGroup; errorsAlarm: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: CloudFrontOriginMonitorProps = {}) {
    super(scope, id);
    const config = resolveSettings((key: SettingKey) => (props as Record<string, unknown>)[key]);
    this.config = config;
    for (const w of config.warnings) Annotations.of(this).addWarningV2(`cloudfront-origin-monitor:${w.id}`, w.message);

    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const root = path.join(__dirname, '..');

    // Alerts: a topic encrypted with a customer-managed key, TLS only (monitor-parts.ts, as the organization's).
    ({ topic: this.topic, topicKey: this.topicKey } = alertTopic(this, {
      keyDescription: 'Encrypts the CloudFront origin monitor alert topic',
      displayName: 'CloudFront origin monitor',
      alertEmails: config.alertEmails,
      removalPolicy,
    }));

    // Alert state (open alerts, consecutive failures, reminders).
    this.table = stateTable(this, 'StateTable', removalPolicy);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });

    // Least privilege, no managed policies.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CloudFront origin monitor: read CloudFront configuration, keep alert state, publish alerts',
    });
    // The scan's reads and its alerts; the VPC probe's role gets the same (each function keeps its own logs and state).
    const scanStatements: iam.PolicyStatement[] = [];
    const allowScan = (statement: iam.PolicyStatement) => {
      scanStatements.push(statement);
      this.role.addToPrincipalPolicy(statement);
    };
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    allowScan(
      new iam.PolicyStatement({
        sid: 'ListDistributions',
        // Account-wide listings: ListDistributions supports no resource-level scoping; the multi-tenant templates
        // (which ListDistributions may not return) and their tenants are listed the same way.
        actions: ['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants'],
        resources: ['*'],
      }),
    );
    allowScan(
      new iam.PolicyStatement({
        sid: 'ReadOriginPolicies',
        actions: ['cloudfront:GetCachePolicy', 'cloudfront:GetOriginRequestPolicy'],
        resources: [
          cloudFrontArn(stack, 'cache-policy'),
          cloudFrontArn(stack, 'origin-request-policy'),
        ],
      }),
    );
    allowScan(
      new iam.PolicyStatement({
        sid: 'ReadStagingAndTenants',
        // Staging distributions' primaries and traffic shares; multi-tenant templates' defaults and tenants' values.
        actions: ['cloudfront:GetDistributionConfig', 'cloudfront:GetContinuousDeploymentPolicy', 'cloudfront:GetDistributionTenant'],
        resources: [
          cloudFrontArn(stack, 'distribution'),
          cloudFrontArn(stack, 'continuous-deployment-policy'),
          cloudFrontArn(stack, 'distribution-tenant'),
        ],
      }),
    );
    allowScan(
      new iam.PolicyStatement({
        sid: 'ReadOriginResources',
        // Origin mTLS client certificates (ACM, us-east-1 only for CloudFront) and VPC origins' settings
        // (lambda/inventory/origin-resources.ts): exactly the ARNs and ids the distributions name.
        actions: ['acm:DescribeCertificate', 'cloudfront:GetVpcOrigin'],
        resources: [
          stack.formatArn({ service: 'acm', region: 'us-east-1', resource: 'certificate', resourceName: '*' }),
          cloudFrontArn(stack, 'vpcorigin'),
        ],
      }),
    );
    for (const statement of publishStatements(this.topic, this.topicKey)) allowScan(statement);
    // Exactly what lambda/alerting/state-store.ts sends: one paginated (consistent) Query to load, BatchWriteItem
    // (puts and deletes, 25 at a time) to save; BatchWriteItem needs no PutItem/DeleteItem. The table has no index
    // (the table ARN suffices) and is encrypted with the AWS managed key, whose key policy lets whoever may use the
    // table use it through DynamoDB (no KMS action here).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AlertState',
        actions: [...STATE_TABLE_ACTIONS],
        resources: [this.table.tableArn],
      }),
    );
    for (const ack of nagAcknowledgements(stack)) Validations.of(this.role).acknowledge(ack);

    const env: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: METRICS.SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS.NAMESPACE,
      ...encodeEnvironment(config),
      // The VPC probe checks the VPC origins directly: with the edge check off, the main function leaves them to it.
      ...(config.vpcProbe ? { [ENV.SCAN_MODE]: 'with-vpc-probe' } : {}),
    };
    checkEnvironmentSize(env, { [ENV.TOPIC_ARN]: TOPIC_ARN_MAX, [ENV.TABLE_NAME]: TABLE_NAME_MAX });
    env[ENV.TOPIC_ARN] = this.topic.topicArn;
    env[ENV.TABLE_NAME] = this.table.tableName;

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Scans CloudFront custom origins for causes of HTTP 502',
      entry: path.join(root, 'lambda', 'handler.ts'),
      handler: 'handler',
      ...functionRuntime(root),
      timeout: Duration.seconds(config.timeoutSeconds),
      memorySize: config.memorySize,
      reservedConcurrentExecutions: config.reservedConcurrency,
      // A failed scan is retried by the next scheduled run, not by async-invoke retries that could overlap it.
      retryAttempts: 0,
      role: this.role,
      logGroup: this.logGroup,
      environment: env,
      bundling: FUNCTION_BUNDLING,
    });
    // Our own statements are all the function needs; make sure the role's policy exists before the function.
    this.function.node.addDependency(this.role);

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the CloudFront origin scan',
      schedule: events.Schedule.expression(config.schedule),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });

    // Watching the watcher.
    // Two schedule periods without a completed scan: over a one-day period, as many days as cover two periods.
    const { alarmPeriod, missedPeriods: noScanPeriods, graphPeriod } = schedulePeriods(config.schedulePeriodMinutes);

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'The CloudFront origin monitor Lambda failed (see its log group).',
      metric: this.function.metricErrors({ period: alarmPeriod, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const scanCompleted = new cloudwatch.Metric({
      namespace: METRICS.NAMESPACE,
      metricName: METRICS.SCAN_COMPLETED,
      dimensionsMap: { ...METRIC_DIMENSIONS },
      statistic: cloudwatch.Stats.SUM,
      period: alarmPeriod,
    });
    this.noScanAlarm = new cloudwatch.Alarm(this, 'NoScanAlarm', {
      alarmDescription: `No CloudFront origin scan completed in ${noScanPeriods * alarmPeriod.toMinutes()} minutes (schedule ${config.schedule}).`,
      metric: scanCompleted,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: noScanPeriods,
      datapointsToAlarm: noScanPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.originsNotCheckedAlarm = originsNotCheckedAlarm(this, originsNotCheckedDescription("the function's log group"), METRIC_DIMENSIONS, alarmPeriod);
    const alarmAction = notifyTopic(this.topic, [this.errorsAlarm, this.noScanAlarm, this.originsNotCheckedAlarm]);

    if (config.vpcProbe) {
      this.vpcProbe = this.vpcProbeFunction(config, { env, scanStatements, removalPolicy, root, alarmPeriod, alarmAction });
    }

    // Dashboard.
    const metric = (name: string, label: string, statistic: string) => monitorMetric(METRIC_DIMENSIONS, name, statistic, graphPeriod, label);
    const logGroupNames = [this.logGroup.logGroupName];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          originsByStatusGraph('Origins by status (per scan)', metric, 12, false),
          new cloudwatch.GraphWidget({
            title: 'Scan duration (ms)',
            width: 12,
            left: [
              metric(METRICS.SCAN_DURATION, 'average', cloudwatch.Stats.AVERAGE),
              metric(METRICS.SCAN_DURATION, 'maximum', cloudwatch.Stats.MAXIMUM),
            ],
            leftYAxis: { min: 0 },
          }),
        ],
        [
          new cloudwatch.AlarmStatusWidget({ title: 'Monitor health', width: 6, height: 4, alarms: [this.errorsAlarm, this.noScanAlarm, this.originsNotCheckedAlarm] }),
          new cloudwatch.SingleValueWidget({
            title: 'Last scan',
            width: 18,
            height: 4,
            metrics: [
              metric(METRICS.ORIGINS_CRITICAL, 'critical', cloudwatch.Stats.MAXIMUM),
              metric(METRICS.ORIGINS_WARNING, 'warning', cloudwatch.Stats.MAXIMUM),
              metric(METRICS.ORIGINS_SKIPPED, 'skipped', cloudwatch.Stats.MAXIMUM),
              metric(METRICS.ORIGINS_NOT_REACHED, 'not reached', cloudwatch.Stats.MAXIMUM),
              metric(METRICS.ORIGINS_UNCHECKED, 'not checked', cloudwatch.Stats.MAXIMUM),
              metric(METRICS.ALERTS_PUBLISHED, 'alert digests', cloudwatch.Stats.SUM),
            ],
          }),
        ],
        [
          new cloudwatch.LogQueryWidget({
            title: 'Current status per origin (latest result)',
            width: 24,
            height: 8,
            logGroupNames,
            view: cloudwatch.LogQueryVisualizationType.TABLE,
            queryLines: [
              'fields @timestamp, status, critical, warning, distributionId, originId, domainName, findingCodes.0, findingCodes.1, findingCodes.2',
              `filter message = "${LOG.ORIGIN_RESULT}"`,
              'sort @timestamp desc',
              'dedup distributionId, originId',
              'limit 1000',
            ],
          }),
        ],
        [
          findingsQuery({
            title: 'Findings (origins not ok)',
            logGroupNames,
            fields: '@timestamp, status, critical, warning, distributionId, originId, domainName, findingCodes.0, findingCodes.1, findingCodes.2',
            limit: 200,
          }),
        ],
      ],
    });
  }

  /**
   * The VPC probe: the same handler in VPC-origins mode (SCAN_MODE), attached to the user's private subnets with a
   * security group the VPC origins admit, on the same schedule and topic; its own alert state, log group and role
   * (the scan's reads and alerts, plus the network interfaces Lambda needs in a VPC).
   */
  private vpcProbeFunction(config: MonitorConfig, parts: VpcProbeParts): NonNullable<CloudFrontOriginMonitor['vpcProbe']> {
    const vpc = config.vpcProbe!;
    const table = stateTable(this, 'VpcProbeStateTable', parts.removalPolicy);
    const logGroup = new logs.LogGroup(this, 'VpcProbeLogGroup', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy: parts.removalPolicy });
    const role = new iam.Role(this, 'VpcProbeRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CloudFront origin monitor VPC probe: read CloudFront configuration, probe VPC origins from inside the VPC',
    });
    for (const st of parts.scanStatements) role.addToPrincipalPolicy(st);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AlertState', actions: [...STATE_TABLE_ACTIONS], resources: [table.tableArn] }));
    // What Lambda does with the function's network interfaces in the VPC (the actions of AWSLambdaVPCAccessExecutionRole).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }),
    );
    const stack = Stack.of(this);
    for (const ack of nagAcknowledgements(stack)) {
      const reason = ack.id === 'AwsSolutions-IAM5[Resource::*]' ? `${ack.reason} The VPC probe also manages its network interfaces in the VPC (ec2:CreateNetworkInterface and the like), which Lambda does on Resource "*" (the AWSLambdaVPCAccessExecutionRole actions).` : ack.reason;
      Validations.of(role).acknowledge({ id: ack.id, reason });
    }
    const fn = new NodejsFunction(this, 'VpcProbeFunction', {
      description: 'Probes CloudFront VPC origins directly, from inside their VPC',
      entry: path.join(parts.root, 'lambda', 'handler.ts'),
      handler: 'handler',
      ...functionRuntime(parts.root),
      timeout: Duration.seconds(config.timeoutSeconds),
      memorySize: config.memorySize,
      retryAttempts: 0,
      role,
      logGroup,
      environment: { ...parts.env, [ENV.TABLE_NAME]: table.tableName, [ENV.SCAN_MODE]: 'vpc-origins', [ENV.EDGE_CHECK]: 'false' },
      bundling: FUNCTION_BUNDLING,
    });
    // The user's subnets and security groups, as given (no VPC lookup at synth).
    (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = { subnetIds: vpc.subnetIds, securityGroupIds: vpc.securityGroupIds };
    fn.node.addDependency(role);
    this.rule.addTarget(new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) }));
    const errorsAlarm = new cloudwatch.Alarm(this, 'VpcProbeErrorsAlarm', {
      alarmDescription: 'The CloudFront origin monitor VPC probe failed (see its log group).',
      metric: fn.metricErrors({ period: parts.alarmPeriod, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    errorsAlarm.addAlarmAction(parts.alarmAction);
    errorsAlarm.addOkAction(parts.alarmAction);
    return { function: fn, role, table, logGroup, errorsAlarm };
  }
}

/** The VPC probe function (lambda/inventory/vpc-targets.ts): written as a method so the constructor stays readable. */
interface VpcProbeParts {
  env: Record<string, string>;
  scanStatements: iam.PolicyStatement[];
  removalPolicy: RemovalPolicy;
  root: string;
  alarmPeriod: Duration;
  alarmAction: SnsAction;
}

/** `arn:<partition>:cloudfront::<account>:<resource>/*` (CloudFront ARNs have no region). */
function cloudFrontArn(stack: Stack, resource: string): string {
  return stack.formatArn({ service: 'cloudfront', region: '', resource, resourceName: '*' });
}

/**
 * The most the two values CloudFormation fills in at deploy time can take: the topic ARN and the table name, with
 * their variable names (monitor-parts.ts checkEnvironmentSize).
 */
export const DEPLOY_TIME_ENV_BYTES = ENV.TOPIC_ARN.length + TOPIC_ARN_MAX + ENV.TABLE_NAME.length + TABLE_NAME_MAX;
