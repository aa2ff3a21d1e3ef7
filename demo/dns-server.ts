/**
 * A minimal authoritative DNS server on loopback (UDP), so the DNS probe is tested through Node's real resolver and
 * real response codes: NOERROR with A/AAAA answers, NOERROR with no answer (no such record type), NXDOMAIN, SERVFAIL.
 * The demo answers its names with it (the retired origin is NXDOMAIN), so the e-mail's `host` check works against it.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv4 } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Zone = Record<string, { A?: string[]; AAAA?: string[]; rcode?: 'SERVFAIL' }>;

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
    i += 1 + msg[i];
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function answer(query: Buffer, zone: Zone): Buffer {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const entry = zone[name];
  const rcode = !entry ? RCODE.NXDOMAIN : entry.rcode === 'SERVFAIL' ? RCODE.SERVFAIL : RCODE.NOERROR;
  const addresses = rcode === RCODE.NOERROR ? ((qtype === TYPE_A ? entry?.A : qtype === TYPE_AAAA ? entry?.AAAA : []) ?? []) : [];
  const records = addresses.map((a) => {
    const data = qtype === TYPE_A && isIPv4(a) ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, AA, RD echoed, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

/**
 * A busy resolver: each answer takes `delayMs`, at most `capacity` queries are handled at once, and a query that
 * arrives when all are taken is dropped (no answer: the client times out) or answered SERVFAIL, as dnsmasq,
 * systemd-resolved and rate-limited resolvers do under load.
 */
export interface DnsLoad {
  delayMs: number;
  capacity: number;
  overload: 'drop' | 'servfail';
}

export interface DnsServer {
  server: string;
  /** Queries received, answered, dropped and answered SERVFAIL for overload; most handled at once. */
  stats: { received: number; answered: number; dropped: number; servfail: number; peakInFlight: number };
  close(): Promise<void>;
}

function servfail(query: Buffer): Buffer {
  const { end } = readName(query, 12);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | RCODE.SERVFAIL, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, query.subarray(12, end + 4)]);
}

export async function startDnsServer(zone: Zone, load?: DnsLoad): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const stats = { received: 0, answered: 0, dropped: 0, servfail: 0, peakInFlight: 0 };
  let inFlight = 0;
  let closed = false;
  socket.on('message', (msg, rinfo) => {
    stats.received++;
    const reply = (b: Buffer) => {
      if (!closed) socket.send(b, rinfo.port, rinfo.address);
    };
    if (!load) {
      stats.answered++;
      return reply(answer(msg, zone));
    }
    if (inFlight >= load.capacity) {
      if (load.overload === 'drop') return void stats.dropped++;
      stats.servfail++;
      return reply(servfail(msg));
    }
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      stats.answered++;
      reply(answer(msg, zone));
    }, load.delayMs);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address() as AddressInfo;
  return { server: `127.0.0.1:${port}`, stats, close: () => {
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
