/**
 * Servers on loopback, port 0, for tests, the demo fleet and the benchmark. Every server tracks its connections and
 * close() destroys them before closing the listener: `server.close()` alone waits for every open connection, and
 * net and tls servers have no `closeAllConnections()` (only http servers do).
 */
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TlsOptions, type TLSSocket } from 'node:tls';

export interface Listening<S extends NetServer = NetServer> {
  port: number;
  server: S;
  /** Destroys every open connection, then closes the listener. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** listen()'s backlog (Node's default: 511). */
  backlog?: number;
}

export interface TlsListenOptions extends ListenOptions {
  /** What to do with a completed handshake. Default: answer `HTTP/1.1 200 OK` (body `ok`) and close. */
  onSecureConnection?: (socket: TLSSocket) => void;
}

const answerOk = (socket: TLSSocket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');

/** Tracks the server's connections; listens on `host`, port 0; rejects when it cannot (e.g. no ::1 here). */
async function listen<S extends NetServer>(server: S, host: string, opts: ListenOptions): Promise<Listening<S>> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, ...(opts.backlog ? { backlog: opts.backlog } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A node:tls server with these options on `host` (default 127.0.0.1). Handshake failures are ignored. */
export function listenTls(options: TlsOptions, host = '127.0.0.1', opts: TlsListenOptions = {}): Promise<Listening<TlsServer>> {
  const onSecure = opts.onSecureConnection ?? answerOk;
  const server = createTlsServer(options, (socket) => {
    socket.on('error', () => undefined);
    onSecure(socket);
  });
  server.on('tlsClientError', () => undefined);
  return listen(server, host, opts);
}

/** A plain TCP server on `host` (default 127.0.0.1) whose connections go to `onSocket` (none: left open). */
export function listenRaw(onSocket?: (socket: Socket) => void, host = '127.0.0.1', opts: ListenOptions = {}): Promise<Listening<NetServer>> {
  return listen(
    createNetServer((socket) => onSocket?.(socket)),
    host,
    opts,
  );
}

/** A port nothing listens on (now): bind port 0, note the port, close. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = await listenRaw(undefined, host);
  await s.close();
  return s.port;
}
