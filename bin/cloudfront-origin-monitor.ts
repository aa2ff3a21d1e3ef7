#!/usr/bin/env node
/**
 * The CDK app: `npx cdk deploy -c alertEmails=ops@example.com`. Context keys and defaults: lib/settings.ts.
 * A bad key prints its one-line error and exits 1 (no stack trace); a context key that looks like a misspelt setting
 * (`-c alertEmail=...`) gets a one-line warning, since unknown keys are otherwise ignored.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { suspiciousContextKeys } from '../lib/context-keys';
import { ConfigError, ORG_SETTING_KEYS, SETTING_KEYS, wantsOrganization } from '../lib/settings';
import type { CloudFrontOriginMonitorProps } from '../lib/origin-monitor';
import { CloudFrontOriginMonitorStack } from '../lib/origin-monitor-stack';
import { CloudFrontOriginOrganizationStack } from '../lib/organization/organization-stack';

const app = new App();

// The CDK CLI gives the app the account of the credentials it found; none means `cdk deploy` is about to fail with
// CDK's generic "Unable to resolve AWS account" after the synth. Say what to do first (synth itself needs none).
if (!process.env.CDK_DEFAULT_ACCOUNT) {
  process.stderr.write(
    'Note: no AWS credentials found. `cdk synth` needs none; to deploy, set them up with `aws configure` (or `export AWS_PROFILE=<profile>`), ' +
      'run `npx cdk bootstrap` once per account and region, then `npx cdk deploy -c alertEmails=you@example.com`.\n',
  );
}

for (const { key, meant } of suspiciousContextKeys(Object.keys(app.node.getAllContext()))) {
  process.stderr.write(`Warning: context key "${key}" is not a setting and is ignored; did you mean "${meant}"?\n`);
}

// The settings as given: strings from `-c`, JSON from cdk.json. The construct validates them (resolveSettings accepts
// both forms for every key), once, and throws ConfigError for a bad one.
const monitor = Object.fromEntries(SETTING_KEYS.map((k) => [k, app.node.tryGetContext(k)])) as CloudFrontOriginMonitorProps;

const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
try {
  if (wantsOrganization((k) => app.node.tryGetContext(k))) {
    // Organization mode (-c organizationId=o-...): the hub stack, README "Organization mode".
    const organization = Object.fromEntries(ORG_SETTING_KEYS.map((k) => [k, app.node.tryGetContext(k)]));
    new CloudFrontOriginOrganizationStack(app, 'CloudFrontOriginMonitorOrganization', { env, monitor: { ...monitor, ...organization } });
  } else {
    new CloudFrontOriginMonitorStack(app, 'CloudFrontOriginMonitor', { env, monitor });
  }
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

// cdk-nag v3 is a policy-validation plugin (not an Aspect any more): findings fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
