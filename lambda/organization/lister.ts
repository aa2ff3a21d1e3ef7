/** Lambda entry: take the run lock, list the organization's accounts and write the run's items (plan.ts). Wiring only. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { listAccounts } from './accounts';
import { ENV } from '../contract';
import { ORG_ENV, ORG_SERVICE } from './contract';
import type { ListEvent, ListOutput, SkippedRun } from './model';
import { planRun } from './plan';
import { DynamoRunLock } from './run-lock';
import { S3RunStore } from './run-store';
import { orgConfigFromEnv } from './settings';

const logger = new Logger({ serviceName: ORG_SERVICE });
// Organizations is a global service served from us-east-1 (aws partition) whatever the function's region.
const organizations = new OrganizationsClient({ maxAttempts: 8 });
const s3 = new S3Client({ maxAttempts: 5 });
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }));

export const handler = async (event: ListEvent): Promise<ListOutput | SkippedRun> => {
  const config = orgConfigFromEnv([ORG_ENV.BUCKET, ENV.TABLE_NAME, ORG_ENV.RUN_TIMEOUT_SECONDS]);
  return planRun(event, {
    listAccounts: () => listAccounts(organizations, config.parents),
    store: new S3RunStore(s3, config.bucket),
    bucket: config.bucket,
    chunkOrigins: config.chunkOrigins,
    excludeAccounts: config.excludeAccounts,
    logger,
    lock: new DynamoRunLock(dynamo, config.tableName),
    runTimeoutMs: config.runTimeoutMs,
    now: () => new Date(),
  });
};
