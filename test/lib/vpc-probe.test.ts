/** The VPC probe (-c vpcProbe=...): a second function in the user's subnets, least privilege, cdk-nag clean. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CloudFrontOriginMonitorStack } from '../../lib/origin-monitor-stack';
import { resolveSettings } from '../../lib/settings';

const ENVIRONMENT = { account: '123456789012', region: 'us-east-1' };
const VPC_PROBE = { subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] };

function synth(vpcProbe?: unknown) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CloudFrontOriginMonitorStack(app, 'Vpc', { env: ENVIRONMENT, monitor: { alertEmails: ['ops@example.com'], ...(vpcProbe ? { vpcProbe: vpcProbe as never } : {}) } });
  return { stack, template: Template.fromStack(stack) };
}

describe('the VPC probe', () => {
  const { stack, template } = synth(VPC_PROBE);
  const functions = template.findResources('AWS::Lambda::Function');
  const vpcFn = Object.values(functions).find((f) => f.Properties.VpcConfig)!;

  it('is off by default: one function', () => {
    expect(Object.keys(synth().template.findResources('AWS::Lambda::Function'))).toHaveLength(1);
  });

  it('runs the same handler in VPC-origins mode, in the given subnets and security groups, with its own state table, on the same schedule', () => {
    expect(Object.keys(functions)).toHaveLength(2);
    expect(vpcFn.Properties.VpcConfig).toEqual({ SubnetIds: VPC_PROBE.subnetIds, SecurityGroupIds: VPC_PROBE.securityGroupIds });
    expect(vpcFn.Properties.Environment.Variables).toMatchObject({ SCAN_MODE: 'vpc-origins', EDGE_CHECK: 'false' });
    const mainFn = Object.values(functions).find((f) => !f.Properties.VpcConfig)!;
    expect(vpcFn.Properties.Environment.Variables.STATE_TABLE_NAME).not.toEqual(mainFn.Properties.Environment.Variables.STATE_TABLE_NAME);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(2);
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rule.Properties.Targets).toHaveLength(2);
  });

  it("tells the main function it has a VPC probe (so with the edge check off it leaves the VPC origins to it, not alarming); without one it says nothing", () => {
    const mainFn = Object.values(functions).find((f) => !f.Properties.VpcConfig)!;
    expect(mainFn.Properties.Environment.Variables.SCAN_MODE).toBe('with-vpc-probe');
    const [alone] = Object.values(synth().template.findResources('AWS::Lambda::Function'));
    expect(alone.Properties.Environment.Variables.SCAN_MODE).toBeUndefined();
  });

  it("has its own role: the scan's reads and alerts, its own logs and table, and Lambda's network-interface actions", () => {
    const roleId = vpcFn.Properties.Role['Fn::GetAtt'][0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes(roleId))!;
    const sids = (policy.Properties.PolicyDocument.Statement as { Sid: string }[]).map((s) => s.Sid).sort();
    expect(sids).toEqual(['AlertState', 'EncryptAlerts', 'ListDistributions', 'NetworkInterfaces', 'PublishAlerts', 'ReadOriginPolicies', 'ReadOriginResources', 'ReadStagingAndTenants', 'WriteOwnLogs']);
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('a bad value is one line naming the key', () => {
    expect(() => resolveSettings((k) => (k === 'vpcProbe' ? '{"subnetIds":["subnet-1"],"securityGroupIds":[]}' : undefined))).toThrow(
      /^Invalid vpcProbe: subnetIds item "subnet-1" is not a subnet-\.\.\. id \(example: -c vpcProbe=/,
    );
  });
});
