/**
 * The member role, in every account of the organization (or of the chosen OUs): a CloudFormation StackSet with
 * service-managed permissions and automatic deployment (an account that joins a target OU gets the role; one that
 * leaves loses it), created from the hub stack, which runs in a delegated administrator account
 * (CallAs DELEGATED_ADMIN) or in the management account (SELF).
 *
 * The role may do exactly what a scan does in the account: the reads every inventory module lists
 * (REQUIRED_PERMISSIONS, STAGING_PERMISSIONS, TENANT_READS, RESOURCE_PERMISSIONS): the listings on "*" (they support
 * no resource-level permissions), every other CloudFront read on the account's own resources of its type, and
 * acm:DescribeCertificate on the account's us-east-1 certificates (origin mTLS). It trusts only the hub's scan role, and only while
 * that role is inside the organization (aws:PrincipalOrgID).
 */
import { Stack } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { REQUIRED_PERMISSIONS } from '../../lambda/inventory/cloudfront-api';
import { STAGING_PERMISSIONS } from '../../lambda/inventory/staging';
import { RESOURCE_PERMISSIONS } from '../../lambda/inventory/origin-resources';
import type { OrganizationConfig } from '../settings';

/** The multi-tenant look-ups (lambda/inventory/tenants-api.ts), as the single-account role grants them. */
export const TENANT_READS = ['cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants', 'cloudfront:GetDistributionTenant', 'cloudfront:GetDistributionConfig'] as const;

/**
 * The actions the member role allows: what the worker's scan sends in the account (the inventory modules' lists,
 * the single-account function's): the CloudFront reads, and acm:DescribeCertificate for the client certificates of
 * origin mTLS (they live in the account's ACM, us-east-1). Nothing else: the edge check is an HTTPS request to the
 * distribution's domain, with no credentials.
 */
export const MEMBER_ROLE_ACTIONS: readonly string[] = [...new Set<string>([...REQUIRED_PERMISSIONS, ...STAGING_PERMISSIONS, ...TENANT_READS, ...RESOURCE_PERMISSIONS])].sort();

/** Account-wide listings: no resource-level permissions exist for them. */
const ACCOUNT_WIDE = new Set(['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants']);
/** The resource type each read is scoped to (the account's own). A new read without a type here fails the synth. */
const RESOURCE_TYPE: Record<string, string> = {
  'cloudfront:GetCachePolicy': 'cache-policy',
  'cloudfront:GetOriginRequestPolicy': 'origin-request-policy',
  'cloudfront:GetDistributionConfig': 'distribution',
  'cloudfront:GetContinuousDeploymentPolicy': 'continuous-deployment-policy',
  'cloudfront:GetDistributionTenant': 'distribution-tenant',
  'cloudfront:GetVpcOrigin': 'vpcorigin',
};

/** ACM reads, on the account's certificates in us-east-1 (where CloudFront's certificates are). */
const ACM_READS = new Set(['acm:DescribeCertificate']);

function permissionStatements(): Record<string, unknown>[] {
  const listings = MEMBER_ROLE_ACTIONS.filter((a) => ACCOUNT_WIDE.has(a));
  const acmReads = MEMBER_ROLE_ACTIONS.filter((a) => ACM_READS.has(a));
  const reads = MEMBER_ROLE_ACTIONS.filter((a) => !ACCOUNT_WIDE.has(a) && !ACM_READS.has(a));
  for (const a of reads) if (!RESOURCE_TYPE[a]) throw new Error(`member role: no resource type known for ${a} (lib/organization/member-role.ts RESOURCE_TYPE)`);
  const arn = (type: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:cloudfront::\${AWS::AccountId}:${type}/*` });
  return [
    // The listings support no resource-level permissions.
    { Sid: 'ListDistributions', Effect: 'Allow', Action: listings, Resource: '*' },
    { Sid: 'ReadOwnCloudFrontResources', Effect: 'Allow', Action: reads, Resource: [...new Set(reads.map((a) => RESOURCE_TYPE[a]))].map(arn) },
    // Origin mTLS: the account's own certificates in us-east-1 (certificate/*), read-only. Which ones the origins'
    // OriginMtlsConfig names is known only at run time, so the grant cannot list them; the scan reads exactly those ARNs.
    { Sid: 'ReadOriginMtlsCertificates', Effect: 'Allow', Action: acmReads, Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:acm:us-east-1:${AWS::AccountId}:certificate/*' } },
  ];
}

/** The template each account gets (plain CloudFormation; the hub passes the parameters). */
export function memberRoleTemplate(): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'CloudFront origin monitor member role: lets the organization hub read this account\'s CloudFront configuration for its origin scan',
    Parameters: {
      HubScanRoleArn: { Type: 'String', Description: 'The hub scan role, the only principal trusted', AllowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$' },
      OrganizationId: { Type: 'String', Description: 'The organization the hub must belong to', AllowedPattern: '^o-[a-z0-9]{10,32}$' },
      RoleName: { Type: 'String', Description: 'Same in every account: the hub builds the ARN from it', AllowedPattern: '^[\\w+=,.@-]{1,64}$' },
    },
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: { Ref: 'RoleName' },
          Description: 'CloudFront origin monitor: read CloudFront distributions and policies, and origin mTLS certificates, for the organization scan',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'OnlyTheHubScanRoleFromTheOrganization',
                Effect: 'Allow',
                Principal: { AWS: { Ref: 'HubScanRoleArn' } },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
              },
            ],
          },
          Policies: [{ PolicyName: 'ReadCloudFrontForOriginScan', PolicyDocument: { Version: '2012-10-17', Statement: permissionStatements() } }],
        },
      },
    },
    Outputs: { MemberRoleArn: { Value: { 'Fn::GetAtt': ['MemberRole', 'Arn'] } } },
  };
}

export interface MemberRoleStackSetProps {
  readonly organization: OrganizationConfig;
  /** The hub's scan role (the worker's), the only principal the member roles trust. */
  readonly hubScanRoleArn: string;
  /** Regions to deploy to: one is enough (IAM is global). @default the hub stack's region */
  readonly region?: string;
}

export class MemberRoleStackSet extends Construct {
  readonly stackSet: CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberRoleStackSetProps) {
    super(scope, id);
    const org = props.organization;
    this.stackSet = new CfnStackSet(this, 'Resource', {
      stackSetName: `${Stack.of(this).stackName}-member-role`,
      description: 'CloudFront origin monitor: the read-only member role the organization hub assumes to scan each account',
      permissionModel: 'SERVICE_MANAGED',
      callAs: org.callAs,
      // An account that joins a target OU gets the role; one that leaves loses it.
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        // One account that cannot take the role (a role of that name exists, an SCP) must not hold back the
        // others: the scan reports that account as not scanned (role missing) until it is fixed.
        failureTolerancePercentage: 100,
      },
      parameters: [
        { parameterKey: 'HubScanRoleArn', parameterValue: props.hubScanRoleArn },
        { parameterKey: 'OrganizationId', parameterValue: org.organizationId },
        { parameterKey: 'RoleName', parameterValue: org.memberRoleName },
      ],
      stackInstancesGroup: [
        {
          deploymentTargets: {
            organizationalUnitIds: org.targets,
            ...(org.excludeAccounts.length > 0 ? { accountFilterType: 'DIFFERENCE', accounts: org.excludeAccounts } : {}),
          },
          regions: [props.region ?? Stack.of(this).region],
        },
      ],
      templateBody: JSON.stringify(memberRoleTemplate()),
    });
  }
}
