/**
 * TCP probe: can a connection be opened on the port CloudFront uses? Refused, timed out and unreachable are
 * told apart, since they have different causes (nothing listening, a firewall dropping, no route).
 */
import { Socket } from 'node:net';
import type { TcpFacts, TcpStatus } from '../model';
import { startDeadline } from './deadline';

export function classifyConnectError(code: string | undefined): TcpStatus {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'unreachable';
    default:
      return 'error';
  }
}

export function probeTcp(address: string, port: number, timeoutMs: number): Promise<TcpFacts> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const finish = (status: TcpStatus, error?: string) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      socket.destroy();
      resolve({ address, port, status, ...(error ? { error } : {}), durationMs: Date.now() - started });
    };
    // The origin's time only: a connection already made is seen first, and our own stalls do not count.
    const deadline = startDeadline(timeoutMs, () => finish('timeout', `no answer within ${timeoutMs} ms`));
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(classifyConnectError(err.code), err.code ?? err.message));
    socket.connect({ host: address, port });
  });
}
