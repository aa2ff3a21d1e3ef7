/**
 * Where the alert state lives between runs.
 *
 * DynamoDB (table with string keys `pk` and `sk`): one item per finding identity,
 *   { pk: 'finding', sk: <identity key>, v: 1, code, severity, distributionId?, originId?, originKey, domainName,
 *     sniName?, firstSeen, runs, alertedAt?, expiry?: { fingerprint, stage }, message }
 * and, in the same partition, one item per origin last asked without TLS 1.3 (tls13-check.ts),
 *   { pk: 'finding', sk: '#tls13-check#<origin key>', v: 1, checkedAt }
 * Loading is one paginated Query on pk = 'finding'; saving writes only the items that changed (BatchWrite, 25 at a
 * time, UnprocessedItems retried with backoff) and deletes the identities that are gone.
 *
 * MemoryStateStore and JsonFileStateStore have the same interface, for the demo and tests (no AWS).
 */
import {
  BatchWriteCommand,
  QueryCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AlertState, FindingRecord } from './policy';

export interface StateStore {
  load(): Promise<AlertState>;
  /** Persists `next`. `previous` is what `load` returned, so only what changed is written. */
  save(next: AlertState, previous: AlertState): Promise<void>;
}

export const STATE_PK = 'finding';
/** Sort-key prefix of the TLS 1.3 check times ('#' starts no finding identity: those start with a distribution ID). */
export const TLS13_CHECK_SK = '#tls13-check#';
const ITEM_VERSION = 1;
const BATCH = 25;

/** A record as plain data: no undefined values, keys in a stable order (to compare and to store). */
function canonical(r: FindingRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(r).sort()) {
    const v = (r as unknown as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

const same = (a: FindingRecord | undefined, b: FindingRecord) =>
  a !== undefined && JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

export interface StateChanges {
  put: FindingRecord[];
  remove: string[];
}

export function diffState(previous: AlertState, next: AlertState): StateChanges {
  const put = Object.values(next.findings).filter((r) => !same(previous.findings[r.key], r));
  const remove = Object.keys(previous.findings).filter((k) => !next.findings[k]);
  return { put, remove };
}

/** The TLS 1.3 check times that changed (absent in `next`: kept as they are, the handler did not set them). */
export function diffChecks(previous: AlertState, next: AlertState): { put: [string, string][]; remove: string[] } {
  if (!next.tls13Checks) return { put: [], remove: [] };
  const before = previous.tls13Checks ?? {};
  const after = next.tls13Checks;
  return {
    put: Object.entries(after).filter(([k, v]) => before[k] !== v),
    remove: Object.keys(before).filter((k) => !(k in after)),
  };
}

/** Reads a stored record back, or undefined when it is not one (foreign or damaged item: ignored, not fatal). */
function recordFromItem(item: Record<string, unknown>): FindingRecord | undefined {
  const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
  const key = str('sk');
  if (key?.startsWith(TLS13_CHECK_SK)) return undefined;
  const code = str('code');
  const originKey = str('originKey');
  const firstSeen = str('firstSeen');
  const severity = str('severity');
  if (!key || !code || !originKey || !firstSeen || !(severity === 'critical' || severity === 'warning' || severity === 'info')) {
    return undefined;
  }
  const r: FindingRecord = {
    key,
    code,
    severity,
    originKey,
    domainName: str('domainName') ?? originKey,
    firstSeen,
    runs: typeof item.runs === 'number' ? item.runs : 1,
    message: str('message') ?? '',
  };
  if (str('distributionId')) r.distributionId = str('distributionId');
  if (str('originId')) r.originId = str('originId');
  if (str('sniName')) r.sniName = str('sniName');
  if (str('tenantId')) r.tenantId = str('tenantId');
  if (str('alertedAt')) r.alertedAt = str('alertedAt');
  const e = item.expiry as { fingerprint?: unknown; stage?: unknown } | undefined;
  if (e && typeof e.fingerprint === 'string' && typeof e.stage === 'number') {
    r.expiry = { fingerprint: e.fingerprint, stage: e.stage };
  }
  return r;
}

function itemFromRecord(r: FindingRecord, pk: string): Record<string, unknown> {
  const { key, ...rest } = canonical(r) as unknown as FindingRecord;
  return { pk, sk: key, v: ITEM_VERSION, ...rest };
}

export interface DynamoStateStoreOptions {
  /** The partition (`pk` value) the records live under. Default STATE_PK; the organization mode keeps its account records apart. */
  partition?: string;
  /** Attempts for a batch whose items come back unprocessed (throttling). Default 8. */
  maxAttempts?: number;
  /** Backoff between attempts; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export class DynamoStateStore implements StateStore {
  private readonly maxAttempts: number;
  private readonly partition: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoStateStoreOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.partition = options.partition ?? STATE_PK;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async load(): Promise<AlertState> {
    const findings: AlertState['findings'] = {};
    const tls13Checks: Record<string, string> = {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': this.partition },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const r = recordFromItem(item);
        if (r) findings[r.key] = r;
        if (typeof item.sk === 'string' && item.sk.startsWith(TLS13_CHECK_SK) && typeof item.checkedAt === 'string') {
          tls13Checks[item.sk.slice(TLS13_CHECK_SK.length)] = item.checkedAt;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return Object.keys(tls13Checks).length > 0 ? { findings, tls13Checks } : { findings };
  }

  async save(next: AlertState, previous: AlertState): Promise<void> {
    const { put, remove } = diffState(previous, next);
    type Req = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
    const checks = diffChecks(previous, next);
    const requests: Req[] = [
      ...put.map((r) => ({ PutRequest: { Item: itemFromRecord(r, this.partition) } })),
      ...remove.map((sk) => ({ DeleteRequest: { Key: { pk: this.partition, sk } } })),
      ...checks.put.map(([key, checkedAt]) => ({ PutRequest: { Item: { pk: this.partition, sk: TLS13_CHECK_SK + key, v: ITEM_VERSION, checkedAt } } })),
      ...checks.remove.map((key) => ({ DeleteRequest: { Key: { pk: this.partition, sk: TLS13_CHECK_SK + key } } })),
    ];
    for (let i = 0; i < requests.length; i += BATCH) {
      await this.writeBatch(requests.slice(i, i + BATCH));
    }
  }

  private async writeBatch(requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        if (attempt > this.maxAttempts) {
          throw new Error(
            `state not saved: ${pending.length} item(s) still unprocessed by DynamoDB after ${this.maxAttempts} attempts (table ${this.tableName})`,
          );
        }
        await this.sleep(Math.min(5000, 50 * 2 ** (attempt - 2)) * (0.5 + Math.random() / 2));
      }
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }
}

// The in-memory store lives with the other local stand-ins (no AWS SDK there), re-exported for existing imports.
export { MemoryStateStore } from './local';
