import { createHash } from 'node:crypto';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions, type ResolvedBaseOptions } from './base-event-options.js';
import { EventOptionError } from './event-option-error.js';

export interface SqsReceiveMessageOptions extends BaseEventOptions {
  /** Queue name; a `.fifo` suffix gives FIFO records (group id, sequence number). Default `my-queue`. */
  queue?: string;
  /** Message body, the same for every record. Default a small JSON document. */
  body?: string;
  /** Records in the batch, each with its own message id. Default 1. */
  batchSize?: number;
  /** Message attributes; strings become `String`, numbers `Number` attributes. */
  messageAttributes?: Record<string, string | number>;
}

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * SQS digests attributes in a documented binary layout (sorted names, each
 * part length-prefixed, transport type 1 for String and Number), so handlers
 * that verify `md5OfMessageAttributes` accept these events.
 */
export function md5OfMessageAttributes(attributes: SQSMessageAttributes): string {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    parts.push(lengthPrefixed(name), lengthPrefixed(attribute.dataType), Buffer.from([1]));
    parts.push(lengthPrefixed(attribute.stringValue ?? ''));
  }
  return md5(Buffer.concat(parts));
}

function toMessageAttributes(input: Record<string, unknown>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(input)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new EventOptionError(`message attribute '${name}' must be a string or a number`);
    }
    const dataType = typeof value === 'number' ? 'Number' : 'String';
    out[name] = { stringValue: String(value), stringListValues: [], binaryListValues: [], dataType };
  }
  return out;
}

function recordAttributes(queue: string, body: string, sent: Date): SQSRecordAttributes {
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(sent.getTime()),
    SenderId: awsIds.iamUniqueId('AIDA'),
    ApproximateFirstReceiveTimestamp: String(sent.getTime() + 7),
  };
  if (!queue.endsWith('.fifo')) return attributes;
  // Content-based deduplication ids are the SHA-256 of the body.
  return {
    ...attributes,
    SequenceNumber: awsIds.digits(20),
    MessageGroupId: 'group-1',
    MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
  };
}

function sqsRecord(base: ResolvedBaseOptions, options: SqsReceiveMessageOptions, index: number): SQSRecord {
  const queue = options.queue ?? 'my-queue';
  const body = options.body ?? '{"message":"Hello from SQS!"}';
  const messageAttributes = toMessageAttributes(options.messageAttributes ?? {});
  const hasAttributes = Object.keys(messageAttributes).length > 0;
  return {
    messageId: awsIds.uuid(),
    // Receipt handles are opaque base64 blobs that always start with AQEB.
    receiptHandle: `AQEB${awsIds.base64(132)}`,
    body,
    attributes: recordAttributes(queue, body, awsTime.plus(base.time, index)),
    messageAttributes,
    md5OfBody: md5(body),
    ...(hasAttributes ? { md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: arn({ service: 'sqs', region: base.region, accountId: base.accountId, resource: queue }),
    awsRegion: base.region,
  };
}

/** A batch of SQS messages as the Lambda event source mapping delivers them. */
export function sqsReceiveMessageEvent(options: SqsReceiveMessageOptions = {}): SQSEvent {
  const base = resolveBaseOptions(options);
  const batchSize = options.batchSize ?? 1;
  return { Records: Array.from({ length: batchSize }, (_, i) => sqsRecord(base, options, i)) };
}
