/**
 * The demo's CloudFront edge: a fake edge on loopback (demo/fake-edge.ts) in front of the demo distribution, and
 * three origins that only the edge check can judge:
 *  - partner-api: admits only the edge's address (127.0.0.2), as a security group with CloudFront's prefix list
 *    does: the monitor's own probe is reset;
 *  - payments: origin mTLS: it demands the client certificate that only the edge holds;
 *  - checkout: healthy, but its behavior's viewer-request CloudFront Function sends requests to a new backend that
 *    is down: a 502 only the edge check sees.
 * Every other behavior goes through the edge to its fleet origin, as CloudFront would connect (its suites and
 * groups, the distribution's lowest TLS version, the origin's certificate verified for the name sent).
 */
import type { TLSSocket } from 'node:tls';
import type { EdgeProbe } from '../lambda/probe/edge';
import { createEdgeProbe } from '../lambda/probe/edge';
import { chainPem, createPki } from './pki';
import { freePort, listenTls, type Listening } from './servers';
import { allowOnlyFrom, startFakeEdge, type FakeEdge, type FakeEdgeAction, type FakeEdgeRoute } from './fake-edge';
import type { Fleet } from './fleet';

export const EDGE_ORIGINS = {
  ALLOWLISTED: 'partner-api',
  MTLS: 'payments',
  RUNTIME: 'checkout',
} as const;
export const MTLS_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/5e1f0b7c-demo-payments-client';
export const CHECKOUT_FUNCTION_ARN = 'arn:aws:cloudfront::123456789012:function/checkout-to-new-backend';

export interface DemoEdgeOrigin {
  id: string;
  name: string;
  port: number;
  description: string;
}

export interface DemoEdge {
  edge: FakeEdge;
  origins: DemoEdgeOrigin[];
  /** The edge check's request, sent to the fake edge. */
  probe: EdgeProbe;
  /** For `scan --connect-to`. */
  connectTo: string;
  close(): Promise<void>;
}

const ok = (s: TLSSocket) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: shop\r\nConnection: close\r\n\r\nok'));
const LOWEST: readonly ('TLSv1' | 'TLSv1.1' | 'TLSv1.2')[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

export async function startDemoEdge(
  fleet: Fleet,
  opts: { distributionDomainName: string; alias: string; forwardedHostPaths: string[]; refusedPaths: string[] },
): Promise<DemoEdge> {
  const pki = fleet.pki;
  const servers: Listening[] = [];
  const clients = await createPki({ name: 'Demo CloudFront client' });
  const clientCert = await clients.issueLeaf({ dnsNames: ['cloudfront-client.demo.test'], extendedKeyUsages: ['clientAuth'] });
  const domain = fleet.origins[0].name.split('.').slice(1).join('.');
  const serve = async (id: string, extra: Parameters<typeof listenTls>[0] = {}) => {
    const name = `${id}.${domain}`;
    const leaf = await pki.issueLeaf({ dnsNames: [name] });
    const s = await listenTls({ key: leaf.keyPem, cert: chainPem(leaf, pki.intermediate), ...extra }, '127.0.0.1', { onSecureConnection: ok });
    servers.push(s);
    return { id, name, port: s.port };
  };
  try {
    const partner = await serve(EDGE_ORIGINS.ALLOWLISTED);
    servers[servers.length - 1].server.prependListener('connection', allowOnlyFrom('127.0.0.2'));
    const payments = await serve(EDGE_ORIGINS.MTLS, { requestCert: true, rejectUnauthorized: true, ca: [clients.root.certPem] });
    const checkout = await serve(EDGE_ORIGINS.RUNTIME);
    const down = await freePort();

    const ca = [pki.root.certPem];
    const to = (name: string, port: number, servername = name, extra: Partial<Extract<FakeEdgeAction, { kind: 'origin' }>> = {}): FakeEdgeAction => ({
      kind: 'origin',
      host: '127.0.0.1',
      port,
      servername,
      ca,
      connectTimeoutMs: 1500,
      readTimeoutMs: 5000,
      ...extra,
    });
    const d = opts.distributionDomainName;
    const routes: FakeEdgeRoute[] = [
      { host: d, prefix: `/${partner.id}/`, action: to(partner.name, partner.port) },
      { host: d, prefix: `/${payments.id}/`, action: to(payments.name, payments.port, payments.name, { clientCert: { key: clientCert.keyPem, cert: chainPem(clientCert, clients.intermediate) } }) },
      // The function's new backend is down.
      { host: d, prefix: `/${checkout.id}/`, action: to('new-backend.checkout.internal', down) },
      ...opts.refusedPaths.map((p): FakeEdgeRoute => ({ host: d, prefix: p, action: to('retired.internal', down) })),
      ...fleet.origins
        .filter((o) => o.id !== 'healthy')
        .map((o): FakeEdgeRoute => ({ host: d, prefix: `/${o.id}/`, action: to(o.name, o.port, o.name, { minVersion: LOWEST.find((v) => o.allowedVersions.includes(v)) ?? 'TLSv1.2' }) })),
      // Behaviors that forward the viewer's Host: CloudFront sends the alias as SNI.
      ...opts.forwardedHostPaths.map((p): FakeEdgeRoute => ({ host: opts.alias, prefix: p, action: to(fleet.byId('healthy').name, fleet.byId('healthy').port, opts.alias) })),
      { host: d, prefix: '/', action: to(fleet.byId('healthy').name, fleet.byId('healthy').port) },
    ];
    const edgeLeaf = await pki.issueLeaf({ dnsNames: ['*.cloudfront.net', opts.alias] });
    const edge = await startFakeEdge({ key: edgeLeaf.keyPem, cert: chainPem(edgeLeaf, pki.intermediate), routes });
    const probe = createEdgeProbe({
      // Everything the demo asks CloudFront goes to the fake edge; nothing leaves the machine.
      connectTo: (host, port) => (host === d && port === 443 ? { host: '127.0.0.1', port: edge.port } : { host: '127.0.0.1', port: down }),
      extraCa: ca,
    });
    return {
      edge,
      origins: [
        { ...partner, description: 'admits only the edge address (127.0.0.2), as a CloudFront prefix-list security group does' },
        { ...payments, description: 'origin mTLS: demands the client certificate only CloudFront (the edge) holds' },
        { ...checkout, description: 'healthy; its viewer-request function sends requests to a backend that is down' },
      ],
      probe,
      connectTo: `${d}:443:127.0.0.1:${edge.port}`,
      close: async () => {
        await edge.close();
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}

/** The demo inventory's entries for the three edge origins (SDK / AWS CLI shape). */
export function edgeInventory<O extends { CustomOriginConfig: object }>(edge: DemoEdge, customOrigin: (id: string, name: string, port: number) => O) {
  const byId = (id: string) => edge.origins.find((o) => o.id === id)!;
  const origin = (id: string, extra: Record<string, unknown> = {}): O => {
    const o = customOrigin(id, byId(id).name, byId(id).port);
    return { ...o, CustomOriginConfig: { ...o.CustomOriginConfig, ...extra } };
  };
  return {
    origins: [
      origin(EDGE_ORIGINS.ALLOWLISTED),
      origin(EDGE_ORIGINS.MTLS, { OriginMtlsConfig: { ClientCertificateArn: MTLS_CERTIFICATE_ARN } }),
      origin(EDGE_ORIGINS.RUNTIME),
    ],
    behaviors: [EDGE_ORIGINS.ALLOWLISTED, EDGE_ORIGINS.MTLS, EDGE_ORIGINS.RUNTIME].map((id) => ({
      PathPattern: `/${id}/*`,
      TargetOriginId: id,
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
      ...(id === EDGE_ORIGINS.RUNTIME
        ? { FunctionAssociations: { Quantity: 1, Items: [{ FunctionARN: CHECKOUT_FUNCTION_ARN, EventType: 'viewer-request' }] } }
        : {}),
    })),
  };
}
