/**
 * What the distribution only points at, read from AWS: the ACM client certificate of each origin mTLS origin
 * (`acm:DescribeCertificate`, on exactly those ARNs) and the settings of each VPC origin (`cloudfront:GetVpcOrigin`).
 * Each ARN and id is read once per run, a few at a time; one that cannot be read is said on its origins (an info
 * finding), never fatal. An offline inventory (a file) reads nothing and says so.
 */
import { ACMClient, type ACMClientConfig, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { type CloudFrontClient, GetVpcOriginCommand } from '@aws-sdk/client-cloudfront';
import type { ClientCertificateFacts, OriginProtocolPolicy, OriginSslProtocol, OriginTarget, VpcOriginEndpoint } from '../model';
import { mapLimit } from '../util/limiter';
import { MAX_ATTEMPTS } from './cloudfront-api';

/** CloudFront uses ACM certificates in us-east-1 only, origin mTLS client certificates included. */
export const ACM_REGION = 'us-east-1';

export const RESOURCE_PERMISSIONS = ['acm:DescribeCertificate', 'cloudfront:GetVpcOrigin'] as const;

export function createAcmClient(config: ACMClientConfig = {}): ACMClient {
  return new ACMClient({ region: ACM_REGION, maxAttempts: MAX_ATTEMPTS, ...config });
}

export interface ResourceClients {
  /** None: the client certificates are reported as not read. */
  acm?: Pick<ACMClient, 'send'>;
  cloudfront: Pick<CloudFrontClient, 'send'>;
}

const READS_AT_ONCE = 4;

function errorLine(e: unknown): string {
  const err = e as { name?: string; message?: string };
  return `${err.name ?? 'Error'}: ${(err.message ?? String(e)).split('\n')[0]}`;
}

const iso = (d: Date | undefined) => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined);

async function describeCertificate(acm: ResourceClients['acm'], arn: string): Promise<ClientCertificateFacts> {
  if (!acm) throw new Error('not read: no ACM client was given to the scan');
  const c = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn })))?.Certificate;
  if (!c) throw new Error('DescribeCertificate returned no certificate');
  const facts: ClientCertificateFacts = { arn };
  const set = <K extends keyof ClientCertificateFacts>(k: K, v: ClientCertificateFacts[K] | undefined) => {
    if (v !== undefined) facts[k] = v;
  };
  set('status', c.Status);
  set('notAfter', iso(c.NotAfter));
  set('notBefore', iso(c.NotBefore));
  set('renewalEligibility', c.RenewalEligibility);
  set('renewalStatus', c.RenewalSummary?.RenewalStatus);
  set('type', c.Type);
  set('domainName', c.DomainName);
  set('inUseBy', c.InUseBy?.length);
  return facts;
}

const POLICIES: readonly OriginProtocolPolicy[] = ['http-only', 'https-only', 'match-viewer'];
const SSL: readonly OriginSslProtocol[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'];

async function getVpcOrigin(cloudfront: ResourceClients['cloudfront'], id: string): Promise<VpcOriginEndpoint> {
  const v = (await cloudfront.send(new GetVpcOriginCommand({ Id: id })))?.VpcOrigin;
  const e = v?.VpcOriginEndpointConfig;
  if (!e?.Arn) throw new Error('GetVpcOrigin returned no endpoint configuration');
  const policy = POLICIES.find((p) => p === e.OriginProtocolPolicy);
  if (!policy) throw new Error(`GetVpcOrigin: unknown OriginProtocolPolicy ${JSON.stringify(e.OriginProtocolPolicy)}`);
  return {
    ...(e.Name ? { name: e.Name } : {}),
    arn: e.Arn,
    httpPort: e.HTTPPort ?? 80,
    httpsPort: e.HTTPSPort ?? 443,
    protocolPolicy: policy,
    sslProtocols: (e.OriginSslProtocols?.Items ?? ['TLSv1.2']).filter((p): p is OriginSslProtocol => (SSL as readonly string[]).includes(p)),
    ...(v?.Status ? { status: v.Status } : {}),
  };
}

/** Fills `mtls.certificate` and `vpcOrigin.endpoint` (or their `readError`) on the targets, in place. */
export async function readOriginResources(targets: OriginTarget[], clients: ResourceClients): Promise<OriginTarget[]> {
  const arns = [...new Set(targets.flatMap((t) => (t.mtls && !t.skip ? [t.mtls.clientCertificateArn] : [])))];
  const vpcIds = [...new Set(targets.flatMap((t) => (t.vpcOrigin && !t.skip ? [t.vpcOrigin.id] : [])))];
  const certificates = new Map<string, ClientCertificateFacts | { error: string }>();
  const vpcOrigins = new Map<string, VpcOriginEndpoint | { error: string }>();
  await Promise.all([
    mapLimit(arns, READS_AT_ONCE, async (arn) => {
      certificates.set(arn, await describeCertificate(clients.acm, arn).catch((e: unknown) => ({ error: errorLine(e) })));
    }),
    mapLimit(vpcIds, READS_AT_ONCE, async (id) => {
      vpcOrigins.set(id, await getVpcOrigin(clients.cloudfront, id).catch((e: unknown) => ({ error: errorLine(e) })));
    }),
  ]);
  for (const t of targets) {
    const cert = t.mtls ? certificates.get(t.mtls.clientCertificateArn) : undefined;
    if (t.mtls && cert) t.mtls = 'error' in cert ? { ...t.mtls, readError: cert.error } : { ...t.mtls, certificate: cert };
    const vpc = t.vpcOrigin ? vpcOrigins.get(t.vpcOrigin.id) : undefined;
    if (t.vpcOrigin && vpc) {
      const shared = t.vpcOrigin.ownerAccountId ? ` (shared from account ${t.vpcOrigin.ownerAccountId}: read it there)` : '';
      t.vpcOrigin = 'error' in vpc ? { ...t.vpcOrigin, readError: `${vpc.error}${shared}` } : { ...t.vpcOrigin, endpoint: vpc };
    }
  }
  return targets;
}
