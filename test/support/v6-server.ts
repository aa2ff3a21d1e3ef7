/** The fleet's healthy certificate served on ::1 only: an IPv6-only origin. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import type { Fleet } from '../../demo/fleet';
import { chainPem } from './pki';

export async function startFleetServerOnV6(fleet: Fleet): Promise<{ port: number; close(): Promise<void> }> {
  const leaf = await fleet.pki.issueLeaf({ dnsNames: [fleet.byId('healthy').name] });
  const server = createServer({ key: leaf.keyPem, cert: chainPem(leaf, fleet.pki.intermediate) }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  server.listen(0, '::1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}
