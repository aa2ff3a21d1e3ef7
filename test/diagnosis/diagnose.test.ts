import { getProfile } from '../../lambda/cloudfront/client-profile';
import { diagnose, originStatus } from '../../lambda/diagnosis/diagnose';
import { FINDINGS } from '../../lambda/diagnosis/findings';
import type { EndpointFacts, HelloOffer, HelloOutcome, HelloResult, OriginFacts, OriginTarget, ServerHelloInfo } from '../../lambda/model';
import { cloudfrontOffer } from '../../lambda/probe/offers';

const profile = getProfile('cloudfront-2025');

function target(overrides: Partial<OriginTarget> = {}): OriginTarget {
  return {
    key: 'E1/origin-1',
    distributionId: 'E1',
    originId: 'origin-1',
    domainName: 'origin.example.com',
    protocolPolicy: 'https-only',
    httpPort: 80,
    httpsPort: 443,
    ports: [{ port: 443, tls: true }],
    sniNames: [
      { name: 'origin.example.com', source: 'origin-domain', behaviors: ['*'] },
      { name: 'www.example.com', source: 'viewer-host', behaviors: ['/api/*'] },
    ],
    allowedVersions: ['TLSv1.2'],
    connectionTimeoutMs: 10_000,
    connectionAttempts: 3,
    ...overrides,
  };
}

const offer: HelloOffer = cloudfrontOffer(profile, ['TLSv1.2'], 'origin.example.com');

function result(outcome: HelloOutcome, o: HelloOffer = offer): HelloResult {
  return { offer: o, outcome, durationMs: 3, bytesReceived: 100 };
}

function serverHello(h: Partial<ServerHelloInfo> = {}): HelloOutcome {
  return { kind: 'server-hello', hello: { version: 'TLSv1.2', versionCode: 0x0303, suite: 0xc02f, suiteName: 'ECDHE-RSA-AES128-GCM-SHA256', group: 29, groupName: 'x25519', certificates: [], ...h } };
}

const alert40: HelloOutcome = { kind: 'alert', level: 2, description: 40, descriptionName: 'handshake_failure' };

function endpoint(e: Partial<EndpointFacts> = {}): EndpointFacts {
  return {
    address: '192.0.2.10',
    family: 4,
    port: 443,
    tls: true,
    serverName: 'origin.example.com',
    tcp: { address: '192.0.2.10', port: 443, status: 'open', durationMs: 1 },
    hello: result(serverHello()),
    ...e,
  };
}

function facts(endpoints: EndpointFacts[], dns: Partial<OriginFacts['dns']> = {}): OriginFacts {
  return { dns: { name: 'origin.example.com', status: 'ok', addresses: [{ address: '192.0.2.10', family: 4 }], durationMs: 1, ...dns }, endpoints };
}

const codes = (t: OriginTarget, f: OriginFacts) => diagnose(t, f, profile).map((x) => x.code);

describe('diagnose', () => {
  it('finds nothing wrong with a healthy TLS 1.2 origin', () => {
    const findings = diagnose(target(), facts([endpoint()]), profile);
    expect(findings).toEqual([]);
    expect(originStatus(findings)).toBe('ok');
  });

  it('reports a name that does not resolve, with the resolver status as evidence', () => {
    const [f] = diagnose(target(), facts([], { status: 'nxdomain', addresses: [], error: 'ENOTFOUND' }), profile);
    expect(f.code).toBe('DNS_UNRESOLVABLE');
    expect(f.message).toContain('NXDOMAIN');
    expect(f.evidence).toMatchObject({ status: 'nxdomain' });
    // A command that shows the NXDOMAIN (dig +short prints nothing for it), asking public DNS as CloudFront does.
    expect(f.reproduce).toBe(`host -t A ${target().domainName} 1.1.1.1; host -t AAAA ${target().domainName} 1.1.1.1`);
  });

  it('asks the DNS server the scan asked, on its port, in the NXDOMAIN check', () => {
    const nx = facts([], { status: 'nxdomain', addresses: [], error: 'ENOTFOUND' });
    const name = target().domainName;
    expect(diagnose(target(), nx, profile, { dnsServer: '127.0.0.1:5353' })[0].reproduce).toBe(`host -p 5353 -t A ${name} 127.0.0.1; host -p 5353 -t AAAA ${name} 127.0.0.1`);
    expect(diagnose(target(), nx, profile, { dnsServer: '[::1]:53' })[0].reproduce).toBe(`host -t A ${name} ::1; host -t AAAA ${name} ::1`);
    expect(diagnose(target(), nx, profile, { dnsServer: '2606:4700:4700::1111' })[0].reproduce).toBe(`host -t A ${name} 2606:4700:4700::1111; host -t AAAA ${name} 2606:4700:4700::1111`);
  });

  it('makes no finding of a resolver that failed: that is the monitor\'s fault, not the origin\'s', () => {
    expect(diagnose(target(), facts([], { status: 'error', addresses: [], error: 'ESERVFAIL', attempts: 4 }), profile)).toEqual([]);
    expect(codes(target(), facts([], { status: 'error', addresses: [], error: 'ETIMEOUT' }))).toEqual([]);
  });

  it('tells refused, timed out and unreachable ports apart', () => {
    const tcp = (status: 'refused' | 'timeout' | 'unreachable') =>
      endpoint({ tcp: { address: '192.0.2.10', port: 443, status, durationMs: 5000 }, hello: result({ kind: 'connect-failed', tcp: status }) });
    expect(codes(target(), facts([tcp('refused')]))).toEqual(['PORT_REFUSED']);
    expect(codes(target(), facts([tcp('timeout')]))).toEqual(['PORT_TIMEOUT']);
    expect(codes(target(), facts([tcp('unreachable')]))).toEqual(['PORT_UNREACHABLE']);
  });

  it('merges a finding that holds on one address of two, and says so', () => {
    const refused = endpoint({ tcp: { address: '192.0.2.11', port: 443, status: 'refused', durationMs: 1 }, address: '192.0.2.11', hello: result({ kind: 'connect-failed', tcp: 'refused' }) });
    const [f, ...rest] = diagnose(target(), facts([endpoint(), refused]), profile);
    expect(rest).toEqual([]);
    expect(f.code).toBe('PORT_REFUSED');
    expect(f.address).toBe('192.0.2.11');
    expect(f.message).toContain('on 1 of 2 addresses');
    expect(f.reproduce).toBe('nc -vz -w 10 192.0.2.11 443');
  });

  it('says how many addresses were probed and how many were not', () => {
    const f = facts([endpoint({ hello: result({ kind: 'timeout', bytesReceived: 0 }) })]);
    f.notProbed = [{ what: '192.0.2.99', reason: 'cap' }, { what: '192.0.2.98', reason: 'cap' }];
    const [finding] = diagnose(target(), f, profile);
    expect(finding.message).toBe("the origin accepts the connection but never answers CloudFront's hello (on 1 of 1 addresses probed; 2 more not probed)");
  });

  it('tells a silent origin from one that stalls mid-answer, keeping durations out of the message', () => {
    const stalled = diagnose(target(), facts([endpoint({ hello: result({ kind: 'timeout', bytesReceived: 9 }) })]), profile)[0];
    expect(stalled.message).toContain('stalls');
    expect(stalled.message).not.toMatch(/\d+ ms/);
    expect(stalled.evidence).toMatchObject({ reason: 'stalled', cloudfrontHello: { bytesReceived: 9 } });
  });

  it('blames the version when only a version CloudFront does not offer works', () => {
    const e = endpoint({
      hello: result(alert40),
      details: [
        { purpose: 'version:TLSv1.3', result: result(alert40) },
        { purpose: 'version:TLSv1.2', result: result(alert40) },
        { purpose: 'version:TLSv1', result: result(serverHello({ version: 'TLSv1', versionCode: 0x0301, suite: 0xc013, suiteName: 'ECDHE-RSA-AES128-SHA' })) },
        { purpose: 'suites:any', result: result(serverHello({ version: 'TLSv1', versionCode: 0x0301 })) },
      ],
    });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_NO_COMMON_PROTOCOL');
    expect(f.message).toContain('accepts only TLSv1');
    expect(f.evidence).toMatchObject({ acceptedVersions: ['TLSv1'] });
    expect(f.reproduce).toContain('-tls1_2');
    expect(f.behaviors).toEqual(['*']);
  });

  it('says "only TLS 1.3" when the legacy profile meets a 1.3-only origin', () => {
    const legacy = getProfile('cloudfront-legacy');
    const o = cloudfrontOffer(legacy, ['TLSv1.2'], 'origin.example.com');
    const e = endpoint({
      hello: result({ kind: 'alert', level: 2, description: 70, descriptionName: 'protocol_version' }, o),
      details: [{ purpose: 'version:TLSv1.3', result: result(serverHello({ version: 'TLSv1.3', versionCode: 0x0304, suite: 0x1301, suiteName: 'TLS_AES_128_GCM_SHA256' })) }],
    });
    const [f] = diagnose(target(), facts([e]), legacy);
    expect(f.code).toBe('TLS_NO_COMMON_PROTOCOL');
    expect(f.message).toContain('only TLS 1.3');
  });

  it('blames the cipher suites when a wider suite list works', () => {
    const e = endpoint({
      hello: result(alert40),
      details: [
        { purpose: 'version:TLSv1.2', result: result(alert40) },
        { purpose: 'suites:any', result: result(serverHello({ suite: 0x009e, suiteName: 'DHE-RSA-AES128-GCM-SHA256' })) },
      ],
    });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_NO_COMMON_CIPHER');
    expect(f.message).toContain('DHE-RSA-AES128-GCM-SHA256');
  });

  it('blames the groups when only a wider group list works', () => {
    const e = endpoint({
      hello: result(alert40),
      details: [
        { purpose: 'suites:any', result: result(alert40) },
        { purpose: 'groups:any', result: result(serverHello({ group: 25, groupName: 'secp521r1' })) },
      ],
    });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_NO_COMMON_CIPHER');
    expect(f.message).toContain('secp521r1');
  });

  it('calls it a handshake failure when nothing the origin is offered works', () => {
    const e = endpoint({ hello: result({ kind: 'reset' }), details: [{ purpose: 'suites:any', result: result({ kind: 'reset' }) }] });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(f.evidence).toMatchObject({ reason: 'reset' });
  });

  it('reports a server that answers a version it was not offered as no common protocol', () => {
    const e = endpoint({ hello: result(serverHello({ version: 'TLSv1', versionCode: 0x0301, offerViolations: ['version-not-offered'] })) });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_NO_COMMON_PROTOCOL');
    expect(f.evidence).toMatchObject({ version: 'TLSv1' });
  });

  it('reports a suite the origin was never offered', () => {
    const e = endpoint({ hello: result(serverHello({ suite: 0x009e, suiteName: 'DHE-RSA-AES128-GCM-SHA256', offerViolations: ['suite-not-offered'] })) });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(f.message).toContain('DHE-RSA-AES128-GCM-SHA256');
  });

  it.each([
    [112, 'unrecognized-name'],
    [116, 'client-certificate-required'],
  ])('explains alert %i by itself', (description, reason) => {
    const e = endpoint({ hello: result({ kind: 'alert', level: 2, description, descriptionName: 'x' }) });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(f.evidence).toMatchObject({ reason });
  });

  it('reports plain HTTP on the TLS port with its first line', () => {
    const e = endpoint({ hello: result({ kind: 'not-tls', firstBytesHex: '48545450', text: 'HTTP/1.1 400 Bad Request\r\nServer: x' }) });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(f.message).toContain('"HTTP/1.1 400 Bad Request"');
  });

  it('reports a required client certificate, and not a merely requested one', () => {
    const asked = (required: boolean) =>
      endpoint({ hello: result(serverHello({ certificateRequested: true })), clientCertificate: { required, detail: 'x' } });
    expect(codes(target(), facts([asked(true)]))).toEqual(['TLS_HANDSHAKE_FAILED']);
    expect(codes(target(), facts([asked(false)]))).toEqual([]);
  });

  it('warns when CloudFront gets through only with a legacy version', () => {
    const o = cloudfrontOffer(profile, ['TLSv1', 'TLSv1.1', 'TLSv1.2'], 'origin.example.com');
    const e = endpoint({ hello: result(serverHello({ version: 'TLSv1', versionCode: 0x0301, suite: 0xc013, suiteName: 'ECDHE-RSA-AES128-SHA' }), o) });
    const findings = diagnose(target({ allowedVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] }), facts([e]), profile);
    expect(findings.map((f) => f.code)).toEqual(['TLS_LEGACY_ONLY']);
    expect(originStatus(findings)).toBe('warning');
  });

  it('warns when only 3DES works', () => {
    const e = endpoint({
      hello: result(serverHello({ suite: 0x000a, suiteName: 'DES-CBC3-SHA' })),
      details: [{ purpose: 'suites:without-legacy', result: result(alert40) }],
    });
    expect(codes(target(), facts([e]))).toEqual(['TLS_LEGACY_ONLY']);
  });

  it('does not warn when 3DES was chosen but modern suites also work', () => {
    const e = endpoint({
      hello: result(serverHello({ suite: 0x000a, suiteName: 'DES-CBC3-SHA' })),
      details: [{ purpose: 'suites:without-legacy', result: result(serverHello()) }],
    });
    expect(codes(target(), facts([e]))).toEqual([]);
  });

  it('notes a TLS 1.3-only origin as info, leaving the origin ok', () => {
    const e = endpoint({
      hello: result(serverHello({ version: 'TLSv1.3', versionCode: 0x0304, suite: 0x1301, suiteName: 'TLS_AES_128_GCM_SHA256' })),
      details: [{ purpose: 'versions:without-tls13', result: result({ kind: 'alert', level: 2, description: 70, descriptionName: 'protocol_version' }) }],
    });
    const findings = diagnose(target(), facts([e]), profile);
    expect(findings.map((f) => f.code)).toEqual(['TLS13_ONLY']);
    expect(originStatus(findings)).toBe('ok');
  });

  it('turns chain problems into findings carrying the name, the behaviors that send it and the catalogue text', () => {
    const e = endpoint({
      serverName: 'www.example.com',
      chain: {
        certificates: [],
        problems: [{ code: 'CERT_NAME_MISMATCH', certIndex: 0, detail: 'the certificate does not cover www.example.com', evidence: { dnsNames: ['origin.example.com'] } }],
        trustStore: 'test',
      },
    });
    const [f] = diagnose(target(), facts([e]), profile);
    expect(f).toMatchObject({ code: 'CERT_NAME_MISMATCH', severity: 'critical', sniName: 'www.example.com', behaviors: ['/api/*'], port: 443 });
    expect(f.why).toContain(FINDINGS.CERT_NAME_MISMATCH.source);
    expect(f.reproduce).toContain('-servername www.example.com');
    expect(f.evidence).toMatchObject({ dnsNames: ['origin.example.com'], certIndex: 0 });
  });

  it('turns inventory issues into findings without probing', () => {
    const t = target({ ports: [], inventoryIssues: [{ code: 'ORIGIN_PROTOCOL_UNSUPPORTED', message: 'b.s3-website-us-east-1.amazonaws.com is set to HTTPS' }] });
    const findings = diagnose(t, undefined, profile);
    expect(findings.map((f) => f.code)).toEqual(['ORIGIN_PROTOCOL_UNSUPPORTED']);
    expect(originStatus(findings)).toBe('critical');
  });
});

describe('the findings catalogue', () => {
  it('defines why, fix, source and a reproduce command for every code', () => {
    for (const def of Object.values(FINDINGS)) {
      expect(def.why.length).toBeGreaterThan(20);
      expect(def.fix.length).toBeGreaterThan(10);
      expect(def.source).toMatch(/^https:\/\//);
      expect(def.reproduce({ domainName: 'o.example.com', address: '192.0.2.1', port: 443, sniName: 'o.example.com' })).toMatch(/\S/);
    }
  });

  it('reproduces with openssl the way the AWS article does: per protocol, CloudFront ciphers, the SNI name', () => {
    const cmd = FINDINGS.TLS_NO_COMMON_PROTOCOL.reproduce({ domainName: 'o.example.com', address: '2001:db8::1', port: 8443, sniName: 'www.example.com', version: 'TLSv1.1' });
    expect(cmd).toContain('-connect [2001:db8::1]:8443');
    expect(cmd).toContain('-servername www.example.com');
    expect(cmd).toContain('-tls1_1');
    expect(cmd).toContain('ECDHE-RSA-AES128-GCM-SHA256');
    expect(cmd).toContain('@SECLEVEL=0');
  });
});
