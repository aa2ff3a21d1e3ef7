/** Lambda entry: list the organization's accounts and write the run's items (plan.ts). Wiring only. */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { listAccounts } from './accounts';
import { ORG_ENV, ORG_SERVICE } from './contract';
import type { ListOutput } from './model';
import { planRun } from './plan';
import { S3RunStore } from './run-store';
import { orgConfigFromEnv } from './settings';

const logger = new Logger({ serviceName: ORG_SERVICE });
// Organizations is a global service served from us-east-1 (aws partition) whatever the function's region.
const organizations = new OrganizationsClient({ maxAttempts: 8 });
const s3 = new S3Client({ maxAttempts: 5 });

export const handler = async (event: { runId: string }): Promise<ListOutput> => {
  const config = orgConfigFromEnv([ORG_ENV.BUCKET]);
  return planRun(event, {
    listAccounts: () => listAccounts(organizations, config.parents),
    store: new S3RunStore(s3, config.bucket),
    bucket: config.bucket,
    chunkOrigins: config.chunkOrigins,
    excludeAccounts: config.excludeAccounts,
    logger,
  });
};
