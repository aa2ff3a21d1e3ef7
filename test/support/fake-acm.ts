/**
 * A local HTTP fake of ACM's JSON API, enough for the real SDK's DescribeCertificate: point the SDK at it with
 * AWS_ENDPOINT_URL_ACM=<endpoint> and fake credentials. Certificates are given in the SDK's shape
 * (`CertificateDetail`); an unknown ARN gets ResourceNotFoundException. `requests` logs each ARN asked for, `keys` the
 * access key id each request was signed with (whose account's ACM was read).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateDetail } from '@aws-sdk/client-acm';

export interface FakeAcm {
  endpoint: string;
  requests: string[];
  keys: string[];
  close(): Promise<void>;
}

/** awsJson1_1 timestamps are epoch seconds. */
function wire(c: CertificateDetail): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v instanceof Date ? v.getTime() / 1000 : v]));
}

export async function startFakeAcm(certificates: CertificateDetail[]): Promise<FakeAcm> {
  const requests: string[] = [];
  const keys: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake-acm-request' });
        res.end(JSON.stringify(value));
      };
      if (req.headers['x-amz-target'] !== 'CertificateManager.DescribeCertificate') {
        return reply(400, { __type: 'UnknownOperationException', message: `fake ACM: ${String(req.headers['x-amz-target'])}` });
      }
      const arn = (JSON.parse(body || '{}') as { CertificateArn?: string }).CertificateArn ?? '';
      requests.push(arn);
      keys.push(/Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '-');
      const cert = certificates.find((c) => c.CertificateArn === arn);
      if (!cert) return reply(400, { __type: 'ResourceNotFoundException', message: `Could not find certificate ${arn}.` });
      return reply(200, { Certificate: wire(cert) });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
