/**
 * A hand-built TLS client that says hello exactly as CloudFront would and reads the server's first flight:
 * ServerHello, certificates in the order sent (decrypted for TLS 1.3), the ECDHE group, a CertificateRequest.
 * It never completes a handshake and never sends application data. Node's own TLS (OpenSSL) cannot be used:
 * it cannot offer SSLv3, 3DES or RC4, adds groups CloudFront does not offer, and reorders the chain.
 */
import { randomBytes } from 'node:crypto';
import { connect, isIP } from 'node:net';
import { startDeadline, type Deadline } from './deadline';
import { classifyConnectError } from './tcp';
import type { HelloOffer, HelloOutcome, HelloResult, ServerHelloInfo } from '../model';
import {
  alertName,
  CONTENT_TYPE,
  EXTENSION,
  groupName,
  HANDSHAKE_TYPE,
  isEcdheSuite,
  SCSV,
  suiteName,
  VERSION,
  versionName,
} from './tls-constants';
import {
  HandshakeReassembler,
  parseAlert,
  parseCertificateMessage,
  parseServerHello,
  parseServerKeyExchangeGroup,
  recordHeaderBytes,
  ServerFlightReader,
  TlsParseError,
  type AlertMessage,
  type FlightEvent,
  type FlightLimits,
  type HandshakeMessage,
  type ParsedServerHello,
} from './tls-records';
import {
  canComputeKeyShare,
  generateKeyShare,
  RecordDecryptor,
  reusableKeyShare,
  serverHandshakeKeys,
  tls13Suite,
  transcriptHash,
  type KeyShare,
} from './tls13-keys';

// ---------------------------------------------------------------------------------------------------------------
// ClientHello
// ---------------------------------------------------------------------------------------------------------------

const u8 = (n: number) => Buffer.of(n);
const u16 = (n: number) => Buffer.of(n >> 8, n & 0xff);
const vec8 = (b: Buffer) => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const u16List = (codes: readonly number[]) => Buffer.concat(codes.map(u16));
const extension = (type: number, data: Buffer) => Buffer.concat([u16(type), vec16(data)]);

const MAX_PLAINTEXT_RECORD = 2 ** 14;
const NULL_COMPRESSION = 0;
const UNCOMPRESSED_POINTS = 0;
const HOST_NAME = 0;
const PSK_DHE_KE = 1;

export interface ClientHelloOptions {
  /** legacy_session_id; random 32 bytes by default when TLS 1.3 is offered (middlebox compatibility mode). */
  sessionId?: Buffer;
  /** A HelloRetryRequest's cookie, echoed in the second ClientHello. */
  cookie?: Buffer;
}

/** Offered version codes, highest first. */
export function offeredVersionCodes(offer: HelloOffer): number[] {
  return offer.versions.map((v) => VERSION[v]).sort((a, b) => b - a);
}

function offersTls13(offer: HelloOffer): boolean {
  return offer.versions.includes('TLSv1.3');
}

function offersUpToTls12(offer: HelloOffer): boolean {
  return offer.versions.some((v) => v !== 'TLSv1.3');
}

/** SSLv3 servers may reject any extension, so an SSLv3-only hello has none (and signals renegotiation by SCSV). */
function sendsExtensions(offer: HelloOffer): boolean {
  return offer.versions.some((v) => v !== 'SSLv3');
}

function recordVersion(offer: HelloOffer): number {
  return offer.versions.includes('SSLv3') ? VERSION.SSLv3 : VERSION.TLSv1;
}

function legacyVersion(offer: HelloOffer): number {
  const highest = offeredVersionCodes(offer)[0];
  if (highest === undefined) throw new Error('a HelloOffer must offer at least one version');
  return Math.min(highest, VERSION['TLSv1.2']);
}

function clientExtensions(offer: HelloOffer, keyShares: readonly { group: number; publicKey: Buffer }[], options: ClientHelloOptions): Buffer {
  const exts: Buffer[] = [];
  if (offer.serverName && isIP(offer.serverName) === 0) {
    const name = Buffer.from(offer.serverName, 'ascii');
    exts.push(extension(EXTENSION.SERVER_NAME, vec16(Buffer.concat([u8(HOST_NAME), vec16(name)]))));
  }
  exts.push(extension(EXTENSION.EC_POINT_FORMATS, vec8(u8(UNCOMPRESSED_POINTS))));
  exts.push(extension(EXTENSION.SUPPORTED_GROUPS, vec16(u16List(offer.groups))));
  exts.push(extension(EXTENSION.SESSION_TICKET, Buffer.alloc(0)));
  if (offeredVersionCodes(offer)[0] >= VERSION['TLSv1.2']) {
    exts.push(extension(EXTENSION.SIGNATURE_ALGORITHMS, vec16(u16List(offer.signatureSchemes))));
  }
  exts.push(extension(EXTENSION.EXTENDED_MASTER_SECRET, Buffer.alloc(0)));
  exts.push(extension(EXTENSION.RENEGOTIATION_INFO, vec8(Buffer.alloc(0))));
  if (offersTls13(offer)) {
    exts.push(extension(EXTENSION.SUPPORTED_VERSIONS, vec8(u16List(offeredVersionCodes(offer)))));
    if (options.cookie) exts.push(extension(EXTENSION.COOKIE, vec16(options.cookie)));
    exts.push(extension(EXTENSION.PSK_KEY_EXCHANGE_MODES, vec8(u8(PSK_DHE_KE))));
    const shares = keyShares.map((s) => Buffer.concat([u16(s.group), vec16(s.publicKey)]));
    exts.push(extension(EXTENSION.KEY_SHARE, vec16(Buffer.concat(shares))));
  }
  return Buffer.concat(exts);
}

function cipherSuites(offer: HelloOffer): number[] {
  return [
    ...(offersTls13(offer) ? offer.tls13Suites : []),
    ...(offersUpToTls12(offer) ? offer.suites : []),
    ...(sendsExtensions(offer) ? [] : [SCSV.EMPTY_RENEGOTIATION_INFO]),
  ];
}

/** The ClientHello handshake message (header included): what goes into the transcript. */
export function buildClientHelloMessage(
  offer: HelloOffer,
  keyShares: readonly { group: number; publicKey: Buffer }[],
  random: Buffer = randomBytes(32),
  options: ClientHelloOptions = {},
): Buffer {
  const sessionId = options.sessionId ?? (offersTls13(offer) ? randomBytes(32) : Buffer.alloc(0));
  const body = Buffer.concat([
    u16(legacyVersion(offer)),
    random,
    vec8(sessionId),
    vec16(u16List(cipherSuites(offer))),
    vec8(u8(NULL_COMPRESSION)),
    sendsExtensions(offer) ? vec16(clientExtensions(offer, keyShares, options)) : Buffer.alloc(0),
  ]);
  return Buffer.concat([u8(HANDSHAKE_TYPE.CLIENT_HELLO), u8(body.length >> 16), u16(body.length & 0xffff), body]);
}

/** A handshake message in records of at most 2^14 bytes. */
export function handshakeRecords(message: Buffer, version: number): Buffer {
  const records: Buffer[] = [];
  for (let offset = 0; offset < message.length; offset += MAX_PLAINTEXT_RECORD) {
    const fragment = message.subarray(offset, offset + MAX_PLAINTEXT_RECORD);
    records.push(u8(CONTENT_TYPE.HANDSHAKE), u16(version), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}

/** The ClientHello as sent on the wire (records included). */
export function buildClientHello(
  offer: HelloOffer,
  keyShares: readonly { group: number; publicKey: Buffer }[],
  random?: Buffer,
  options?: ClientHelloOptions,
): Buffer {
  return handshakeRecords(buildClientHelloMessage(offer, keyShares, random, options), recordVersion(offer));
}

// ---------------------------------------------------------------------------------------------------------------
// The client's side of the conversation, and the analysis of the server's answer
// ---------------------------------------------------------------------------------------------------------------

/** What the client sent and must remember to read the answer. */
export interface ClientHelloState {
  offer: HelloOffer;
  random: Buffer;
  sessionId: Buffer;
  /** Key shares with their private halves (TLS 1.3 only). */
  keyShares: KeyShare[];
  /** The ClientHello handshake message. */
  message: Buffer;
}

/** 32 random bytes (a copy), drawn from a pool refilled 8 KiB at a time: one call to the CSPRNG per 256 values. */
let pool = Buffer.alloc(0);
let poolAt = 0;
function random32(): Buffer {
  if (poolAt + 32 > pool.length) {
    pool = randomBytes(8192);
    poolAt = 0;
  }
  poolAt += 32;
  return Buffer.from(pool.subarray(poolAt - 32, poolAt));
}

/** A ClientHello with a key share for the first offered group this client can compute (when TLS 1.3 is offered). */
export function prepareClientHello(offer: HelloOffer, random: Buffer = random32()): ClientHelloState {
  const tls13 = offersTls13(offer);
  const group = tls13 ? offer.groups.find(canComputeKeyShare) : undefined;
  const keyShares = group === undefined ? [] : [reusableKeyShare(group) as KeyShare];
  const sessionId = tls13 ? random32() : Buffer.alloc(0);
  const message = buildClientHelloMessage(offer, keyShares, random, { sessionId });
  return { offer, random, sessionId, keyShares, message };
}

export type ConnectionEnd = 'closed' | 'reset' | 'timeout';

export interface AnalyserStep {
  /** Bytes to send the server (the second ClientHello after a HelloRetryRequest). */
  send?: Buffer;
  /** Set once the analysis is final. */
  outcome?: HelloOutcome;
}

type Phase =
  | { name: 'hello' }
  | { name: 'tls12'; info: ServerHelloInfo }
  | { name: 'tls13'; info: ServerHelloInfo; decryptor: RecordDecryptor; inner: HandshakeReassembler }
  | { name: 'done' };

const NOT_TLS_SAMPLE = 256;
const TLS_CONTENT_TYPES: ReadonlySet<number> = new Set(Object.values(CONTENT_TYPE));

function looksLikeTls(first: Buffer): boolean {
  return TLS_CONTENT_TYPES.has(first[0]) && (first.length < 2 || first[1] === 3);
}

function notTls(first: Buffer): HelloOutcome {
  const sample = first.subarray(0, NOT_TLS_SAMPLE);
  const text = sample.toString('latin1').replace(/[^\x20-\x7e\r\n\t]/g, '.');
  const printable = text.replace(/\./g, '').length;
  return {
    kind: 'not-tls',
    firstBytesHex: sample.subarray(0, 32).toString('hex'),
    ...(printable >= sample.length / 2 ? { text: text.trim() } : {}),
  };
}

function alertOutcome(alert: AlertMessage): HelloOutcome {
  return { kind: 'alert', level: alert.level, description: alert.description, descriptionName: alertName(alert.description) };
}

function protocolError(detail: string): HelloOutcome {
  return { kind: 'protocol-error', detail };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Where the server's choice is outside the offer. */
function offerViolations(offer: HelloOffer, version: number, suite: number, group: number | undefined): ServerHelloInfo['offerViolations'] {
  const violations: NonNullable<ServerHelloInfo['offerViolations']> = [];
  const tls13 = version === VERSION['TLSv1.3'];
  if (!offeredVersionCodes(offer).includes(version)) violations.push('version-not-offered');
  const suites = tls13 ? (offersTls13(offer) ? offer.tls13Suites : []) : offersUpToTls12(offer) ? offer.suites : [];
  if (!suites.includes(suite)) violations.push('suite-not-offered');
  if (group !== undefined && !offer.groups.includes(group)) violations.push('group-not-offered');
  return violations.length > 0 ? violations : undefined;
}

/**
 * Turns the server's bytes into a `HelloOutcome`, as they arrive. Pure apart from the key share it generates
 * for a HelloRetryRequest (`makeKeyShare`); never throws for anything the server sends.
 */
export class ServerFlightAnalyser {
  private readonly reader: ServerFlightReader;
  private phase: Phase = { name: 'hello' };
  private first = Buffer.alloc(0);
  private sawRecord = false;
  private keyShares: KeyShare[];
  /** Handshake messages hashed into the TLS 1.3 transcript, ServerHello excluded. */
  private transcript: Buffer[];
  private retry: { group?: number; suite: number } | undefined;

  constructor(
    private readonly client: ClientHelloState,
    private readonly limits: FlightLimits = {},
    private readonly makeKeyShare: (group: number) => KeyShare | undefined = generateKeyShare,
  ) {
    this.reader = new ServerFlightReader(limits);
    this.keyShares = client.keyShares;
    this.transcript = [client.message];
  }

  get bytesReceived(): number {
    return this.reader.bytesReceived;
  }

  push(chunk: Buffer): AnalyserStep {
    if (this.phase.name === 'done' || chunk.length === 0) return {};
    if (!this.sawRecord) {
      // Only the sample is copied: a chunk may be far larger than the flight limit.
      this.first = Buffer.concat([this.first, chunk.subarray(0, NOT_TLS_SAMPLE - this.first.length)]);
      if (!looksLikeTls(this.first)) return { outcome: this.finish(notTls(this.first)) };
    }
    const step: AnalyserStep = {};
    let events: FlightEvent[];
    let unreadable: TlsParseError | undefined;
    try {
      events = this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof TlsParseError)) return { outcome: this.finish(protocolError(`internal error: ${errorMessage(err)}`)) };
      // What came before the bad bytes counts first: a complete flight is a verdict whatever follows it.
      events = err.eventsBefore ?? [];
      unreadable = err;
    }
    try {
      for (const event of events) {
        this.sawRecord = true;
        const result = this.onEvent(event);
        if (result.send) step.send = step.send ? Buffer.concat([step.send, result.send]) : result.send;
        if (result.outcome) return { ...step, outcome: this.finish(result.outcome) };
      }
    } catch (err) {
      const detail = err instanceof TlsParseError ? err.message : `internal error: ${errorMessage(err)}`;
      return { ...step, outcome: this.finish(protocolError(detail)) };
    }
    if (unreadable) return { ...step, outcome: this.finish(protocolError(unreadable.message)) };
    return step;
  }

  /** The outcome when the connection ends (or the deadline passes) before the analysis is final. */
  end(reason: ConnectionEnd): HelloOutcome {
    const phase = this.phase;
    if (phase.name === 'tls12' || phase.name === 'tls13') {
      const why = { closed: 'the server closed the connection', reset: 'the connection was reset', timeout: 'the handshake timed out' }[reason];
      const certificateError = `${why} before the first flight was complete (${this.bytesReceived} bytes received)`;
      return this.finish({ kind: 'server-hello', hello: { ...phase.info, certificateError } });
    }
    if (reason === 'timeout') return { kind: 'timeout', bytesReceived: this.bytesReceived };
    if (reason === 'reset') return { kind: 'reset' };
    return this.reader.hasPartial
      ? protocolError(`the server closed the connection in the middle of a message (${this.bytesReceived} bytes received)`)
      : { kind: 'closed' };
  }

  private finish(outcome: HelloOutcome): HelloOutcome {
    this.phase = { name: 'done' };
    return outcome;
  }

  private onEvent(event: FlightEvent): AnalyserStep {
    if (event.kind === 'alert') return { outcome: alertOutcome(event.alert) };
    switch (this.phase.name) {
      case 'hello':
        return this.onHelloPhase(event);
      case 'tls12':
        return this.onTls12Flight(event, this.phase.info);
      case 'tls13':
        return this.onTls13Flight(event, this.phase);
      default:
        return {};
    }
  }

  private onHelloPhase(event: Exclude<FlightEvent, { kind: 'alert' }>): AnalyserStep {
    // Middlebox compatibility mode: a ChangeCipherSpec may follow a HelloRetryRequest.
    if (event.kind === 'change-cipher-spec' && this.retry) return {};
    if (event.kind !== 'handshake') return { outcome: protocolError(`${event.kind} record before the ServerHello`) };
    const { message } = event;
    if (message.type !== HANDSHAKE_TYPE.SERVER_HELLO) {
      return { outcome: protocolError(`handshake message type ${message.type} where a ServerHello was expected`) };
    }
    const hello = parseServerHello(message.body);
    return hello.isHelloRetryRequest ? this.onHelloRetryRequest(message, hello) : this.onServerHello(message, hello);
  }

  private onHelloRetryRequest(message: HandshakeMessage, hrr: ParsedServerHello): AnalyserStep {
    const { offer } = this.client;
    const group = hrr.keyShare?.group;
    const refuse = (detail: string): AnalyserStep => ({
      outcome: { kind: 'hello-retry-request', ...(group !== undefined ? { group } : {}), suite: hrr.suite, detail },
    });
    if (this.retry) return refuse('a second HelloRetryRequest');
    if (!offersTls13(offer) || hrr.selectedVersion !== VERSION['TLSv1.3']) {
      return { outcome: protocolError('HelloRetryRequest without TLS 1.3 having been offered and selected') };
    }
    if (!offer.tls13Suites.includes(hrr.suite)) {
      return { outcome: protocolError(`HelloRetryRequest selects ${suiteName(hrr.suite)}, which was not offered`) };
    }
    if (group !== undefined && !offer.groups.includes(group)) {
      return { outcome: protocolError(`HelloRetryRequest asks for ${groupName(group)}, which was not offered`) };
    }
    if (group !== undefined && this.keyShares.some((s) => s.group === group)) {
      return { outcome: protocolError(`HelloRetryRequest asks for ${groupName(group)}, for which a key share was sent`) };
    }
    if (group === undefined && !hrr.cookie) return { outcome: protocolError('HelloRetryRequest that changes nothing') };
    const share = group === undefined ? undefined : this.makeKeyShare(group);
    if (group !== undefined && !share) {
      return refuse(`the server wants ${groupName(group)}, for which this client cannot compute a key share`);
    }
    if (share) this.keyShares = [share];
    this.retry = { group, suite: hrr.suite };
    const clientHello2 = buildClientHelloMessage(offer, this.keyShares, this.client.random, {
      sessionId: this.client.sessionId,
      ...(hrr.cookie ? { cookie: hrr.cookie } : {}),
    });
    this.transcript.push(message.raw, clientHello2);
    return { send: handshakeRecords(clientHello2, recordVersion(offer)) };
  }

  private onServerHello(message: HandshakeMessage, hello: ParsedServerHello): AnalyserStep {
    const version = hello.selectedVersion ?? hello.legacyVersion;
    const tls13 = version === VERSION['TLSv1.3'];
    const group = tls13 ? hello.keyShare?.group : undefined;
    const violations = offerViolations(this.client.offer, version, hello.suite, group);
    const info: ServerHelloInfo = {
      version: versionName(version),
      versionCode: version,
      suite: hello.suite,
      suiteName: suiteName(hello.suite),
      ...(group !== undefined ? { group, groupName: groupName(group) } : {}),
      ...(this.retry ? { helloRetried: true } : {}),
      extensions: hello.extensions.map((e) => e.type),
      ...(violations ? { offerViolations: violations } : {}),
    };
    if (this.retry && (hello.suite !== this.retry.suite || (this.retry.group !== undefined && group !== this.retry.group))) {
      return { outcome: protocolError('the ServerHello after a HelloRetryRequest changes the suite or group') };
    }
    if (!tls13) {
      // A client aborts at a ServerHello choosing what it never offered: waiting for the rest only costs time.
      if (info.offerViolations) return { outcome: { kind: 'server-hello', hello: { ...info, certificateError: 'not read: the server chose what was not offered' } } };
      this.phase = { name: 'tls12', info };
      return {};
    }
    return this.startTls13(message, hello, info);
  }

  private startTls13(message: HandshakeMessage, hello: ParsedServerHello, info: ServerHelloInfo): AnalyserStep {
    if (info.offerViolations) {
      return { outcome: { kind: 'server-hello', hello: { ...info, certificateError: 'not read: the server chose what was not offered' } } };
    }
    const serverShare = hello.keyShare;
    if (!serverShare?.keyExchange) return { outcome: protocolError('TLS 1.3 ServerHello without a key share') };
    const share = this.keyShares.find((s) => s.group === serverShare.group);
    if (!share) return { outcome: protocolError(`TLS 1.3 ServerHello with a ${groupName(serverShare.group)} share, for which none was sent`) };
    const suite = tls13Suite(hello.suite);
    if (!suite) {
      return { outcome: { kind: 'server-hello', hello: { ...info, certificateError: `not read: cannot decrypt ${info.suiteName}` } } };
    }
    let secret: Buffer;
    try {
      secret = share.computeSecret(serverShare.keyExchange);
    } catch (err) {
      return { outcome: protocolError(`invalid ${groupName(share.group)} key share from the server: ${errorMessage(err)}`) };
    }
    const hash = transcriptHash(suite.hash, [...this.transcript, message.raw], this.retry !== undefined);
    const decryptor = new RecordDecryptor(suite, serverHandshakeKeys(suite, secret, hash));
    this.phase = { name: 'tls13', info, decryptor, inner: new HandshakeReassembler(this.limits.maxMessageBytes) };
    return {};
  }

  private onTls12Flight(event: Exclude<FlightEvent, { kind: 'alert' }>, info: ServerHelloInfo): AnalyserStep {
    if (event.kind !== 'handshake') return { outcome: protocolError(`${event.kind} record in the server's TLS 1.2 flight`) };
    const { type, body } = event.message;
    switch (type) {
      case HANDSHAKE_TYPE.CERTIFICATE:
        info.certificates = parseCertificateMessage(body, false);
        info.certificateMessageBytes = body.length;
        return {};
      case HANDSHAKE_TYPE.SERVER_KEY_EXCHANGE:
        this.onServerKeyExchange(body, info);
        return {};
      case HANDSHAKE_TYPE.CERTIFICATE_REQUEST:
        info.certificateRequested = true;
        return {};
      case HANDSHAKE_TYPE.CERTIFICATE_STATUS:
        return {};
      case HANDSHAKE_TYPE.SERVER_HELLO_DONE:
        return { outcome: { kind: 'server-hello', hello: info } };
      default:
        return { outcome: protocolError(`unexpected handshake message type ${type} in the server's TLS 1.2 flight`) };
    }
  }

  private onServerKeyExchange(body: Buffer, info: ServerHelloInfo): void {
    if (!isEcdheSuite(info.suite)) return;
    const group = parseServerKeyExchangeGroup(body);
    if (group === undefined) return;
    info.group = group;
    info.groupName = groupName(group);
    if (!this.client.offer.groups.includes(group)) {
      info.offerViolations = [...(info.offerViolations ?? []), 'group-not-offered'];
    }
  }

  private onTls13Flight(event: Exclude<FlightEvent, { kind: 'alert' }>, phase: Extract<Phase, { name: 'tls13' }>): AnalyserStep {
    if (event.kind === 'change-cipher-spec') return {};
    if (event.kind === 'handshake') return { outcome: protocolError('plaintext handshake message after a TLS 1.3 ServerHello') };
    let inner;
    try {
      inner = phase.decryptor.decrypt(recordHeaderBytes(event.record), event.record.fragment);
    } catch (err) {
      return { outcome: { kind: 'server-hello', hello: { ...phase.info, certificateError: `could not decrypt the server's flight: ${errorMessage(err)}` } } };
    }
    if (inner.type === CONTENT_TYPE.ALERT) return { outcome: alertOutcome(parseAlert(inner.content)) };
    if (inner.type !== CONTENT_TYPE.HANDSHAKE) {
      return { outcome: protocolError(`encrypted record of type ${inner.type} in the server's first flight`) };
    }
    for (const message of phase.inner.push(inner.content)) {
      const outcome = this.onTls13Message(message, phase.info);
      if (outcome) return { outcome };
    }
    return {};
  }

  private onTls13Message(message: HandshakeMessage, info: ServerHelloInfo): HelloOutcome | undefined {
    switch (message.type) {
      case HANDSHAKE_TYPE.ENCRYPTED_EXTENSIONS:
        return undefined;
      case HANDSHAKE_TYPE.CERTIFICATE_REQUEST:
        info.certificateRequested = true;
        return undefined;
      case HANDSHAKE_TYPE.CERTIFICATE:
        return {
          kind: 'server-hello',
          hello: { ...info, certificates: parseCertificateMessage(message.body, true), certificateMessageBytes: message.body.length },
        };
      default:
        return protocolError(`handshake message type ${message.type} before the server's Certificate`);
    }
  }
}

/**
 * The outcome of a recorded server flight, without a socket. A HelloRetryRequest is answered as `probeHello`
 * would (its second ClientHello is not sent anywhere), so the recorded bytes may continue with the server's
 * answer to it.
 */
export function analyseServerFlight(
  client: ClientHelloState,
  bytes: Buffer,
  end: ConnectionEnd = 'closed',
  limits?: FlightLimits,
): HelloOutcome {
  const analyser = new ServerFlightAnalyser(client, limits);
  return analyser.push(bytes).outcome ?? analyser.end(end);
}

// ---------------------------------------------------------------------------------------------------------------
// The probe
// ---------------------------------------------------------------------------------------------------------------

export interface ProbeHelloOptions {
  address: string;
  port: number;
  offer: HelloOffer;
  connectTimeoutMs: number;
  /** One deadline for the whole exchange, from the TCP connection on. */
  handshakeTimeoutMs: number;
  maxFlightBytes?: number;
  maxMessageBytes?: number;
  signal?: AbortSignal;
}

function connectFailure(err: NodeJS.ErrnoException): HelloOutcome {
  return { kind: 'connect-failed', tcp: classifyConnectError(err.code), error: err.code || err.message };
}

/**
 * Connects, says hello as `offer` describes, reads the server's first flight and hangs up. Resolves with an
 * outcome for anything the server does; rejects only for an offer without versions.
 */
export async function probeHello(opts: ProbeHelloOptions): Promise<HelloResult> {
  const started = performance.now();
  const client = prepareClientHello(opts.offer);
  const limits: FlightLimits = { maxFlightBytes: opts.maxFlightBytes, maxMessageBytes: opts.maxMessageBytes };
  const analyser = new ServerFlightAnalyser(client, limits);
  const hello = handshakeRecords(client.message, recordVersion(opts.offer));

  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const socket = connect({ host: opts.address, port: opts.port });
    const finish = (outcome: HelloOutcome) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({
        offer: opts.offer,
        outcome,
        durationMs: Math.round(performance.now() - started),
        bytesReceived: analyser.bytesReceived,
      });
    };
    const onAbort = () =>
      finish(connected ? analyser.end('timeout') : { kind: 'connect-failed', tcp: 'timeout', error: 'aborted' });
    // Deadlines count the origin's time only: input already arrived is read first, and our own stalls are not
    // counted (./deadline.ts).
    let deadline: Deadline = startDeadline(opts.connectTimeoutMs, () =>
      finish({ kind: 'connect-failed', tcp: 'timeout', error: `no connection within ${opts.connectTimeoutMs} ms` }),
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);

    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      deadline.cancel();
      deadline = startDeadline(opts.handshakeTimeoutMs, () => finish(analyser.end('timeout')));
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      const step = analyser.push(chunk);
      if (step.send && !step.outcome) socket.write(step.send);
      if (step.outcome) finish(step.outcome);
    });
    socket.on('end', () => finish(analyser.end('closed')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) finish(connectFailure(err));
      else finish(analyser.end(err.code === 'ETIMEDOUT' ? 'timeout' : 'reset'));
    });
    socket.on('close', () => finish(analyser.end('closed')));
  });
}
