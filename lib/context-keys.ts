/**
 * Context keys that are not settings but look like a misspelt one (`-c alertEmail=...`): unknown context keys are
 * otherwise ignored (CDK's own flags live in the context too), so the app warns about these. Suggestions come from
 * didyoumean2 (Levenshtein edit distance, case-insensitive); the known keys come from the settings schema.
 */
import didYouMean, { ThresholdTypeEnums } from 'didyoumean2';
import { ORG_SETTING_KEYS, type OrgSettingKey, SETTING_KEYS, type SettingKey } from './settings';

export interface SuspiciousContextKey {
  /** The context key as given. */
  readonly key: string;
  /** The setting it probably meant. */
  readonly meant: SettingKey | OrgSettingKey;
}

/**
 * In the order given, each unknown key within edit distance 2 of a setting (case ignored), with the closest one.
 * Keys with `@` or `:` (CDK feature flags and the CLI's own `aws:cdk:...` keys) are never suspicious.
 */
export function suspiciousContextKeys(keys: Iterable<string>): SuspiciousContextKey[] {
  // The organization mode's keys too: a misspelt `organisationId` must not deploy the single-account stack in silence.
  const known: readonly string[] = [...SETTING_KEYS, ...ORG_SETTING_KEYS];
  const out: SuspiciousContextKey[] = [];
  for (const key of keys) {
    if (known.includes(key) || key.includes('@') || key.includes(':')) continue;
    const meant = didYouMean(key, known as string[], { threshold: 2, thresholdType: ThresholdTypeEnums.EDIT_DISTANCE, caseSensitive: false, deburr: false });
    if (meant) out.push({ key, meant: meant as SettingKey | OrgSettingKey });
  }
  return out;
}
