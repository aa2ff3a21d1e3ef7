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

/** A hermetic AWS environment: fake credentials, no profile, no shared files, no instance metadata. */
export const HERMETIC_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: undefined,
  AWS_ENDPOINT_URL_CLOUDFRONT: undefined,
  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
  AWS_MAX_ATTEMPTS: undefined,
  AWS_RETRY_MODE: undefined,
} as const;
