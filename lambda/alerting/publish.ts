/**
 * Sends the digest. SNS: one Publish with MessageStructure 'json' (e-mail subscribers get the plain text, SQS, Lambda
 * and HTTPS subscribers the JSON) and a `severity` message attribute for subscription filter policies.
 * Errors are not swallowed: after the SDK's own retries the caller fails the run and keeps the state.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Digest } from './digest';

export interface PublishResult {
  messageId?: string;
}

/** What a publisher sends: the single-account digest or the organization's. */
export type PublishableDigest = Pick<Digest, 'subject' | 'text' | 'envelope' | 'worstSeverity'>;

export interface Publisher {
  publish(digest: PublishableDigest): Promise<PublishResult>;
}

export function publishInput(topicArn: string, digest: PublishableDigest) {
  return {
    TopicArn: topicArn,
    Subject: digest.subject,
    Message: digest.envelope,
    MessageStructure: 'json',
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: digest.worstSeverity },
    },
  };
}

export class SnsPublisher implements Publisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(digest: PublishableDigest): Promise<PublishResult> {
    const out = await this.sns.send(new PublishCommand(publishInput(this.topicArn, digest)));
    return { messageId: out.MessageId };
  }
}

// The text publisher lives with the other local stand-ins (no AWS SDK there), re-exported for existing imports.
export { TextPublisher } from './local';
