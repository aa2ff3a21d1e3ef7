/**
 * One organization run at a time: a DynamoDB conditional lock, in the alert table (pk `run-lock`), held by the
 * Step Functions execution. A scheduled run that starts while the previous one is still running must neither send
 * a second digest of the same news nor write the alert state under it.
 *
 *   ListAccounts  acquire: a conditional PutItem, granted when there is no lock, when it has expired, or when this
 *                 run already holds it (a retried step). Refused: the run ends at once (state
 *                 PreviousRunStillRunning), logging which run holds it and since when.
 *   Reduce        confirm before publishing (a conditional UpdateItem: still ours and not expired; a run that outlived
 *                 its timeout publishes nothing), release (a conditional DeleteItem) once the state is saved.
 *   on failure    the state machine releases it (DeleteItem with the same condition) before failing the run.
 *
 * The lock expires at the execution's start plus the state machine's timeout, so a run that timed out (no Catch runs
 * then) blocks the next ones at most until its own time was up. DynamoDB's conditional writes are strongly
 * consistent: two runs started at the same instant cannot both hold it.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RUN_LOCK_KEY } from './contract';

export { RUN_LOCK_KEY };

export interface LockHolder {
  /** The execution name holding the lock. */
  holder: string;
  startedAt: string;
  expiresAt: string;
}

export type Acquired = { acquired: true } | ({ acquired: false } & LockHolder);

export interface RunLock {
  acquire(runId: string, startedAt: Date, expiresAt: Date, now: Date): Promise<Acquired>;
  /** True while `runId` holds the lock and it has not expired. */
  confirm(runId: string, now: Date): Promise<boolean>;
  /** Releases the lock if `runId` holds it (no error otherwise). */
  release(runId: string): Promise<void>;
}

const conditionFailed = (e: unknown) => (e as { name?: string })?.name === 'ConditionalCheckFailedException';

export class DynamoRunLock implements RunLock {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async acquire(runId: string, startedAt: Date, expiresAt: Date, now: Date): Promise<Acquired> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...RUN_LOCK_KEY, holder: runId, startedAt: startedAt.toISOString(), expiresAt: expiresAt.getTime() },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR holder = :me',
          ExpressionAttributeValues: { ':now': now.getTime(), ':me': runId },
        }),
      );
      return { acquired: true };
    } catch (e) {
      if (!conditionFailed(e)) throw e;
    }
    const held = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { ...RUN_LOCK_KEY }, ConsistentRead: true }));
    const item = held.Item ?? {};
    return {
      acquired: false,
      holder: String(item.holder ?? 'another run'),
      startedAt: String(item.startedAt ?? ''),
      expiresAt: typeof item.expiresAt === 'number' ? new Date(item.expiresAt).toISOString() : '',
    };
  }

  async confirm(runId: string, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { ...RUN_LOCK_KEY },
          UpdateExpression: 'SET confirmedAt = :at',
          ConditionExpression: 'holder = :me AND expiresAt > :now',
          ExpressionAttributeValues: { ':me': runId, ':now': now.getTime(), ':at': now.toISOString() },
        }),
      );
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
  }

  async release(runId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { ...RUN_LOCK_KEY }, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': runId } }),
      );
    } catch (e) {
      if (!conditionFailed(e)) throw e;
    }
  }
}

/** The same lock in memory (tests, the benchmark). */
export class MemoryRunLock implements RunLock {
  held?: { holder: string; startedAt: string; expiresAt: number };

  async acquire(runId: string, startedAt: Date, expiresAt: Date, now: Date): Promise<Acquired> {
    const h = this.held;
    if (!h || h.expiresAt <= now.getTime() || h.holder === runId) {
      this.held = { holder: runId, startedAt: startedAt.toISOString(), expiresAt: expiresAt.getTime() };
      return { acquired: true };
    }
    return { acquired: false, holder: h.holder, startedAt: h.startedAt, expiresAt: new Date(h.expiresAt).toISOString() };
  }

  async confirm(runId: string, now: Date): Promise<boolean> {
    return this.held?.holder === runId && this.held.expiresAt > now.getTime();
  }

  async release(runId: string): Promise<void> {
    if (this.held?.holder === runId) this.held = undefined;
  }
}
