import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions } from './base-event-options.js';

export interface KinesisGetRecordsOptions extends BaseEventOptions {
  /** Stream name. Default `my-stream`. */
  stream?: string;
  /** Record payload as text; the event carries it base64-encoded. Default a small JSON document. */
  data?: string;
  /** Partition key. Default a fresh UUID per record. */
  partitionKey?: string;
  /** Records in the batch. Default 1. */
  batchSize?: number;
}

const SHARD_ID = 'shardId-000000000000';

/** A batch of Kinesis Data Streams records as the event source mapping delivers them. */
export function kinesisGetRecordsEvent(options: KinesisGetRecordsOptions = {}): KinesisStreamEvent {
  const base = resolveBaseOptions(options);
  const batchSize = options.batchSize ?? 1;
  const data = Buffer.from(options.data ?? '{"message":"Hello from Kinesis!"}', 'utf8').toString('base64');
  const eventSourceARN = arn({
    service: 'kinesis',
    region: base.region,
    accountId: base.accountId,
    resource: `stream/${options.stream ?? 'my-stream'}`,
  });
  // Sequence numbers are 56-digit decimals that grow within a shard.
  const firstSequence = BigInt(`49${awsIds.digits(54)}`);
  const Records = Array.from({ length: batchSize }, (_, i): KinesisStreamRecord => {
    const sequenceNumber = String(firstSequence + BigInt(i));
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: options.partitionKey ?? awsIds.uuid(),
        sequenceNumber,
        data,
        approximateArrivalTimestamp: awsTime.epochSecondsFraction(awsTime.plus(base.time, i)),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${SHARD_ID}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: arn({ service: 'iam', accountId: base.accountId, resource: 'role/my-function-role' }),
      awsRegion: base.region,
      eventSourceARN,
    };
  });
  return { Records };
}
