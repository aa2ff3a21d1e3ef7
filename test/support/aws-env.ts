/**
 * A hermetic AWS environment for tests that run the real AWS SDK against local fakes: fake credentials, and nothing
 * from this machine's AWS configuration (no profile, no shared files, no session or web-identity credentials, no
 * instance metadata, no retry or endpoint settings). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS in particular must go: with
 * it the SDK ignores AWS_ENDPOINT_URL_* and would call the real endpoints.
 */

/** Sets environment variables for one test and restores them afterwards (undefined deletes). */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  return () => apply(saved);
}

/** Undefined: removed. */
export const HERMETIC_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_DEFAULT_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_ROLE_ARN: undefined,
  AWS_ROLE_SESSION_NAME: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_AUTHORIZATION_TOKEN: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: undefined,
  AWS_ENDPOINT_URL_CLOUDFRONT: undefined,
  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
  AWS_MAX_ATTEMPTS: undefined,
  AWS_RETRY_MODE: undefined,
} as const;

/** HERMETIC_AWS_ENV for a child process given an environment of its own: the removed variables left out. */
export function hermeticChildEnv(): Record<string, string> {
  const entries: [string, string | undefined][] = Object.entries(HERMETIC_AWS_ENV);
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}
