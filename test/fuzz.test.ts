/**
 * The fuzz properties of test/fuzz/tls-parsers.fuzz.ts with a small count (`npm run fuzz` runs >= 100,000 inputs),
 * the allocation meter's own checks, and regression tests for what the fuzzing found.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseServerFlight, ServerFlightAnalyser } from '../lambda/probe/tls-hello';
import { HandshakeReassembler, TlsParseError } from '../lambda/probe/tls-records';
import {
  CLIENTS,
  EC_CERT,
  fixedKeyShare,
  FLIGHTS,
  FUZZ_LIMITS,
  measureAllocations,
  PROPERTIES,
  RSA_CERT,
  runProperty,
} from './fuzz/tls-parsers.fuzz';
import { handshake, record } from './support/tls-bytes';

const RUNS = 300;

describe('fuzz properties (small count)', () => {
  it.each(PROPERTIES.map((p) => [p.name, p] as const))('%s', (_, property) => {
    const report = runProperty(property, { numRuns: RUNS });
    if (report.failure) throw new Error(`${property.name}, seed ${report.seed}:\n${report.failure}`);
    expect(report.runs).toBe(RUNS);
    expect(report.largestAllocation.bytes).toBeLessThanOrEqual(property.limit);
  });
});

describe('the allocation meter', () => {
  it('sees the largest buffer made by alloc, allocUnsafe, concat and copying from, not views', () => {
    const { largest } = measureAllocations(() => {
      Buffer.alloc(10);
      Buffer.allocUnsafe(20);
      Buffer.allocUnsafeSlow(5);
      Buffer.from(new ArrayBuffer(1000)); // a view
      Buffer.from(Buffer.alloc(30)); // a copy
      return Buffer.concat([Buffer.alloc(25), Buffer.alloc(25)]);
    });
    expect(largest.bytes).toBe(50);
    const { largest: copied } = measureAllocations(() => Buffer.from(Buffer.alloc(30)));
    expect(copied.bytes).toBe(30);
  });

  it('returns what the call threw and restores the allocators', () => {
    const alloc = Buffer.alloc;
    const result = measureAllocations(() => new HandshakeReassembler(10).push(Buffer.of(11, 0, 0, 11)));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(TlsParseError);
    expect(Buffer.alloc).toBe(alloc);
  });

  it('covers every way the TLS code allocates: no typed-array constructors, no copying slice', () => {
    for (const file of ['tls-records.ts', 'tls-hello.ts', 'tls13-keys.ts']) {
      const source = readFileSync(join(__dirname, '../lambda/probe', file), 'utf8');
      expect(source).not.toMatch(/new (Uint8Array|Uint8ClampedArray|Int8Array|ArrayBuffer|SharedArrayBuffer)\b|\.slice\(|copyBytesFrom/);
    }
  });
});

describe('the valid inputs the fuzzing mutates', () => {
  const outcome = (flight: Buffer) => {
    const analyser = new ServerFlightAnalyser(CLIENTS['tls1.0-1.3'], FUZZ_LIMITS, fixedKeyShare);
    return analyser.push(flight).outcome ?? analyser.end('closed');
  };

  it('read as the flights they are', () => {
    expect(outcome(FLIGHTS['tls1.2'])).toMatchObject({ kind: 'server-hello', hello: { version: 'TLSv1.2', certificates: [RSA_CERT, EC_CERT], group: 29, certificateRequested: true } });
    expect(outcome(FLIGHTS['tls1.2-small-records'])).toMatchObject({ kind: 'server-hello', hello: { certificates: [RSA_CERT, EC_CERT] } });
    expect(outcome(FLIGHTS['tls1.3'])).toMatchObject({ kind: 'server-hello', hello: { version: 'TLSv1.3', suite: 0x1301, certificates: [EC_CERT, RSA_CERT] } });
    expect(outcome(FLIGHTS['tls1.3-chacha-certreq'])).toMatchObject({ kind: 'server-hello', hello: { suite: 0x1303, certificateRequested: true, certificates: [RSA_CERT] } });
    expect(outcome(FLIGHTS['tls1.3-encrypted-alert'])).toMatchObject({ kind: 'alert', description: 116 });
    expect(outcome(FLIGHTS['hello-retry-request'])).toMatchObject({ kind: 'server-hello', hello: { helloRetried: true, group: 23, certificates: [] } });
    expect(outcome(FLIGHTS.alert)).toMatchObject({ kind: 'alert', description: 40 });
    expect(outcome(FLIGHTS.http)).toMatchObject({ kind: 'not-tls', text: expect.stringMatching(/^HTTP\/1.1 400/) });
  });
});

describe('regressions found by the fuzzing', () => {
  it('HandshakeReassembler joins only one message: a fragment completing a message and carrying more is not copied whole', () => {
    // Counterexample shape: the first bytes of a message, then one fragment with its rest and four more messages.
    // The reassembler used to concatenate everything it held (6,041 bytes with a 4,096-byte message limit).
    const message = handshake(11, Buffer.alloc(1500, 0x30));
    const stream = Buffer.concat(Array.from({ length: 5 }, () => message));
    const reassembler = new HandshakeReassembler(FUZZ_LIMITS.maxMessageBytes);
    const result = measureAllocations(() => [...reassembler.push(stream.subarray(0, 10)), ...reassembler.push(stream.subarray(10))]);
    expect(result.ok && result.value.map((m) => m.raw)).toEqual(Array.from({ length: 5 }, () => message));
    expect(result.largest.bytes).toBeLessThanOrEqual(message.length);
    expect(reassembler.hasPartial).toBe(false);
  });

  it('HandshakeReassembler still joins a message sent one byte at a time, and keeps what follows it', () => {
    const a = handshake(8, Buffer.alloc(300, 1));
    const b = handshake(11, Buffer.alloc(7, 2));
    const reassembler = new HandshakeReassembler();
    const out = [...Buffer.concat([a, b.subarray(0, 6)])].flatMap((byte) => reassembler.push(Buffer.of(byte)));
    expect(out.map((m) => m.raw)).toEqual([a]);
    expect(reassembler.hasPartial).toBe(true);
    expect(reassembler.push(b.subarray(6)).map((m) => m.raw)).toEqual([b]);
    expect(reassembler.hasPartial).toBe(false);
  });

  it('the analyser does not copy a chunk larger than the flight limit to keep its 256-byte sample', () => {
    // Counterexample shape: a valid flight followed by a record that takes the bytes past maxFlightBytes, in one
    // chunk. The analyser used to copy the whole chunk (19,184 bytes with a 16,384-byte flight limit).
    const bytes = Buffer.concat([FLIGHTS['tls1.2'], record(23, 0x0303, Buffer.alloc(FUZZ_LIMITS.maxFlightBytes, 0x41))]);
    const result = measureAllocations(() => analyseServerFlight(CLIENTS['tls1.0-1.2'], bytes, 'closed', FUZZ_LIMITS));
    expect(result.ok && result.value).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/exceeds the limit of 16384/) });
    expect(result.largest.bytes).toBeLessThanOrEqual(FUZZ_LIMITS.maxFlightBytes);
  });
});
