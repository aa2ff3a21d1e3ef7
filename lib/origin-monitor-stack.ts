import { Stack, type StackProps } from 'aws-cdk-lib';
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
  }
}
