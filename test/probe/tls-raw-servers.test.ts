/**
 * The hand-built client against plain TCP servers that misbehave, or play recorded TLS bytes.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { CLOUDFRONT_GROUPS, CLOUDFRONT_SIGNATURE_SCHEMES, CLOUDFRONT_SUITES, CLOUDFRONT_TLS13_SUITES } from '../../lambda/cloudfront/client-profile';
import type { HelloOffer, HelloResult } from '../../lambda/model';
import { probeHello } from '../../lambda/probe/tls-hello';
import {
  closedPort,
  handshake,
  parseClientHello,
  plainFlight,
  readClientHello,
  record,
  serverHelloBody,
  startRawServer,
  type RawServer,
} from './tls-test-bytes';

const offer = (versions: HelloOffer['versions']): HelloOffer => ({
  versions,
  suites: CLOUDFRONT_SUITES.map((s) => s.code),
  tls13Suites: CLOUDFRONT_TLS13_SUITES.map((s) => s.code),
  groups: CLOUDFRONT_GROUPS.map((g) => g.code),
  signatureSchemes: CLOUDFRONT_SIGNATURE_SCHEMES.map((s) => s.code),
  serverName: 'origin.test',
});
const CLOUDFRONT = offer(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const CERT = Buffer.from('3082000a0102030405060708090a', 'hex');

const servers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startRawServer>[0], host?: string): Promise<number> {
  const server = await startRawServer(handler, host);
  servers.push(server);
  return server.port;
}

function probe(port: number, o = CLOUDFRONT, extra: { handshakeTimeoutMs?: number; address?: string; maxFlightBytes?: number; signal?: AbortSignal } = {}): Promise<HelloResult> {
  return probeHello({ address: '127.0.0.1', port, offer: o, connectTimeoutMs: 2000, handshakeTimeoutMs: 3000, ...extra });
}

describe('recorded TLS answers', () => {
  it('SSLv3: the hello is SSLv3 without extensions, and the SSLv3 ServerHello is read', async () => {
    let seen: ReturnType<typeof parseClientHello> | undefined;
    const port = await serve(async (socket) => {
      seen = parseClientHello(await readClientHello(socket));
      socket.write(plainFlight(0x0300, 0x000a, [CERT]));
    });
    const result = await probe(port, offer(['SSLv3']));
    expect(seen).toMatchObject({ recordVersion: 0x0300, legacyVersion: 0x0300 });
    expect(seen?.extensions).toBeUndefined();
    expect(result.outcome).toEqual({
      kind: 'server-hello',
      hello: { version: 'SSLv3', versionCode: 0x0300, suite: 0x000a, suiteName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', extensions: [], certificates: [CERT] },
    });
  });

  it('a suite the hello did not offer: stops at the ServerHello, as a client aborts there', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.write(plainFlight(0x0303, 0x009c, [CERT])); // and keeps the connection open
    });
    const result = await probe(port);
    expect(result.outcome).toMatchObject({ kind: 'server-hello', hello: { offerViolations: ['suite-not-offered'], suiteName: expect.stringContaining('AES_128_GCM') } });
    expect(result.outcome.kind === 'server-hello' && result.outcome.hello.certificates).toBeFalsy();
    expect(result.durationMs).toBeLessThan(1500); // the handshake timeout is 3000 ms
  });
});

describe('misbehaving servers', () => {
  it('HTTP on the TLS port: not-tls with the text', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    expect((await probe(port)).outcome).toEqual({
      kind: 'not-tls',
      firstBytesHex: Buffer.from('HTTP/1.1 400 Bad Request\r\nConten').toString('hex'),
      text: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0',
    });
  });

  it('accept then close: closed', async () => {
    const port = await serve((socket) => socket.end());
    expect((await probe(port)).outcome).toEqual({ kind: 'closed' });
  });

  it('accept then RST: reset', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.resetAndDestroy();
    });
    expect((await probe(port)).outcome).toEqual({ kind: 'reset' });
  });

  it('silent: timeout at the deadline', async () => {
    const port = await serve(() => undefined);
    const result = await probe(port, CLOUDFRONT, { handshakeTimeoutMs: 300 });
    expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('dripping a ServerHello byte by byte: timeout at the deadline, with the bytes counted', async () => {
    const flight = record(22, 0x0303, handshake(2, serverHelloBody({ suite: 0xc02f })));
    const port = await serve((socket) => {
      let i = 0;
      const timer = setInterval(() => socket.write(flight.subarray(i, ++i)), 40);
      socket.on('close', () => clearInterval(timer));
    });
    const result = await probe(port, CLOUDFRONT, { handshakeTimeoutMs: 400 });
    expect(result.outcome).toMatchObject({ kind: 'timeout' });
    expect(result.bytesReceived).toBeGreaterThan(3);
    expect(result.bytesReceived).toBeLessThan(flight.length);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('a handshake message announcing 16 MB: protocol error at once', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.write(record(22, 0x0303, Buffer.of(2, 0xff, 0xff, 0xff, 3, 3)));
    });
    const result = await probe(port);
    expect(result.outcome).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/16777215 bytes, over the limit/) });
    expect(result.durationMs).toBeLessThan(500);
  });

  it('a record announcing 65535 bytes: protocol error at once', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.write(Buffer.of(22, 3, 3, 0xff, 0xff));
    });
    expect((await probe(port)).outcome).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/65535 bytes/) });
  });

  it('an endless flight: protocol error at the flight limit', async () => {
    const filler = record(22, 0x0303, handshake(22, Buffer.alloc(16000)));
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.write(record(22, 0x0303, handshake(2, serverHelloBody({ suite: 0xc02f }))));
      const pump = () => {
        while (!socket.destroyed && socket.write(filler));
      };
      socket.on('drain', pump);
      pump();
    });
    const result = await probe(port, CLOUDFRONT, { maxFlightBytes: 256 * 1024 });
    expect(result.outcome).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/exceeds the limit of 262144 bytes/) });
    expect(result.bytesReceived).toBeLessThan(256 * 1024 + 70000);
  });

  it('a closed port: connect-failed refused', async () => {
    expect((await probe(await closedPort())).outcome).toEqual({ kind: 'connect-failed', tcp: 'refused', error: 'ECONNREFUSED' });
  });

  it('an abort signal ends the probe', async () => {
    const port = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await probe(port, CLOUDFRONT, { signal: controller.signal });
    expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('works over IPv6 loopback', async () => {
    const v6 = createServer();
    const available = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen(0, '::1', () => resolve(true));
    });
    if (available) {
      v6.close();
      await once(v6, 'close');
    }
    if (!available) return; // no ::1 on this machine
    const port = await serve((socket) => socket.end(), '::1');
    expect((await probe(port, CLOUDFRONT, { address: '::1' })).outcome).toEqual({ kind: 'closed' });
  });
});
