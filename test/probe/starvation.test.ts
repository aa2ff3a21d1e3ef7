/**
 * A starved prober must not blame the origin. The servers run in a worker thread (their own event loop), so they
 * answer at once while the test blocks the main thread's event loop for longer than the probe's timeout; the answer
 * then waits in the kernel, unread, when the probe's timer comes due. The verdict must be the server's answer, and a
 * server that really says nothing must still time out. Verdicts only: no timing is asserted.
 */
import { Worker } from 'node:worker_threads';
import type { HelloOffer } from '../../lambda/model';
import { startDeadline } from '../../lambda/probe/deadline';
import { probeTcp } from '../../lambda/probe/tcp';
import { probeHello } from '../../lambda/probe/tls-hello';
import { documentedOffer } from '../support/offers';
import { createPki } from '../support/pki';

const TIMEOUT_MS = 300;
/** Longer than the timeout: every deadline of the probe comes due while the loop is blocked. */
const STALL_MS = 1200;

const SERVERS = `
const { workerData, parentPort } = require('node:worker_threads');
const tls = require('node:tls');
const net = require('node:net');
const held = [];
const answering = tls.createServer({ cert: workerData.cert, key: workerData.key }, (s) => s.on('error', () => {}));
answering.on('tlsClientError', () => {});
const silent = net.createServer((s) => { s.on('error', () => {}); held.push(s); });
// The TLS server behind relays that pass the client's bytes on after a delay: after 150 ms the answer comes during
// the stall; after 450 ms (1.5 times the probe's timeout) it comes too late, for CloudFront as for us.
let tlsPort;
const relay = (delayMs) => net.createServer((c) => {
  held.push(c);
  const s = net.connect(tlsPort, '127.0.0.1');
  held.push(s);
  c.on('error', () => {});
  s.on('error', () => {});
  c.on('data', (d) => setTimeout(() => s.write(d), delayMs));
  s.pipe(c);
});
const late = relay(150);
const tooLate = relay(450);
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
Promise.all([listen(answering), listen(silent), listen(late), listen(tooLate)]).then(([t, silentPort, latePort, tooLatePort]) => {
  tlsPort = t;
  parentPort.postMessage({ tlsPort, silentPort, latePort, tooLatePort });
});
parentPort.on('message', () => { for (const s of held) s.destroy(); answering.close(); silent.close(); late.close(); tooLate.close(); parentPort.close(); });
`;

let worker: Worker;
let ports: { tlsPort: number; silentPort: number; latePort: number; tooLatePort: number };
let offer: HelloOffer;

beforeAll(async () => {
  const pki = await createPki({ name: 'starvation test' });
  const leaf = await pki.issueLeaf({ dnsNames: ['localhost'] });
  offer = documentedOffer(['TLSv1.2', 'TLSv1.3'], 'localhost');
  worker = new Worker(SERVERS, { eval: true, workerData: { cert: leaf.certPem + pki.intermediate.certPem, key: leaf.keyPem } });
  ports = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
});

afterAll(async () => {
  worker.postMessage('close');
  await worker.terminate();
});

/** Blocks this thread's event loop (the servers' thread runs on). */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no socket of this thread is served
  }
}

/** Runs `probe`, and blocks the event loop for STALL_MS once its connection is made and its hello sent. */
async function starved<T>(probe: () => Promise<T>, afterMs = 50): Promise<T> {
  const result = probe();
  await new Promise((r) => setTimeout(r, afterMs));
  // From the check phase, as a busy handler would: the next turn of the loop runs its (now expired) timers before it
  // polls the sockets. (A stall inside a timer callback would not show it: libuv's timers phase keeps its own clock.)
  await new Promise((r) => setImmediate(r));
  stall(STALL_MS);
  return result;
}

describe('a starved event loop is not a slow origin', () => {
  it('an answer that arrived during the stall is read: a ServerHello, not a time-out', async () => {
    const result = await starved(() =>
      probeHello({ address: '127.0.0.1', port: ports.latePort, offer, connectTimeoutMs: TIMEOUT_MS, handshakeTimeoutMs: TIMEOUT_MS }),
    );
    expect(result.outcome.kind).toBe('server-hello');
  });

  it('a stall before the connection is made: still the ServerHello', async () => {
    const result = await starved(
      () => probeHello({ address: '127.0.0.1', port: ports.tlsPort, offer, connectTimeoutMs: TIMEOUT_MS, handshakeTimeoutMs: TIMEOUT_MS }),
      0,
    );
    expect(result.outcome.kind).toBe('server-hello');
  });

  it('a server that accepts and says nothing still times out', async () => {
    const result = await starved(() =>
      probeHello({ address: '127.0.0.1', port: ports.silentPort, offer, connectTimeoutMs: TIMEOUT_MS, handshakeTimeoutMs: TIMEOUT_MS }),
    );
    expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
  });

  it('the TCP probe: a connection made during the stall is open', async () => {
    // Started from the check phase and stalled at once: the connection completes in the kernel meanwhile.
    const result = await new Promise<ReturnType<typeof probeTcp>>((resolve) =>
      setImmediate(() => {
        const probe = probeTcp('127.0.0.1', ports.tlsPort, TIMEOUT_MS);
        process.nextTick(() => stall(STALL_MS));
        resolve(probe);
      }),
    );
    expect((await result).status).toBe('open');
  });

  it('a busy scanner does not stretch the timeout: an answer after it is a time-out, as for CloudFront', async () => {
    // The loop is kept busy 18 ms out of every 20 (sockets are still read within 20 ms): lag before the answer does
    // not delay it, so it is not forgiven. (An earlier build added all event-loop lag to the origin's time and took
    // this answer, 1.5 times the timeout, for a ServerHello.)
    const busy = setInterval(() => setImmediate(() => stall(18)), 20);
    try {
      const result = await probeHello({ address: '127.0.0.1', port: ports.tooLatePort, offer, connectTimeoutMs: TIMEOUT_MS, handshakeTimeoutMs: TIMEOUT_MS });
      expect(result.outcome).toEqual({ kind: 'timeout', bytesReceived: 0 });
    } finally {
      clearInterval(busy);
    }
  });

  it('a deadline with nothing to wait for still expires, once, and a cancelled one never', async () => {
    const expired: string[] = [];
    const cancelled = startDeadline(10, () => expired.push('cancelled'));
    cancelled.cancel();
    await new Promise<void>((resolve) => startDeadline(20, () => (expired.push('expired'), resolve())));
    cancelled.cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(expired).toEqual(['expired']);
  });
});
