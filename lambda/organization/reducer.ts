/** Lambda entry: the organization's digest and alert state from every item's result (reduce.ts). Wiring only. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SnsPublisher } from '../alerting/publish';
import { DynamoStateStore } from '../alerting/state-store';
import { ENV, METRICS } from '../contract';
import { ACCOUNT_STATE_PARTITION, ORG_ENV, ORG_SERVICE } from './contract';
import type { ReduceEvent } from './model';
import { reduceRun, type ReduceResult } from './reduce';
import { DynamoRunLock } from './run-lock';
import { S3RunStore } from './run-store';
import { orgConfigFromEnv } from './settings';

const logger = new Logger({ serviceName: ORG_SERVICE });
const metrics = new Metrics({ namespace: METRICS.NAMESPACE, serviceName: ORG_SERVICE });
const s3 = new S3Client({ maxAttempts: 5 });
const sns = new SNSClient({ maxAttempts: 5 });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), { marshallOptions: { removeUndefinedValues: true } });

export const handler = async (event: ReduceEvent): Promise<ReduceResult> => {
  const config = orgConfigFromEnv([ORG_ENV.BUCKET, ENV.TABLE_NAME, ENV.TOPIC_ARN]);
  const { settings } = config;
  return reduceRun(event, {
    settings: {
      profile: settings.profile,
      confirmRuns: settings.confirmRuns,
      reminderHours: settings.reminderHours,
      suppressions: settings.suppressions,
      ...(config.stateMachineName ? { stateMachineName: config.stateMachineName } : {}),
      ...(config.logGroupName ? { logGroupName: config.logGroupName } : {}),
    },
    store: new S3RunStore(s3, config.bucket),
    originState: new DynamoStateStore(dynamo, config.tableName),
    accountState: new DynamoStateStore(dynamo, config.tableName, { partition: ACCOUNT_STATE_PARTITION }),
    publisher: new SnsPublisher(sns, config.topicArn),
    logger,
    metrics,
    now: () => new Date(),
    lock: new DynamoRunLock(dynamo, config.tableName),
  });
};
