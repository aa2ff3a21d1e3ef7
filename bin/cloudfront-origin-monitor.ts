#!/usr/bin/env node
/**
 * The CDK app: `npx cdk deploy -c alertEmails=ops@example.com`. Context keys and defaults: lib/config.ts.
 * A bad key prints its one-line error and exits 1 (no stack trace).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, type ConfigKey, type MonitorConfig, resolveConfig } from '../lib/config';
import type { CloudFrontOriginMonitorProps } from '../lib/origin-monitor';
import { CloudFrontOriginMonitorStack } from '../lib/origin-monitor-stack';

const app = new App();

let config: MonitorConfig;
try {
  config = resolveConfig((key: ConfigKey) => app.node.tryGetContext(key));
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

const given = (key: ConfigKey) => {
  const v: unknown = app.node.tryGetContext(key);
  return !(v === undefined || v === null || (typeof v === 'string' && v.trim() === ''));
};

// Validated, typed settings become the construct's props (which validates them again, with the same function).
const monitor: CloudFrontOriginMonitorProps = {
  alertEmails: config.alertEmails,
  schedule: config.schedule,
  // As given (not the derived period), so the construct repeats the same warnings about it.
  scheduleMinutes: given('scheduleMinutes') ? Number(app.node.tryGetContext('scheduleMinutes')) : undefined,
  expiryWarningDays: config.expiryWarningDays,
  reminderHours: config.reminderHours,
  confirmRuns: config.confirmRuns,
  profile: config.profile,
  suppressions: config.suppressions,
  distributions: config.distributions,
  excludeDistributions: config.excludeDistributions,
  timeoutSeconds: config.timeoutSeconds,
  memorySize: config.memorySize,
  logRetentionDays: config.logRetentionDays,
  reservedConcurrency: config.reservedConcurrency,
  connectTimeoutMs: config.connectTimeoutMs,
  scanConcurrency: config.scanConcurrency,
};

new CloudFrontOriginMonitorStack(app, 'CloudFrontOriginMonitor', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  monitor,
});

// cdk-nag v3 is a policy-validation plugin (not an Aspect any more): findings fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
