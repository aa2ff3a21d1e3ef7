/**
 * Does the origin *require* a client certificate, or only ask for one? A CertificateRequest in the first flight
 * cannot tell: nginx's `ssl_verify_client optional` asks and carries on without one. CloudFront sends none (unless
 * the origin's mTLS setting supplies one), so we complete a handshake without a certificate, the way CloudFront
 * would, and see whether the server goes on to answer. Node's TLS stack is fine here: the version and suite were
 * already shown to be ones OpenSSL speaks.
 */
import { connect } from 'node:tls';
import type { ClientCertVerdict } from '../model';
import { startDeadline } from './deadline';

const REJECTION = /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|alert number 116|alert number 40|ECONNRESET/i;

export function probeClientCertRequired(address: string, port: number, serverName: string | undefined, timeoutMs: number): Promise<ClientCertVerdict> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (verdict: ClientCertVerdict) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      socket.destroy();
      resolve(verdict);
    };
    const deadline = startDeadline(timeoutMs, () => finish({ required: 'unknown', detail: `no answer within ${timeoutMs} ms after the handshake` }));
    const socket = connect({
      host: address,
      port,
      ...(serverName ? { servername: serverName } : {}),
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      // In TLS 1.3 the server judges the (empty) client certificate after our Finished: give it a request to answer.
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${serverName ?? address}\r\nConnection: close\r\n\r\n`);
    });
    socket.once('data', () => finish({ required: false, detail: 'the server asks for a client certificate but answers without one' }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const text = `${err.code ?? ''} ${err.message}`;
      finish(
        REJECTION.test(text)
          ? { required: true, detail: `the handshake without a client certificate failed: ${err.code ?? err.message}` }
          : { required: 'unknown', detail: `the confirming handshake failed: ${err.code ?? err.message}` },
      );
    });
    socket.once('end', () => finish({ required: true, detail: 'the server closed the connection without answering a client with no certificate' }));
  });
}
