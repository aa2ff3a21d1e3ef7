// STUB: being written (alerting + handler). Exists so the CDK stack can bundle an entry.
export const handler = async (): Promise<void> => {};
