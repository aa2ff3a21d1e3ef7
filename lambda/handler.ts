/**
 * The scheduled Lambda's entry point: builds the AWS clients once per container, reads the settings from the
 * function's environment (lib/settings.ts, the same schema `cdk deploy` validated them with) and calls the run
 * (lambda/run/monitor-run.ts). The settings are read at the first invocation, so a bad variable fails each
 * invocation with its one-line message (and the error alarm), not the module import.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { decodeEnvironment, type RunSettings } from '../lib/settings';
import { SnsPublisher } from './alerting/publish';
import { DynamoStateStore } from './alerting/state-store';
import { ENV, METRICS } from './contract';
import { createAcmClient, createCloudFrontClient, loadTargets } from './inventory';
import { leftToVpcProbe, vpcProbeTargets } from './inventory/vpc-targets';
import { runScan } from './pipeline';
import { createHandler, type RunDeps } from './run/monitor-run';

export interface LambdaConfig {
  settings: RunSettings;
  topicArn: string;
  tableName: string;
}

/** The function's environment: the run-time settings plus the topic and table the stack wired in; every problem in one line. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  const missing = [ENV.TOPIC_ARN, ENV.TABLE_NAME].filter((name) => !env[name]?.trim()).map((name) => `${name} is not set`);
  let settings: RunSettings | undefined;
  try {
    settings = decodeEnvironment(env);
  } catch (e) {
    missing.push((e as Error).message.replace(/^invalid configuration: /, ''));
  }
  if (missing.length > 0 || !settings) throw new Error(`invalid configuration: ${missing.join('; ')}`);
  return { settings, topicArn: env[ENV.TOPIC_ARN]!.trim(), tableName: env[ENV.TABLE_NAME]!.trim() };
}

const logger = new Logger({ serviceName: METRICS.SERVICE });
const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: METRICS.SERVICE });
const sns = new SNSClient({ maxAttempts: 5 });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), {
  marshallOptions: { removeUndefinedValues: true },
});
const cloudfront = createCloudFrontClient();
const acm = createAcmClient();

export function defaultDeps(): RunDeps {
  let config: LambdaConfig;
  try {
    config = configFromEnv();
  } catch (e) {
    logger.error((e as Error).message);
    throw e;
  }
  // The VPC probe function (SCAN_MODE=vpc-origins) probes only the VPC origins, directly, and leaves the edge check
  // to the main function.
  const vpcOnly = process.env[ENV.SCAN_MODE] === 'vpc-origins';
  // Beside a VPC probe, with the edge check off, nothing here can check the VPC origins: they are the probe's.
  const leaveVpc = process.env[ENV.SCAN_MODE] === 'with-vpc-probe' && !config.settings.edgeCheck;
  const settings = vpcOnly ? { ...config.settings, edgeCheck: false } : config.settings;
  return {
    settings,
    loadTargets: () =>
      loadTargets(
        { kind: 'api', client: cloudfront, acm },
        { distributions: settings.distributions, excludeDistributions: settings.excludeDistributions },
      ).then((targets) => (vpcOnly ? vpcProbeTargets(targets) : leaveVpc ? leftToVpcProbe(targets) : targets)),
    scan: runScan,
    store: new DynamoStateStore(dynamo, config.tableName),
    publisher: new SnsPublisher(sns, config.topicArn),
    logger,
    metrics,
    now: () => new Date(),
  };
}

export const handler = createHandler(defaultDeps);
