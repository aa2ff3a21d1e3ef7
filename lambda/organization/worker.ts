/** Lambda entry: scan one Distributed Map item under the account's member role (scan-item.ts). Wiring only. */
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createAcmClient, createCloudFrontClient, loadTargets } from '../inventory';
import { runScan } from '../pipeline';
import { deadlineFrom } from '../run/deadline-backstop';
import { assumeMemberRole, memberRoleArn } from './assume-role';
import { ORG_ENV, ORG_SERVICE } from './contract';
import type { WorkerEvent } from './model';
import { S3RunStore } from './run-store';
import { scanItem, type WorkerOutput } from './scan-item';
import { orgConfigFromEnv } from './settings';

const logger = new Logger({ serviceName: ORG_SERVICE });
const s3 = new S3Client({ maxAttempts: 5 });
// Regional STS endpoint (the SDK's default for v3), in the function's region.
const sts = new STSClient({ maxAttempts: 5 });

export const handler = async (event: WorkerEvent, context?: Context): Promise<WorkerOutput> => {
  const config = orgConfigFromEnv([ORG_ENV.BUCKET, ORG_ENV.MEMBER_ROLE_ARN]);
  if (context) logger.addContext(context);
  // The single-account function's deadline: stop starting probes max(20 s, 10 %) before the time runs out.
  const limits = deadlineFrom(Date.now(), context?.getRemainingTimeInMillis?.());
  return scanItem(
    event,
    {
      settings: config.settings,
      assume: (accountId, runId) => assumeMemberRole(sts, memberRoleArn(config.memberRoleArn, accountId), runId),
      // The account's own CloudFront and ACM (us-east-1), with its member role's credentials.
      clients: (credentials) => ({ cloudfront: createCloudFrontClient({ credentials }), acm: createAcmClient({ credentials }) }),
      loadTargets,
      scan: runScan,
      store: new S3RunStore(s3, config.bucket),
      logger,
      now: () => new Date(),
    },
    limits,
  );
};
