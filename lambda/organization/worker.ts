/** Lambda entry: scan one Distributed Map item under the account's member role (scan-item.ts). Wiring only. */
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { getProfile } from '../cloudfront/client-profile';
import { createCloudFrontClient, loadTargets } from '../inventory';
import { runScan } from '../pipeline';
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

/** Time kept after the last probe starts, to write the result: as the single-account handler keeps for alerting. */
export const workerMargin = (remainingMs: number) => Math.max(20_000, Math.round(remainingMs * 0.1));

export const handler = async (event: WorkerEvent, context?: Context): Promise<WorkerOutput> => {
  const config = orgConfigFromEnv([ORG_ENV.BUCKET, ORG_ENV.MEMBER_ROLE_ARN]);
  const { settings } = config;
  if (context) logger.addContext(context);
  const remaining = context?.getRemainingTimeInMillis?.();
  const deadline = remaining === undefined ? undefined : Date.now() + remaining - workerMargin(remaining);
  return scanItem(
    event,
    {
      settings: {
        profile: getProfile(settings.profile),
        expiryWarningDays: settings.expiryWarningDays,
        concurrency: settings.scanConcurrency,
        ...(settings.connectTimeoutMs ? { connectTimeoutMs: settings.connectTimeoutMs } : {}),
        distributions: settings.distributions,
        excludeDistributions: settings.excludeDistributions,
      },
      assume: (accountId, runId) => assumeMemberRole(sts, memberRoleArn(config.memberRoleArn, accountId), runId),
      cloudFront: (credentials) => createCloudFrontClient({ credentials }),
      loadTargets: (client, options) => loadTargets({ kind: 'api', client }, options),
      scan: runScan,
      store: new S3RunStore(s3, config.bucket),
      logger,
      now: () => new Date(),
    },
    deadline,
  );
};
