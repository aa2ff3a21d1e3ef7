/**
 * The parts the single-account monitor (origin-monitor.ts) and the organization hub (organization/) build alike, in
 * one place (as Powertools keeps its commons): the encrypted alert topic the alarms may publish to, the alert-state
 * table, the functions' runtime and bundling, Lambda's 4 KB environment check, the alarm and graph periods that
 * follow the schedule, the origins-not-checked alarm (its text: monitor-health-alarm.ts), the origins-by-status graph and the findings log query.
 *
 * Each builder creates its resources in the scope it is given, with the ids given: the constructs' templates (and so
 * their logical ids) are what they were when each built its own.
 */
import * as path from 'path';
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ENV, LOG, METRICS } from '../lambda/contract';
import { environmentBytes, LAMBDA_ENV_LIMIT_BYTES, settingError } from './settings';

/** The alert topic, encrypted with a customer-managed key, TLS only; CloudWatch alarms of this account may publish. */
export function alertTopic(
  scope: Construct,
  props: { keyDescription: string; displayName: string; alertEmails: readonly string[]; removalPolicy: RemovalPolicy },
): { topic: sns.Topic; topicKey: kms.Key } {
  const stack = Stack.of(scope);
  const topicKey = new kms.Key(scope, 'TopicKey', { description: props.keyDescription, enableKeyRotation: true, removalPolicy: props.removalPolicy });
  // CloudWatch alarm actions publish to the encrypted topic.
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  const topic = new sns.Topic(scope, 'AlertTopic', { displayName: props.displayName, masterKey: topicKey, enforceSSL: true });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }),
  );
  for (const email of props.alertEmails) topic.addSubscription(new EmailSubscription(email));
  return { topic, topicKey };
}

/** What a function needs to publish to the topic: sns:Publish on it, and its key. */
export function publishStatements(topic: sns.Topic, topicKey: kms.Key): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [topic.topicArn] }),
    new iam.PolicyStatement({ sid: 'EncryptAlerts', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [topicKey.keyArn] }),
  ];
}

/** The alert state (lambda/alerting/state-store.ts): string keys pk and sk, on demand, point-in-time recovery. */
export function stateTable(scope: Construct, id: string, removalPolicy: RemovalPolicy): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
  });
}

/**
 * Bundling of every function: the AWS SDK bundled too (the versions in package-lock.json, not whatever the runtime
 * ships); cron-validate checks schedules at synth only (lib/settings.ts loads it lazily; no function calls it).
 */
export const FUNCTION_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  format: OutputFormat.CJS,
  target: 'node24',
  externalModules: ['cron-validate'],
};

/** Node.js 24 on arm64, the project's lock file. */
export function functionRuntime(root: string) {
  return {
    projectRoot: root,
    depsLockFilePath: path.join(root, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
  };
}

/** The most a topic ARN (`arn:<partition>:sns:<region>:<account>:` and a generated name of up to 256) takes. */
export const TOPIC_ARN_MAX = 64 + 256;
/** Table names: up to 255. */
export const TABLE_NAME_MAX = 255;

/**
 * Lambda refuses a function whose environment exceeds 4 KB, at deploy time and after a slow rollback: say so at
 * synth, naming the suppressions (the only setting that can grow that large). `env` holds the values known at synth;
 * `deployTime` the most each variable CloudFormation fills in at deploy time can take (name -> bytes of its value).
 */
export function checkEnvironmentSize(env: Record<string, string>, deployTime: Record<string, number>, fn = 'the function'): void {
  const bytes = environmentBytes(env) + Object.entries(deployTime).reduce((n, [name, max]) => n + name.length + max, 0);
  if (bytes <= LAMBDA_ENV_LIMIT_BYTES) return;
  const suppressionBytes = (env[ENV.SUPPRESSIONS] ?? '').length;
  throw settingError(
    'suppressions',
    `${fn}'s environment would take up to ${bytes} bytes (${suppressionBytes} of them suppressions), over Lambda's ${LAMBDA_ENV_LIMIT_BYTES}-byte limit: drop expired suppressions, shorten reasons, or suppress a whole origin or distribution instead of code by code`,
  );
}

/** Alarm and graph periods from the schedule's period. */
export interface SchedulePeriods {
  /** The alarms' period: the schedule's, within 1 minute and a day. */
  alarmPeriod: Duration;
  /** Periods without a completed run that raise the no-run alarm: two schedule periods (as many days as cover them). */
  missedPeriods: number;
  /** The dashboard's period: the schedule's, within 5 minutes and a day. */
  graphPeriod: Duration;
}

export function schedulePeriods(periodMinutes: number): SchedulePeriods {
  const alarmPeriod = Duration.minutes(Math.min(Math.max(periodMinutes, 1), 1440));
  return {
    alarmPeriod,
    missedPeriods: Math.max(2, Math.ceil((2 * periodMinutes) / alarmPeriod.toMinutes())),
    graphPeriod: Duration.minutes(Math.min(Math.max(periodMinutes, 5), 1440)),
  };
}

/** A monitor metric with the given `service` dimension. */
export function monitorMetric(dimensions: Record<string, string>, name: string, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS.NAMESPACE, metricName: name, dimensionsMap: { ...dimensions }, statistic, ...(label ? { period, label } : { period }) });
}

/** Some origins were not checked (ORIGINS_UNCHECKED: the resolver failed, or a probe threw): one alarm, never an origin alert. */
export function originsNotCheckedAlarm(scope: Construct, description: string, dimensions: Record<string, string>, period: Duration): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'OriginsNotCheckedAlarm', {
    alarmDescription: description,
    metric: monitorMetric(dimensions, METRICS.ORIGINS_UNCHECKED, cloudwatch.Stats.MAXIMUM, period),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** Alarm and OK actions to the topic. */
export function notifyTopic(topic: sns.ITopic, alarms: readonly cloudwatch.Alarm[]): SnsAction {
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return action;
}

/** The origins-by-status graph (per scan or run). */
export function originsByStatusGraph(title: string, metric: (name: string, label: string, statistic: string) => cloudwatch.Metric, width: number, notReached: boolean): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    width,
    left: [
      metric(METRICS.ORIGINS_OK, 'ok', cloudwatch.Stats.MAXIMUM),
      metric(METRICS.ORIGINS_WARNING, 'warning', cloudwatch.Stats.MAXIMUM),
      metric(METRICS.ORIGINS_CRITICAL, 'critical', cloudwatch.Stats.MAXIMUM),
      ...(notReached ? [metric(METRICS.ORIGINS_NOT_REACHED, 'not reached', cloudwatch.Stats.MAXIMUM)] : []),
    ],
    leftYAxis: { min: 0 },
  });
}

/** A table of the LOG.ORIGIN_RESULT lines not ok (every account's, with `accountId` first, for the organization). */
export function findingsQuery(props: { title: string; logGroupNames: string[]; fields: string; dedup?: string; limit: number; height?: number }): cloudwatch.LogQueryWidget {
  return new cloudwatch.LogQueryWidget({
    title: props.title,
    width: 24,
    height: props.height ?? 8,
    logGroupNames: props.logGroupNames,
    view: cloudwatch.LogQueryVisualizationType.TABLE,
    queryLines: [
      `fields ${props.fields}`,
      `filter message = "${LOG.ORIGIN_RESULT}" and status != "ok"`,
      'sort @timestamp desc',
      ...(props.dedup ? [`dedup ${props.dedup}`] : []),
      `limit ${props.limit}`,
    ],
  });
}
