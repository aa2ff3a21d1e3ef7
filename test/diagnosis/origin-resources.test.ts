import { resourceFindings } from '../../lambda/diagnosis/origin-resources';
import type { ClientCertificateFacts, OriginTarget } from '../../lambda/model';

const NOW = new Date('2026-12-01T12:00:00Z');
const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000).toISOString();

const target = (extra: Partial<OriginTarget>): OriginTarget => ({
  key: 'E1/o',
  domainName: 'o.example.com',
  protocolPolicy: 'https-only',
  httpPort: 80,
  httpsPort: 443,
  ports: [],
  sniNames: [],
  allowedVersions: ['TLSv1.2'],
  connectionTimeoutMs: 10_000,
  connectionAttempts: 3,
  ...extra,
});
const withCert = (c: Partial<ClientCertificateFacts>) => target({ mtls: { clientCertificateArn: ARN, certificate: { arn: ARN, status: 'ISSUED', renewalEligibility: 'ELIGIBLE', ...c } } });
const run = (t: OriginTarget) => resourceFindings(t, { now: NOW, expiryWarningDays: 30 }).map((f) => `${f.code}:${f.severity}`);

describe('the origin mTLS client certificate (acm:DescribeCertificate), with the server certificates\' thresholds', () => {
  it.each([
    ['valid for long, renewable: nothing', { notAfter: day(200) }, []],
    ['expired: critical', { notAfter: day(-1), status: 'EXPIRED' }, ['MTLS_CERT_EXPIRED:critical']],
    ['within the warning days: a warning', { notAfter: day(30) }, ['MTLS_CERT_EXPIRING_SOON:warning']],
    ['one day beyond them: nothing', { notAfter: day(31.5) }, []],
    ['revoked: critical', { notAfter: day(200), status: 'REVOKED' }, ['MTLS_CERT_NOT_ISSUED:critical']],
    ['imported, not renewable: said, as info', { notAfter: day(200), renewalEligibility: 'INELIGIBLE', type: 'IMPORTED' }, ['MTLS_CERT_NOT_RENEWABLE:info']],
  ])('%s', (_label, cert, expected) => {
    expect(run(withCert(cert))).toEqual(expected);
  });

  it('the expiry warning carries what the alert policy stages its reminders on', () => {
    const [f] = resourceFindings(withCert({ notAfter: day(7) }), { now: NOW, expiryWarningDays: 30 });
    expect(f.evidence).toMatchObject({ daysLeft: 7, fingerprint256: `${ARN}@${day(7)}`, clientCertificateArn: ARN });
    expect(f.reproduce).toBe(`aws acm describe-certificate --region us-east-1 --certificate-arn ${ARN} --query 'Certificate.[Status,NotAfter,RenewalEligibility,RenewalSummary.RenewalStatus]'`);
  });

  it('a certificate that could not be read is said, as info (the monitor\'s problem)', () => {
    const out = resourceFindings(target({ mtls: { clientCertificateArn: ARN, readError: 'AccessDeniedException: not authorized' } }), { now: NOW, expiryWarningDays: 30 });
    expect(out.map((f) => [f.code, f.severity, f.message])).toEqual([['MTLS_CERT_UNREADABLE', 'info', `the origin mTLS client certificate ${ARN} was not read: AccessDeniedException: not authorized`]]);
  });
});

describe('VPC origins', () => {
  it('are reported with their settings from GetVpcOrigin', () => {
    const out = resourceFindings(
      target({ vpcOrigin: { id: 'vo_1', endpoint: { arn: 'arn:aws:ec2:us-east-1:1:instance/i-0abc', httpPort: 8080, httpsPort: 8443, protocolPolicy: 'match-viewer', sslProtocols: ['TLSv1.2'] } } }),
      { now: NOW, expiryWarningDays: 30 },
    );
    expect(out.map((f) => [f.code, f.severity, f.message])).toEqual([['VPC_ORIGIN', 'info', 'VPC origin vo_1 -> arn:aws:ec2:us-east-1:1:instance/i-0abc: HTTP 8080 / HTTPS 8443 (match-viewer), match-viewer, TLSv1.2']]);
  });

  it('one shared from another account that cannot be read here says so', () => {
    const out = resourceFindings(target({ vpcOrigin: { id: 'vo_2', ownerAccountId: '210987654321', readError: 'EntityNotFound: gone (shared from account 210987654321: read it there)' } }), { now: NOW, expiryWarningDays: 30 });
    expect(out[0].code).toBe('VPC_ORIGIN_UNREADABLE');
    expect(out[0].message).toBe('VPC origin vo_2 (account 210987654321) was not read: EntityNotFound: gone (shared from account 210987654321: read it there)');
  });
});
