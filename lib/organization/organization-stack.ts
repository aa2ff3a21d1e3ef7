import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CloudFrontOriginOrganizationMonitor, type CloudFrontOriginOrganizationMonitorProps } from './organization-monitor';

export interface CloudFrontOriginOrganizationStackProps extends StackProps {
  readonly monitor: CloudFrontOriginOrganizationMonitorProps;
}

/**
 * The organization hub, deployed in a delegated administrator account (or the management account): the monitor,
 * the member role StackSet, and what `cdk deploy` prints at the end. cdk-nag acknowledgements are recorded by the
 * construct itself (organizationNagAcknowledgements).
 */
export class CloudFrontOriginOrganizationStack extends Stack {
  readonly monitor: CloudFrontOriginOrganizationMonitor;

  constructor(scope: Construct, id: string, props: CloudFrontOriginOrganizationStackProps) {
    super(scope, id, {
      description: 'Scans the CloudFront custom origins of every account of the organization and e-mails one digest when one would cause HTTP 502',
      ...props,
    });
    const m = (this.monitor = new CloudFrontOriginOrganizationMonitor(this, 'Monitor', props.monitor));
    new CfnOutput(this, 'RunHistoryUrl', {
      description: 'Step Functions console: every run, every account\'s item, retries and errors',
      value: `https://console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${m.stateMachine.stateMachineArn}`,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard: runs, accounts scanned, origins by status, findings of every account',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${m.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'StateMachineArn', { description: 'Start a run now: aws stepfunctions start-execution --state-machine-arn <this>', value: m.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { description: 'Subscribe more endpoints here', value: m.topic.topicArn });
    new CfnOutput(this, 'MemberRoleStackSet', { description: 'The StackSet that deploys the member role (StackSets console: instances per account)', value: m.memberRoles.stackSet.stackSetName });
    new CfnOutput(this, 'HubScanRoleArn', { description: 'The only principal the member roles trust', value: m.scanRole.roleArn });
  }
}
