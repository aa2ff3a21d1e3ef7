/**
 * The hub's scan role assumes the member role in each account (STS AssumeRole, the SDK's retries). A role that is
 * missing, or whose trust policy does not let the hub in, answers AccessDenied: that is the account's problem to
 * report (MemberRoleError), not a reason to retry. Other errors (throttling that outlasted the SDK's retries, a
 * network fault) are thrown as they are, for the state machine's retry.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AccountProblem } from './model';

export class MemberRoleError extends Error {
  constructor(readonly problem: AccountProblem) {
    super(problem.message);
    this.name = 'MemberRoleError';
  }
}

/** `arn:aws:iam::{accountId}:role/Name` -> the account's role ARN. */
export function memberRoleArn(pattern: string, accountId: string): string {
  return pattern.replace('{accountId}', accountId);
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId']);

/** STS session names: 2-64 characters of [\w+=,.@-]. */
export function sessionName(runId: string): string {
  return `cf-origin-monitor-${runId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

export async function assumeMemberRole(
  sts: STSClient,
  roleArn: string,
  runId: string,
): Promise<AwsCredentialIdentity> {
  try {
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName(runId), DurationSeconds: 3600 }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  } catch (e) {
    const name = (e as { name?: string }).name ?? '';
    if (DENIED.has(name) || name === 'RegionDisabledException') {
      const detail = ((e as Error).message ?? '').split('\n')[0].slice(0, 200);
      throw new MemberRoleError({
        code: 'ROLE_NOT_ASSUMABLE',
        message:
          name === 'RegionDisabledException'
            ? `STS is not enabled in this region for the account (${detail}).`
            : `${roleArn} cannot be assumed (${name}): the member role StackSet has no instance in this account (outside the target OUs, or its deployment failed: see the StackSets console), or this is the management account, where StackSets never deploy (create the role there from the same template, or add the account to excludeAccounts).`,
      });
    }
    throw e;
  }
}
