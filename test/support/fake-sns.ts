/**
 * A local HTTP fake of the SNS API, enough for the real SDK's Publish: point the SDK at it with
 * AWS_ENDPOINT_URL_SNS=<endpoint> and fake credentials.
 *
 * @aws-sdk/client-sns speaks awsQuery: a form-encoded POST (`Action=Publish&Version=2010-03-31&TopicArn=...`,
 * message attributes as `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`), answered
 * with XML. The fake checks what SNS itself checks on Publish and the monitor relies on (the topic exists; with
 * MessageStructure json, the message is a JSON object with a string `default`; the subject is ASCII, no line
 * breaks, at most 100 characters; the message at most 256 KiB) and answers errors the way SNS does. Signatures are
 * not checked. Every request is recorded, raw and parsed.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, { dataType: string; stringValue?: string }>;
  messageId: string;
}

export interface FakeSnsRequest {
  method: string;
  path: string;
  contentType: string;
  /** The raw body, as sent. */
  body: string;
  params: Record<string, string>;
}

export interface FakeSns {
  endpoint: string;
  topicArn: string;
  requests: FakeSnsRequest[];
  published: PublishedMessage[];
  close(): Promise<void>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_BYTES = 256 * 1024;

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  res.end(`<?xml version="1.0"?>\n${body}`);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendXml(
    res,
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}` -> { name: { dataType, stringValue } }. */
function messageAttributes(params: Record<string, string>): PublishedMessage['messageAttributes'] {
  const out: PublishedMessage['messageAttributes'] = {};
  for (const [key, name] of Object.entries(params)) {
    const m = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    const prefix = `MessageAttributes.entry.${m[1]}.Value`;
    const attr: { dataType: string; stringValue?: string } = { dataType: params[`${prefix}.DataType`] ?? '' };
    if (params[`${prefix}.StringValue`] !== undefined) attr.stringValue = params[`${prefix}.StringValue`];
    out[name] = attr;
  }
  return out;
}

/** The InvalidParameter message SNS would give, or undefined when SNS would accept the Publish. */
function invalidPublish(params: Record<string, string>): string | undefined {
  const message = params.Message;
  if (message === undefined) return 'Invalid parameter: Message';
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) return 'Invalid parameter: Message too long';
  const subject = params.Subject;
  if (subject !== undefined) {
    if (subject.length === 0 || subject.length > 100) return 'Invalid parameter: Subject';
    if (/[^\x20-\x7e]/.test(subject)) return 'Invalid parameter: Subject';
  }
  if (params.MessageStructure !== undefined) {
    if (params.MessageStructure !== 'json') return 'Invalid parameter: MessageStructure';
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return 'Invalid parameter: Message Structure - JSON message body failed to parse';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return 'Invalid parameter: Message Structure - JSON message body failed to parse';
    }
    const values = Object.values(parsed as Record<string, unknown>);
    if (typeof (parsed as Record<string, unknown>).default !== 'string') {
      return 'Invalid parameter: Message Structure - No default entry in JSON message body';
    }
    if (values.some((v) => typeof v !== 'string')) return 'Invalid parameter: Message Structure - JSON message body values must be strings';
  }
  for (const [name, attr] of Object.entries(messageAttributes(params))) {
    if (!attr.dataType) return `Invalid parameter: MessageAttributes: the data type of ${name} is missing`;
    if (attr.dataType.startsWith('String') && !attr.stringValue) return `Invalid parameter: MessageAttributes: ${name} has no value`;
  }
  return undefined;
}

export async function startFakeSns(topicArn = 'arn:aws:sns:us-east-1:123456789012:origin-monitor-alerts'): Promise<FakeSns> {
  const requests: FakeSnsRequest[] = [];
  const published: PublishedMessage[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const contentType = String(req.headers['content-type'] ?? '');
      const params = Object.fromEntries(new URLSearchParams(body));
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType, body, params });
      if (req.method !== 'POST' || !contentType.startsWith('application/x-www-form-urlencoded')) {
        return sendError(res, 400, 'InvalidAction', 'fake SNS: expected an awsQuery form POST');
      }
      if (params.Version !== '2010-03-31') return sendError(res, 400, 'InvalidParameterValue', `unsupported Version ${params.Version}`);
      if (params.Action !== 'Publish') return sendError(res, 400, 'InvalidAction', `fake SNS: action ${params.Action} is not implemented`);
      if (params.TopicArn !== topicArn) return sendError(res, 404, 'NotFound', 'Topic does not exist');
      const invalid = invalidPublish(params);
      if (invalid) return sendError(res, 400, 'InvalidParameter', invalid);
      const messageId = randomUUID();
      const entry: PublishedMessage = {
        topicArn: params.TopicArn,
        message: params.Message!,
        messageAttributes: messageAttributes(params),
        messageId,
      };
      if (params.Subject !== undefined) entry.subject = params.Subject;
      if (params.MessageStructure !== undefined) entry.messageStructure = params.MessageStructure;
      published.push(entry);
      sendXml(
        res,
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    topicArn,
    requests,
    published,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
