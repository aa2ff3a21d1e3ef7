/**
 * Local stand-ins for the alert state and the publisher: the demo's (and the tests') in place of DynamoDB and SNS.
 * Apart from the SDK-backed ones so that what uses only these (the installable CLI's demo) does not load the AWS SDK
 * for DynamoDB and SNS.
 */
import type { AlertState } from './policy';
import type { PublishResult, Publisher } from './publish';
import type { StateStore } from './state-store';
import type { Digest } from './digest';

/** State in memory (tests; the demo, whose two runs share one process). */
export class MemoryStateStore implements StateStore {
  private state: AlertState;
  constructor(initial?: AlertState) {
    this.state = clone(initial ?? { findings: {} });
  }
  async load(): Promise<AlertState> {
    return clone(this.state);
  }
  async save(next: AlertState): Promise<void> {
    this.state = clone(next);
  }
  /** A copy of what is stored. */
  snapshot(): AlertState {
    return clone(this.state);
  }
}

/** Writes the e-mail as a person would read it (demo). */
export class TextPublisher implements Publisher {
  private n = 0;
  constructor(private readonly write: (s: string) => void = (s) => process.stdout.write(s)) {}
  async publish(digest: Digest): Promise<PublishResult> {
    this.n += 1;
    this.write(`Subject: ${digest.subject}\nX-Severity: ${digest.worstSeverity}\n\n${digest.text}\n`);
    return { messageId: `text-${this.n}` };
  }
}

const clone = (s: AlertState): AlertState => JSON.parse(JSON.stringify(s)) as AlertState;
