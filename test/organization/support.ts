/** Builders for the organization tests: distributions in the SDK's shape, with custom origins on loopback ports. */
import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { MemoryStateStore } from '../../lambda/alerting/local';
import type { StateStore } from '../../lambda/alerting/state-store';
import type { ReduceDeps } from '../../lambda/organization/reduce';
import type { RunStore } from '../../lambda/organization/run-store';

const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

export interface OriginSpec {
  id: string;
  domain: string;
  port: number;
  /** Origin mTLS: the ACM certificate CloudFront presents (CustomOriginConfig.OriginMtlsConfig). */
  mtlsCertificateArn?: string;
}

export function distribution(id: string, accountId: string, origins: OriginSpec[]): DistributionSummary {
  const items = origins.map((o) => ({
    Id: o.id,
    DomainName: o.domain,
    OriginPath: '',
    CustomHeaders: { Quantity: 0 },
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: o.port,
      OriginProtocolPolicy: 'https-only',
      OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
      OriginReadTimeout: 30,
      OriginKeepaliveTimeout: 5,
      ...(o.mtlsCertificateArn ? { OriginMtlsConfig: { ClientCertificateArn: o.mtlsCertificateArn } } : {}),
    },
    ConnectionAttempts: 1,
    ConnectionTimeout: 2,
  }));
  const behavior = (originId: string, path?: string) => ({
    ...(path ? { PathPattern: path } : {}),
    TargetOriginId: originId,
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: CACHING_OPTIMIZED,
  });
  const rest = origins.slice(1).map((o) => behavior(o.id, `/${o.id}/*`));
  return {
    Id: id,
    ARN: `arn:aws:cloudfront::${accountId}:distribution/${id}`,
    Status: 'Deployed',
    DomainName: `${id.toLowerCase()}.cloudfront.net`,
    Aliases: { Quantity: 0 },
    Origins: { Quantity: items.length, Items: items },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: behavior(origins[0].id),
    CacheBehaviors: { Quantity: rest.length, ...(rest.length ? { Items: rest } : {}) },
    Enabled: true,
    Comment: '',
  } as unknown as DistributionSummary;
}

/** A quiet logger that keeps what it was told. */
export function recordingLogger() {
  const lines: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => {
    lines.push({ level, message, extra: Object.assign({}, ...extra) });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export function recordingMetrics() {
  const values: Record<string, number[]> = {};
  return {
    values,
    published: 0,
    addMetric(name: string, _unit: unknown, value: number) {
      (values[name] ??= []).push(value);
    },
    publishStoredMetrics() {
      this.published++;
    },
  };
}

/** A reduce step's dependencies over in-memory stores: `store` and `originState` given, the rest quiet. */
export function reduceDeps(store: RunStore, originState: StateStore, now: () => Date = () => new Date()): ReduceDeps {
  return {
    settings: { profile: 'cloudfront-2025', confirmRuns: 2, reminderHours: 24, suppressions: [] },
    store,
    originState,
    accountState: new MemoryStateStore(),
    publisher: { publish: async () => ({ messageId: 'm-1' }) },
    logger: recordingLogger(),
    metrics: recordingMetrics(),
    now,
  };
}
