/**
 * The hand-built client against plain TCP servers that misbehave, or play recorded TLS bytes.
 */
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { HelloOffer, HelloResult } from '../../lambda/model';
import { probeHello } from '../../lambda/probe/tls-hello';
import { documentedOffer } from '../support/offers';
import { freePort, listenRaw, type Listening } from '../support/servers';
import { handshake, parseClientHello, plainFlight, readClientHello, record, serverHelloBody } from '../support/tls-bytes';

const offer = (versions: HelloOffer['versions']) => documentedOffer(versions, 'origin.test');
const CLOUDFRONT = offer(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const CERT = Buffer.from('3082000a0102030405060708090a', 'hex');
/**
 * The probe's handshake deadline unless a test sets another. No test asserts a duration (speed is the benchmark's):
 * where a deadline would give another outcome (a timeout), the outcome says which ended the probe; where it would
 * give the same one, the test sets a deadline no test run reaches (NEVER_MS), so only the behaviour under test can
 * end the probe, and jest's time-out fails the test if it does not.
 */
const HANDSHAKE_TIMEOUT_MS = 3000;
const NEVER_MS = 10 * 60_000;
const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === '::1'));

const servers: Listening[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: (socket: Socket) => void, host?: string): Promise<number> {
  const server = await listenRaw(handler, host);
  servers.push(server);
  return server.port;
}

function probe(port: number, o = CLOUDFRONT, extra: { handshakeTimeoutMs?: number; address?: string; maxFlightBytes?: number; signal?: AbortSignal } = {}): Promise<HelloResult> {
  return probeHello({ address: '127.0.0.1', port, offer: o, connectTimeoutMs: 2000, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, ...extra });
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
      hello: { version: 'SSLv3', versionCode: 0x0300, suite: 0x000a, suiteName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', extensions: [], certificates: [CERT], certificateMessageBytes: 3 + 3 + CERT.length },
    });
  });

  it('a suite the hello did not offer: stops at the ServerHello, as a client aborts there', async () => {
    let closed!: () => void;
    const clientClosed = new Promise<void>((r) => (closed = r));
    const port = await serve(async (socket) => {
      socket.once('close', () => closed());
      await readClientHello(socket);
      socket.write(plainFlight(0x0303, 0xcca8, [CERT])); // and keeps the connection open (ChaCha20 below TLS 1.3: s2n does not offer it)
    });
    // No deadline in reach: a probe that waited for the rest of the flight would never end.
    const result = await probe(port, CLOUDFRONT, { handshakeTimeoutMs: NEVER_MS });
    expect(result.outcome).toMatchObject({ kind: 'server-hello', hello: { offerViolations: ['suite-not-offered'], suiteName: expect.stringContaining('CHACHA20') } });
    expect(result.outcome.kind === 'server-hello' && result.outcome.hello.certificates).toBeFalsy();
    await clientClosed; // the probe hung up, the server did not
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

  it('silent: timeout at the handshake deadline, after the hello was sent', async () => {
    let received!: (hello: ReturnType<typeof parseClientHello>) => void;
    const hello = new Promise<ReturnType<typeof parseClientHello>>((r) => (received = r));
    const port = await serve(async (socket) => received(parseClientHello(await readClientHello(socket))));
    const result = await probe(port, CLOUDFRONT, { handshakeTimeoutMs: 300 });
    expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
    // Connected, and the hello went out: the handshake's deadline ended it, not the connection's.
    expect((await hello).serverName).toBe('origin.test');
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
  });

  it('a handshake message announcing 16 MB: protocol error at once (from the header, not waiting for the body)', async () => {
    const port = await serve(async (socket) => {
      await readClientHello(socket);
      socket.write(record(22, 0x0303, Buffer.of(2, 0xff, 0xff, 0xff, 3, 3)));
    });
    // The body never comes and no deadline is in reach: only reading the header can end the probe.
    const result = await probe(port, CLOUDFRONT, { handshakeTimeoutMs: NEVER_MS });
    expect(result.outcome).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/16777215 bytes, over the limit/) });
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
    expect((await probe(await freePort())).outcome).toEqual({ kind: 'connect-failed', tcp: 'refused', error: 'ECONNREFUSED' });
  });

  it('an abort signal ends the probe', async () => {
    const port = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    // The handshake deadline, which would give the same outcome, is out of reach: only the signal can end it.
    const result = await probe(port, CLOUDFRONT, { signal: controller.signal, handshakeTimeoutMs: NEVER_MS });
    expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
  });

  (hasIpv6Loopback ? it : it.skip)('works over IPv6 loopback', async () => {
    const port = await serve((socket) => socket.end(), '::1');
    expect((await probe(port, CLOUDFRONT, { address: '::1' })).outcome).toEqual({ kind: 'closed' });
  });
});
