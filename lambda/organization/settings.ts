/**
 * The organization functions' configuration: the run-time settings through the same schema as the single-account
 * function (lib/settings.ts decodeEnvironment), plus the wiring the construct sets (run bucket, member role ARN
 * pattern, target OUs, excluded accounts, chunk size, state table and topic). A wrong value is one line naming the
 * variable, at the first invocation.
 */
import { decodeEnvironment, decodeOrganizationSetting, decodeRunTimeoutSeconds, type RunSettings } from '../../lib/settings';
import { ENV } from '../contract';
import { ORG_ENV } from './contract';

export interface OrgLambdaConfig {
  settings: RunSettings;
  bucket: string;
  memberRoleArn: string;
  parents: string[];
  excludeAccounts: string[];
  chunkOrigins: number;
  /** The state machine's timeout (the run lock's lifetime), ms. */
  runTimeoutMs: number;
  stateMachineName?: string;
  logGroupName?: string;
  tableName: string;
  topicArn: string;
}

/** What each function needs; `required` names the variables that must be set for it. */
export function orgConfigFromEnv(required: readonly string[], env: NodeJS.ProcessEnv = process.env): OrgLambdaConfig {
  const errors: string[] = [];
  const str = (name: string) => env[name]?.trim() || undefined;
  for (const name of required) if (!str(name)) errors.push(`${name} is not set`);
  const list = (name: string) => (str(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let settings: RunSettings | undefined;
  try {
    settings = decodeEnvironment(env);
  } catch (e) {
    errors.push((e as Error).message.replace(/^invalid configuration: /, ''));
  }
  // The construct writes these from the organization settings: read back with the same schema (range, default).
  const decoded = <T>(decode: () => T): T | undefined => {
    try {
      return decode();
    } catch (e) {
      errors.push((e as Error).message);
      return undefined;
    }
  };
  const chunkOrigins = decoded(() => decodeOrganizationSetting('chunkOrigins', ORG_ENV.CHUNK_ORIGINS, env[ORG_ENV.CHUNK_ORIGINS]));
  const runTimeoutSeconds = decoded(() => decodeRunTimeoutSeconds(ORG_ENV.RUN_TIMEOUT_SECONDS, env[ORG_ENV.RUN_TIMEOUT_SECONDS]));
  const memberRoleArn = str(ORG_ENV.MEMBER_ROLE_ARN) ?? '';
  if (memberRoleArn && !memberRoleArn.includes('{accountId}')) errors.push(`${ORG_ENV.MEMBER_ROLE_ARN} must contain {accountId} (got "${memberRoleArn}")`);
  if (errors.length > 0 || !settings || chunkOrigins === undefined || runTimeoutSeconds === undefined) throw new Error(`invalid configuration: ${errors.join('; ')}`);
  return {
    settings,
    bucket: str(ORG_ENV.BUCKET) ?? '',
    memberRoleArn,
    parents: list(ORG_ENV.PARENTS),
    excludeAccounts: list(ORG_ENV.EXCLUDE_ACCOUNTS),
    chunkOrigins,
    runTimeoutMs: runTimeoutSeconds * 1000,
    ...(str(ORG_ENV.STATE_MACHINE_NAME) ? { stateMachineName: str(ORG_ENV.STATE_MACHINE_NAME) } : {}),
    ...(str(ORG_ENV.LOG_GROUP) ? { logGroupName: str(ORG_ENV.LOG_GROUP) } : {}),
    tableName: str(ENV.TABLE_NAME) ?? '',
    topicArn: str(ENV.TOPIC_ARN) ?? '',
  };
}
