import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CloudFrontOriginMonitor, type CloudFrontOriginMonitorProps } from './origin-monitor';

export interface CloudFrontOriginMonitorStackProps extends StackProps {
  /** Settings of the monitor (validated by the construct). */
  readonly monitor?: CloudFrontOriginMonitorProps;
}

/**
 * The deployable stack: the monitor and nothing else.
 *
 * cdk-nag (v3) acknowledgements: the construct records them itself with CDK's `Validations.of(...).acknowledge`
 * (core API, no cdk-nag import), so another CDK app that uses the construct under cdk-nag gets the same result.
 * See `nagAcknowledgements` in origin-monitor.ts for what is acknowledged and why.
 */
export class CloudFrontOriginMonitorStack extends Stack {
  readonly monitor: CloudFrontOriginMonitor;

  constructor(scope: Construct, id: string, props: CloudFrontOriginMonitorStackProps = {}) {
    super(scope, id, {
      description: 'Scans CloudFront custom origins on a schedule and e-mails when one would cause HTTP 502',
      ...props,
    });
    this.monitor = new CloudFrontOriginMonitor(this, 'Monitor', props.monitor);

    // What `cdk deploy` prints at the end: where to look next.
    const m = this.monitor;
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard: origins by status, scan duration, current findings',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${m.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'LogGroupName', { description: 'One JSON line per origin per scan ("origin result")', value: m.logGroup.logGroupName });
    new CfnOutput(this, 'AlertTopicArn', { description: 'Subscribe more endpoints (e-mail, SQS, Lambda, HTTPS) here', value: m.topic.topicArn });
    new CfnOutput(this, 'ScanFunctionName', { description: 'Invoke it to scan now: aws lambda invoke --function-name <this> /dev/stdout', value: m.function.functionName });
  }
}
