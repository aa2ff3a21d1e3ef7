/**
 * Findings about what an origin uses beyond its own server: the ACM client certificate CloudFront presents to an
 * origin mTLS origin, and a VPC origin's settings. Pure: the target (as the inventory filled it) and the clock in.
 *
 * The client certificate gets the thresholds of server certificates: expired is critical (an origin that verifies
 * client certificates rejects CloudFront: 502), within `expiryWarningDays` a warning.
 */
import type { Finding, OriginTarget } from '../model';
import { makeFinding } from './make-finding';

const DAY_MS = 86_400_000;

export interface ResourceOptions {
  now: Date;
  expiryWarningDays: number;
}

export function resourceFindings(target: OriginTarget, options: ResourceOptions): Finding[] {
  return [...mtlsFindings(target, options), ...vpcFindings(target)];
}

function mtlsFindings(target: OriginTarget, { now, expiryWarningDays }: ResourceOptions): Finding[] {
  const mtls = target.mtls;
  if (!mtls) return [];
  const arn = mtls.clientCertificateArn;
  const reproduce = { resourceId: arn };
  if (!mtls.certificate) {
    return [
      makeFinding(target, {
        code: 'MTLS_CERT_UNREADABLE',
        message: `the origin mTLS client certificate ${arn} was not read: ${mtls.readError ?? 'not looked up'}`,
        evidence: { clientCertificateArn: arn, ...(mtls.readError ? { error: mtls.readError } : {}) },
        reproduce,
      }),
    ];
  }
  const c = mtls.certificate;
  const evidence = {
    clientCertificateArn: arn,
    ...(c.status ? { status: c.status } : {}),
    ...(c.notAfter ? { notAfter: c.notAfter } : {}),
    ...(c.renewalEligibility ? { renewalEligibility: c.renewalEligibility } : {}),
    ...(c.renewalStatus ? { renewalStatus: c.renewalStatus } : {}),
    ...(c.type ? { type: c.type } : {}),
    ...(c.domainName ? { domainName: c.domainName } : {}),
  };
  const out: Finding[] = [];
  const notAfter = c.notAfter ? Date.parse(c.notAfter) : NaN;
  const daysLeft = Number.isNaN(notAfter) ? undefined : Math.floor((notAfter - now.getTime()) / DAY_MS);
  if (daysLeft !== undefined && notAfter <= now.getTime()) {
    out.push(makeFinding(target, { code: 'MTLS_CERT_EXPIRED', message: `the client certificate CloudFront presents to the origin expired on ${c.notAfter} (${arn})`, evidence, reproduce }));
  } else if (c.status && c.status !== 'ISSUED') {
    out.push(makeFinding(target, { code: 'MTLS_CERT_NOT_ISSUED', message: `the client certificate CloudFront presents to the origin is ${c.status} in ACM (${arn})`, evidence, reproduce }));
  } else if (daysLeft !== undefined && daysLeft <= expiryWarningDays) {
    const renews = c.renewalEligibility === 'ELIGIBLE' ? '' : '; ACM will not renew it';
    out.push(
      makeFinding(target, {
        code: 'MTLS_CERT_EXPIRING_SOON',
        message: `the client certificate CloudFront presents to the origin expires in ${daysLeft} days (${c.notAfter})${renews}`,
        // daysLeft and fingerprint256 drive the alert policy's expiry stages (14, 7, 3, 1 days), as for server certificates.
        evidence: { ...evidence, daysLeft, fingerprint256: `${arn}@${c.notAfter}` },
        reproduce,
      }),
    );
  }
  if (c.renewalEligibility === 'INELIGIBLE' && out.every((f) => f.code !== 'MTLS_CERT_EXPIRED')) {
    out.push(
      makeFinding(target, {
        code: 'MTLS_CERT_NOT_RENEWABLE',
        message: `ACM will not renew the client certificate ${arn} (renewal eligibility INELIGIBLE${c.type ? `, ${c.type}` : ''})${c.notAfter ? `: it expires on ${c.notAfter}` : ''}`,
        evidence,
        reproduce,
      }),
    );
  }
  return out;
}

function vpcFindings(target: OriginTarget): Finding[] {
  const vpc = target.vpcOrigin;
  if (!vpc) return [];
  const reproduce = { resourceId: vpc.id };
  if (!vpc.endpoint) {
    return [
      makeFinding(target, {
        code: 'VPC_ORIGIN_UNREADABLE',
        message: `VPC origin ${vpc.id}${vpc.ownerAccountId ? ` (account ${vpc.ownerAccountId})` : ''} was not read: ${vpc.readError ?? 'not looked up'}`,
        evidence: { vpcOriginId: vpc.id, ...(vpc.ownerAccountId ? { ownerAccountId: vpc.ownerAccountId } : {}), ...(vpc.readError ? { error: vpc.readError } : {}) },
        reproduce,
      }),
    ];
  }
  const e = vpc.endpoint;
  const ports = e.protocolPolicy === 'http-only' ? `HTTP ${e.httpPort}` : e.protocolPolicy === 'https-only' ? `HTTPS ${e.httpsPort}` : `HTTP ${e.httpPort} / HTTPS ${e.httpsPort} (match-viewer)`;
  return [
    makeFinding(target, {
      code: 'VPC_ORIGIN',
      message: `VPC origin ${vpc.id} -> ${e.arn}: ${ports}, ${e.protocolPolicy}${e.protocolPolicy !== 'http-only' ? `, ${e.sslProtocols.join(', ')}` : ''}${e.status ? ` (${e.status})` : ''}`,
      evidence: {
        vpcOriginId: vpc.id,
        ...(vpc.ownerAccountId ? { ownerAccountId: vpc.ownerAccountId } : {}),
        arn: e.arn,
        ...(e.name ? { name: e.name } : {}),
        httpPort: e.httpPort,
        httpsPort: e.httpsPort,
        originProtocolPolicy: e.protocolPolicy,
        originSslProtocols: e.sslProtocols,
        ...(e.status ? { status: e.status } : {}),
      },
      reproduce,
    }),
  ];
}
