import type { SNSEvent, SNSMessageAttributes } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions } from './base-event-options.js';
import { EventOptionError } from './event-option-error.js';

export interface SnsNotificationOptions extends BaseEventOptions {
  /** Topic name. Default `my-topic`. */
  topic?: string;
  /** Message text. Default a small JSON document. */
  message?: string;
  /** Subject; left out when not given, as for messages published without one. */
  subject?: string;
  /** Message attributes; strings become `String`, numbers `Number` attributes. */
  messageAttributes?: Record<string, string | number>;
}

// Fixed so that every event of a stream comes through the same subscription
// and is signed with the same certificate.
const SUBSCRIPTION_ID = '2c8f0b6e-7a1d-4e5b-9c3f-5d2a8e41b7c0';
const CERTIFICATE_ID = '9c6465fa7f48f5cacd23014631ec1136';

function toSnsAttributes(input: Record<string, unknown>): SNSMessageAttributes {
  const out: SNSMessageAttributes = {};
  for (const [name, value] of Object.entries(input)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new EventOptionError(`message attribute '${name}' must be a string or a number`);
    }
    out[name] = { Type: typeof value === 'number' ? 'Number' : 'String', Value: String(value) };
  }
  return out;
}

/** An SNS notification delivered to a Lambda subscription. */
export function snsNotificationEvent(options: SnsNotificationOptions = {}): SNSEvent {
  const base = resolveBaseOptions(options);
  const topicArn = arn({ service: 'sns', region: base.region, accountId: base.accountId, resource: options.topic ?? 'my-topic' });
  const subscriptionArn = `${topicArn}:${SUBSCRIPTION_ID}`;
  const endpoint = `https://sns.${base.region}.amazonaws.com`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: awsIds.uuid(),
          TopicArn: topicArn,
          ...(options.subject !== undefined ? { Subject: options.subject } : {}),
          Message: options.message ?? '{"message":"Hello from SNS!"}',
          Timestamp: awsTime.iso(base.time),
          SignatureVersion: '1',
          // An RSA-2048 signature is 256 bytes; nobody can verify this one, by design.
          Signature: awsIds.base64(256),
          SigningCertUrl: `${endpoint}/SimpleNotificationService-${CERTIFICATE_ID}.pem`,
          UnsubscribeUrl: `${endpoint}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: toSnsAttributes(options.messageAttributes ?? {}),
        },
      },
    ],
  };
}
