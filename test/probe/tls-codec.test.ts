import { CLOUDFRONT_SUITES } from '../../lambda/cloudfront/client-profile';
import type { HelloOffer } from '../../lambda/model';
import { alertName, BROAD_GROUPS, BROAD_SUITES, groupName, suiteName, versionName } from '../../lambda/probe/tls-constants';
import { analyseServerFlight, buildClientHello, prepareClientHello, ServerFlightAnalyser } from '../../lambda/probe/tls-hello';
import {
  HandshakeReassembler,
  MAX_RECORD_LENGTH,
  parseAlert,
  parseCertificateMessage,
  parseRecords,
  parseServerHello,
  parseServerKeyExchangeGroup,
  ServerFlightReader,
  TlsParseError,
} from '../../lambda/probe/tls-records';
import { hkdfExpandLabel, hkdfExtract, hashOf, serverHandshakeKeys, tls13Suite } from '../../lambda/probe/tls13-keys';
import {
  certificateBody,
  ecdheServerKeyExchangeBody,
  extension,
  handshake,
  helloRetryRequestBody,
  parseClientHello,
  plainFlight,
  record,
  serverHelloBody,
  u16,
  u16s,
  vec16,
} from '../support/tls-bytes';
import { documentedOffer } from '../support/offers';

const offer = (versions: HelloOffer['versions'], extra: Partial<HelloOffer> = {}) => documentedOffer(versions, 'origin.example.com', extra);

const RANDOM = Buffer.alloc(32, 0xab);
const CERT_A = Buffer.from('3082000101', 'hex');
const CERT_B = Buffer.from('30820002020202', 'hex');

describe('constants', () => {
  it('names versions, suites, groups and alerts, and falls back to hex', () => {
    expect(versionName(0x0300)).toBe('SSLv3');
    expect(versionName(0x0304)).toBe('TLSv1.3');
    expect(versionName(0x7f1c)).toBe('0x7f1c');
    expect(suiteName(0xc02f)).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(suiteName(0xcca8)).toBe('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
    expect(groupName(0x11ec)).toBe('X25519MLKEM768');
    expect(groupName(0x0100)).toBe('ffdhe2048');
    expect([40, 70, 112, 116, 80].map(alertName)).toEqual([
      'handshake_failure', 'protocol_version', 'unrecognized_name', 'certificate_required', 'internal_error',
    ]);
  });

  it('has a name for every broad suite and group, without duplicates', () => {
    for (const s of BROAD_SUITES) expect(suiteName(s)).toMatch(/^TLS_/);
    for (const g of BROAD_GROUPS) expect(groupName(g)).not.toMatch(/^0x/);
    expect(new Set(BROAD_SUITES).size).toBe(BROAD_SUITES.length);
    for (const s of CLOUDFRONT_SUITES) expect(suiteName(s.code)).toBe(s.iana);
  });
});

describe('buildClientHello', () => {
  it('SSLv3 only: SSLv3 record and version, renegotiation SCSV, no extensions block', () => {
    const o = offer(['SSLv3']);
    const hello = parseClientHello(buildClientHello(o, [], RANDOM));
    expect(hello.recordVersion).toBe(0x0300);
    expect(hello.legacyVersion).toBe(0x0300);
    expect(hello.random).toEqual(RANDOM);
    expect(hello.sessionId.length).toBe(0);
    expect(hello.suites).toEqual([...o.suites, 0x00ff]);
    expect(hello.compression).toEqual([0]);
    expect(hello.extensions).toBeUndefined();
  });

  it('TLS 1.0-1.2: TLS 1.0 record, 1.2 client version, CloudFront extensions, no TLS 1.3 extensions', () => {
    const o = offer(['TLSv1', 'TLSv1.1', 'TLSv1.2']);
    const hello = parseClientHello(buildClientHello(o, [], RANDOM));
    expect(hello.recordVersion).toBe(0x0301);
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.sessionId.length).toBe(0);
    expect(hello.suites).toEqual(o.suites);
    const ext = hello.extensions!;
    expect(ext.get(0)).toEqual(vec16(Buffer.concat([Buffer.of(0), vec16(Buffer.from('origin.example.com'))])));
    expect(u16s(ext.get(10)!.subarray(2))).toEqual([23, 29, 24]); // s2n order: secp256r1 first (key share), x25519, secp384r1
    expect(ext.get(11)).toEqual(Buffer.of(1, 0));
    expect(u16s(ext.get(13)!.subarray(2))).toEqual(o.signatureSchemes);
    expect(ext.get(23)).toEqual(Buffer.alloc(0));
    expect(ext.get(35)).toEqual(Buffer.alloc(0));
    expect(ext.get(0xff01)).toEqual(Buffer.of(0));
    for (const tls13Only of [43, 45, 51]) expect(ext.has(tls13Only)).toBe(false);
  });

  it('SSLv3 with TLS versions: SSLv3 record, highest client version, extensions', () => {
    const hello = parseClientHello(buildClientHello(offer(['SSLv3', 'TLSv1']), [], RANDOM));
    expect(hello.recordVersion).toBe(0x0300);
    expect(hello.legacyVersion).toBe(0x0301);
    expect(hello.extensions?.has(13)).toBe(false); // signature_algorithms is TLS 1.2's
    expect(hello.suites).not.toContain(0x00ff);
  });

  it('TLS 1.2 + 1.3: legacy 1.2, supported_versions, key share, PSK modes, compatibility session id', () => {
    const o = offer(['TLSv1.2', 'TLSv1.3']);
    const share = { group: 29, publicKey: Buffer.alloc(32, 7) };
    const hello = parseClientHello(buildClientHello(o, [share], RANDOM, { sessionId: Buffer.alloc(32, 9) }));
    expect(hello.recordVersion).toBe(0x0301);
    expect(hello.legacyVersion).toBe(0x0303);
    expect(hello.sessionId).toEqual(Buffer.alloc(32, 9));
    expect(hello.suites).toEqual([0x1301, 0x1302, 0x1303, ...o.suites]);
    const ext = hello.extensions!;
    expect(ext.get(43)).toEqual(Buffer.of(4, 3, 4, 3, 3));
    expect(ext.get(45)).toEqual(Buffer.of(1, 1));
    expect(ext.get(51)).toEqual(vec16(Buffer.concat([u16(29), vec16(share.publicKey)])));
  });

  it('TLS 1.3 only: no TLS 1.2 suites', () => {
    const hello = parseClientHello(buildClientHello(offer(['TLSv1.3']), [], RANDOM));
    expect(hello.suites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(hello.extensions!.get(43)).toEqual(Buffer.of(2, 3, 4));
  });

  it.each(['192.0.2.1', '2001:db8::1'])('sends no SNI for the IP literal %s', (ip) => {
    const hello = parseClientHello(buildClientHello(offer(['TLSv1.2'], { serverName: ip }), []));
    expect(hello.extensions!.has(0)).toBe(false);
  });

  it('prepares an x25519 key share for a TLS 1.3 offer, none otherwise', () => {
    const c13 = prepareClientHello(offer(['TLSv1.2', 'TLSv1.3'], { groups: [0x0100, 29, 23] }));
    expect(c13.keyShares.map((s) => [s.group, s.publicKey.length])).toEqual([[29, 32]]);
    expect(prepareClientHello(offer(['TLSv1.2'])).keyShares).toEqual([]);
  });
});

describe('record and message parsers', () => {
  it('parses complete records and leaves an incomplete one', () => {
    const bytes = Buffer.concat([record(22, 0x0303, Buffer.of(1, 2, 3)), record(21, 0x0303, Buffer.of(2, 40)).subarray(0, 6)]);
    const { records, consumed } = parseRecords(bytes);
    expect(records).toEqual([{ type: 22, version: 0x0303, fragment: Buffer.of(1, 2, 3) }]);
    expect(consumed).toBe(8);
  });

  it.each([
    ['an oversized record', Buffer.from([22, 3, 3, 0xff, 0xff])],
    ['a record one byte over the limit', Buffer.concat([Buffer.of(22, 3, 3), u16(MAX_RECORD_LENGTH + 1)])],
    ['an unknown content type', Buffer.from([99, 3, 3, 0, 1, 0])],
    ['a non-3.x version', Buffer.from([22, 4, 0, 0, 1, 0])],
  ])('rejects %s with TlsParseError', (_, bytes) => {
    expect(() => parseRecords(bytes)).toThrow(TlsParseError);
  });

  it('parses alerts', () => {
    expect(parseAlert(Buffer.of(2, 70))).toEqual({ level: 2, description: 70 });
    expect(() => parseAlert(Buffer.of(2))).toThrow(TlsParseError);
  });

  it('parses a TLS 1.2 ServerHello', () => {
    const body = serverHelloBody({ suite: 0xc02f, sessionId: Buffer.alloc(32, 1), extensions: [extension(0xff01, Buffer.of(0)), extension(23, Buffer.alloc(0))] });
    const sh = parseServerHello(body);
    expect(sh).toMatchObject({ legacyVersion: 0x0303, suite: 0xc02f, compression: 0, isHelloRetryRequest: false });
    expect(sh.extensions.map((e) => e.type)).toEqual([0xff01, 23]);
    expect(sh.selectedVersion).toBeUndefined();
  });

  it('parses an SSLv3 ServerHello without extensions', () => {
    expect(parseServerHello(serverHelloBody({ version: 0x0300, suite: 0x000a })).extensions).toEqual([]);
  });

  it('parses a TLS 1.3 ServerHello and a HelloRetryRequest', () => {
    const sh = parseServerHello(
      serverHelloBody({ suite: 0x1301, extensions: [extension(43, u16(0x0304)), extension(51, Buffer.concat([u16(29), vec16(Buffer.alloc(32, 5))]))] }),
    );
    expect(sh.selectedVersion).toBe(0x0304);
    expect(sh.keyShare).toEqual({ group: 29, keyExchange: Buffer.alloc(32, 5) });
    const hrr = parseServerHello(helloRetryRequestBody(0x1302, 24, Buffer.from('cookie')));
    expect(hrr).toMatchObject({ isHelloRetryRequest: true, suite: 0x1302, keyShare: { group: 24 }, cookie: Buffer.from('cookie') });
  });

  it('rejects every truncation of a ServerHello, and trailing bytes, with TlsParseError', () => {
    const body = serverHelloBody({ suite: 0xc02f, extensions: [extension(0xff01, Buffer.of(0))] });
    const withoutExtensions = 2 + 32 + 1 + 2 + 1;
    for (let n = 0; n < body.length; n++) {
      if (n === withoutExtensions) continue;
      expect(() => parseServerHello(body.subarray(0, n))).toThrow(TlsParseError);
    }
    expect(() => parseServerHello(Buffer.concat([body, Buffer.of(0)]))).toThrow(TlsParseError);
  });

  it('rejects a duplicated extension and a bad key_share', () => {
    const dup = serverHelloBody({ suite: 0x1301, extensions: [extension(43, u16(0x0304)), extension(43, u16(0x0304))] });
    expect(() => parseServerHello(dup)).toThrow(TlsParseError);
    const emptyShare = serverHelloBody({ suite: 0x1301, extensions: [extension(51, Buffer.concat([u16(29), u16(0)]))] });
    expect(() => parseServerHello(emptyShare)).toThrow(TlsParseError);
  });

  it('keeps certificates in the order sent, TLS 1.2 and 1.3', () => {
    expect(parseCertificateMessage(certificateBody([CERT_B, CERT_A], false), false)).toEqual([CERT_B, CERT_A]);
    expect(parseCertificateMessage(certificateBody([CERT_A, CERT_B], true), true)).toEqual([CERT_A, CERT_B]);
    expect(parseCertificateMessage(certificateBody([], false), false)).toEqual([]);
  });

  it('rejects malformed Certificate messages with TlsParseError', () => {
    const good = certificateBody([CERT_A, CERT_B], false);
    for (let n = 0; n < good.length; n++) expect(() => parseCertificateMessage(good.subarray(0, n), false)).toThrow(TlsParseError);
    expect(() => parseCertificateMessage(Buffer.from('000003000000', 'hex'), false)).toThrow(TlsParseError);
    expect(() => parseCertificateMessage(Buffer.from('ffffff', 'hex'), false)).toThrow(TlsParseError);
  });

  it('reads the named curve of an ECDHE ServerKeyExchange', () => {
    expect(parseServerKeyExchangeGroup(ecdheServerKeyExchangeBody(24))).toBe(24);
    expect(parseServerKeyExchangeGroup(Buffer.of(1, 2, 3))).toBeUndefined();
    expect(() => parseServerKeyExchangeGroup(Buffer.of(3, 0))).toThrow(TlsParseError);
  });
});

describe('HandshakeReassembler and ServerFlightReader', () => {
  it('joins a message sent one byte per fragment', () => {
    const message = handshake(11, certificateBody([CERT_A], false));
    const reassembler = new HandshakeReassembler();
    const out = [...message].flatMap((b) => reassembler.push(Buffer.of(b)));
    expect(out).toEqual([{ type: 11, body: message.subarray(4), raw: message }]);
    expect(reassembler.hasPartial).toBe(false);
  });

  it('fails at the header of a message announcing 16 MB, and honours a smaller limit', () => {
    expect(() => new HandshakeReassembler().push(Buffer.of(11, 0xff, 0xff, 0xff))).toThrow(TlsParseError);
    expect(() => new HandshakeReassembler(1000).push(Buffer.of(11, 0, 0x03, 0xe9))).toThrow(/over the limit of 1000/);
    expect(new HandshakeReassembler(1000).push(Buffer.of(11, 0, 0x03, 0xe8))).toEqual([]);
  });

  it('caps the total flight', () => {
    const reader = new ServerFlightReader({ maxFlightBytes: 100 });
    expect(() => reader.push(Buffer.alloc(101, 22))).toThrow(/exceeds the limit of 100 bytes/);
  });

  it('rejects an alert inside a fragmented handshake message', () => {
    const reader = new ServerFlightReader();
    const bytes = Buffer.concat([record(22, 0x0303, Buffer.of(11, 0, 0, 10, 1)), record(21, 0x0303, Buffer.of(2, 40))]);
    expect(() => reader.push(bytes)).toThrow(TlsParseError);
  });

  it('returns events across records split at arbitrary points', () => {
    const flight = plainFlight(0x0303, 0xc02f, [CERT_A, CERT_B]);
    const reader = new ServerFlightReader();
    const events = [flight.subarray(0, 3), flight.subarray(3, 50), flight.subarray(50)].flatMap((c) => reader.push(c));
    expect(events.map((e) => (e.kind === 'handshake' ? e.message.type : e.kind))).toEqual([2, 11, 14]);
    expect(reader.bytesReceived).toBe(flight.length);
    expect(reader.hasPartial).toBe(false);
  });
});

describe('analyseServerFlight (recorded bytes)', () => {
  const tls12 = offer(['TLSv1', 'TLSv1.1', 'TLSv1.2']);

  it('reads a TLS 1.2 flight: suite, group from ServerKeyExchange, certificates, CertificateRequest', () => {
    const flight = record(22, 0x0303, Buffer.concat([
      handshake(2, serverHelloBody({ suite: 0xc030 })),
      handshake(11, certificateBody([CERT_A, CERT_B], false)),
      handshake(12, ecdheServerKeyExchangeBody(23)),
      handshake(13, Buffer.of(1, 1, 0, 2, 4, 1, 0, 0)),
      handshake(14, Buffer.alloc(0)),
    ]));
    expect(analyseServerFlight(prepareClientHello(tls12), flight)).toEqual({
      kind: 'server-hello',
      hello: {
        version: 'TLSv1.2', versionCode: 0x0303, suite: 0xc030, suiteName: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
        extensions: [], certificates: [CERT_A, CERT_B], certificateMessageBytes: 3 + 3 + CERT_A.length + 3 + CERT_B.length, group: 23, groupName: 'secp256r1', certificateRequested: true,
      },
    });
  });

  it('gives the same verdict however the bytes are split: a complete flight followed by a malformed record', () => {
    const flight = record(22, 0x0303, Buffer.concat([
      handshake(2, serverHelloBody({ suite: 0xc02f })),
      handshake(11, certificateBody([CERT_A], false)),
      handshake(14, Buffer.alloc(0)),
    ]));
    const bad = Buffer.of(0x63, 0x03, 0x03, 0x00, 0x01, 0x00); // record type 99
    const client = prepareClientHello(tls12);
    const oneChunk = analyseServerFlight(client, Buffer.concat([flight, bad]));
    const analyser = new ServerFlightAnalyser(client);
    const twoChunks = analyser.push(flight).outcome ?? analyser.push(bad).outcome;
    expect(oneChunk).toMatchObject({ kind: 'server-hello', hello: { suite: 0xc02f, certificates: [CERT_A] } });
    expect(twoChunks).toEqual(oneChunk);
  });

  it('reads an SSLv3 flight', () => {
    const outcome = analyseServerFlight(prepareClientHello(offer(['SSLv3'])), plainFlight(0x0300, 0x000a, [CERT_A]));
    expect(outcome).toMatchObject({ kind: 'server-hello', hello: { version: 'SSLv3', suite: 0x000a, certificates: [CERT_A] } });
    expect(outcome.kind === 'server-hello' && outcome.hello.offerViolations).toBeUndefined();
  });

  it('flags a version, suite or group the offer did not include', () => {
    const client = prepareClientHello(offer(['TLSv1.2']));
    const flight = record(22, 0x0301, Buffer.concat([
      handshake(2, serverHelloBody({ version: 0x0301, suite: 0x0005 })),
      handshake(12, ecdheServerKeyExchangeBody(25)),
      handshake(14, Buffer.alloc(0)),
    ]));
    expect(analyseServerFlight(client, flight)).toMatchObject({
      kind: 'server-hello',
      hello: { version: 'TLSv1', offerViolations: ['version-not-offered', 'suite-not-offered'] },
    });
    const ecdhe = record(22, 0x0303, Buffer.concat([
      handshake(2, serverHelloBody({ suite: 0xc02f })),
      handshake(12, ecdheServerKeyExchangeBody(25)),
      handshake(14, Buffer.alloc(0)),
    ]));
    expect(analyseServerFlight(client, ecdhe)).toMatchObject({ hello: { group: 25, offerViolations: ['group-not-offered'] } });
  });

  it('reports a TLS 1.3 answer to a hello without TLS 1.3 as not offered, without decrypting', () => {
    const sh = serverHelloBody({ suite: 0x1301, extensions: [extension(43, u16(0x0304)), extension(51, Buffer.concat([u16(29), vec16(Buffer.alloc(32, 9))]))] });
    expect(analyseServerFlight(prepareClientHello(tls12), record(22, 0x0303, handshake(2, sh)))).toMatchObject({
      kind: 'server-hello',
      hello: { version: 'TLSv1.3', offerViolations: ['version-not-offered', 'suite-not-offered'], certificateError: expect.stringMatching(/not read/) },
    });
  });

  it('maps alerts, text, truncation and silence', () => {
    const client = prepareClientHello(tls12);
    expect(analyseServerFlight(client, record(21, 0x0303, Buffer.of(2, 40)))).toEqual({
      kind: 'alert', level: 2, description: 40, descriptionName: 'handshake_failure',
    });
    expect(analyseServerFlight(client, Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))).toEqual({
      kind: 'not-tls', firstBytesHex: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n').toString('hex'), text: 'HTTP/1.1 400 Bad Request',
    });
    expect(analyseServerFlight(client, Buffer.of(0x80, 0, 0xff, 1))).toMatchObject({ kind: 'not-tls', firstBytesHex: '8000ff01' });
    expect(analyseServerFlight(client, Buffer.alloc(0))).toEqual({ kind: 'closed' });
    expect(analyseServerFlight(client, Buffer.alloc(0), 'timeout')).toEqual({ kind: 'timeout', bytesReceived: 0 });
    expect(analyseServerFlight(client, Buffer.of(22, 3, 3, 0, 40, 2))).toMatchObject({ kind: 'protocol-error' });
    const truncated = Buffer.concat([
      record(22, 0x0303, handshake(2, serverHelloBody({ suite: 0xc02f }))),
      record(22, 0x0303, handshake(11, certificateBody([CERT_A], false))).subarray(0, 8),
    ]);
    expect(analyseServerFlight(client, truncated, 'reset')).toMatchObject({
      kind: 'server-hello', hello: { suite: 0xc02f, certificateError: expect.stringMatching(/reset before the first flight was complete/) },
    });
  });

  it('maps a 16 MB handshake message to a protocol error', () => {
    const outcome = analyseServerFlight(prepareClientHello(tls12), record(22, 0x0303, Buffer.of(2, 0xff, 0xff, 0xff)));
    expect(outcome).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/over the limit/) });
  });

  describe('HelloRetryRequest', () => {
    const tls13 = offer(['TLSv1.2', 'TLSv1.3'], { groups: [29, 24, 0x11ec] });
    const hrr = (group: number, suite = 0x1301) => record(22, 0x0303, handshake(2, helloRetryRequestBody(suite, group)));

    it('answers an HRR for an offered group with a second ClientHello: same random and session id, new share', () => {
      const client = prepareClientHello(tls13);
      const analyser = new ServerFlightAnalyser(client);
      const step = analyser.push(Buffer.concat([hrr(24, 0x1302, ), record(20, 0x0303, Buffer.of(1))]));
      expect(step.outcome).toBeUndefined();
      const second = parseClientHello(step.send!);
      expect(second.random).toEqual(client.random);
      expect(second.sessionId).toEqual(client.sessionId);
      const share = second.extensions!.get(51)!;
      expect(share.readUInt16BE(2)).toBe(24);
      expect(share.length).toBe(2 + 2 + 2 + 97);
    });

    it('echoes the cookie', () => {
      const step = new ServerFlightAnalyser(prepareClientHello(tls13)).push(
        record(22, 0x0303, handshake(2, helloRetryRequestBody(0x1301, 24, Buffer.from('abc')))),
      );
      expect(parseClientHello(step.send!).extensions!.get(44)).toEqual(vec16(Buffer.from('abc')));
    });

    it('gives up on a second HRR, an HRR for a group not offered, and one it cannot compute', () => {
      const client = prepareClientHello(tls13);
      expect(analyseServerFlight(client, Buffer.concat([hrr(24), hrr(23)]))).toMatchObject({
        kind: 'hello-retry-request', group: 23, detail: 'a second HelloRetryRequest',
      });
      expect(analyseServerFlight(client, hrr(25))).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/secp521r1, which was not offered/) });
      expect(analyseServerFlight(client, hrr(29))).toMatchObject({ kind: 'protocol-error', detail: expect.stringMatching(/a key share was sent/) });
      expect(analyseServerFlight(client, hrr(0x11ec))).toMatchObject({
        kind: 'hello-retry-request', group: 0x11ec, suite: 0x1301, detail: expect.stringMatching(/cannot compute/),
      });
      expect(analyseServerFlight(client, hrr(24, 0x1304))).toMatchObject({ kind: 'protocol-error' });
    });
  });
});

describe('TLS 1.3 key schedule (RFC 8448, simple 1-RTT handshake)', () => {
  const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

  it('derives the early and derived secrets', () => {
    const zeros = Buffer.alloc(32);
    const early = hkdfExtract('sha256', zeros, zeros);
    expect(early.toString('hex')).toBe('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
    expect(hkdfExpandLabel('sha256', early, 'derived', hashOf('sha256'), 32).toString('hex')).toBe(
      '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
    );
  });

  it('derives the server handshake key and IV', () => {
    const keys = serverHandshakeKeys(
      tls13Suite(0x1301)!,
      hex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d'),
      hex('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8'),
    );
    expect(keys.key.toString('hex')).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(keys.iv.toString('hex')).toBe('5d313eb2671276ee13000b30');
  });
});
