import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions, type ResolvedBaseOptions } from './base-event-options.js';
import { EventOptionError } from './event-option-error.js';

export type DynamoDbStreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
export type DynamoDbEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Items are given as plain JSON and marshalled to DynamoDB attribute values. */
export interface DynamoDbStreamOptions extends BaseEventOptions {
  /** Table name. Default `my-table`. */
  table?: string;
  /** Key attributes, e.g. `{ pk: 'user#1', sk: 'profile' }`. Default a fresh `{ id: <uuid> }` per record. */
  keys?: Record<string, unknown>;
  /** Non-key attributes after the change (INSERT, MODIFY), or of the deleted item (REMOVE). */
  item?: Record<string, unknown>;
  /** Non-key attributes before a MODIFY. */
  oldItem?: Record<string, unknown>;
  /** Records in the batch. Default 1 (3 for the mixed `update` batch). */
  batchSize?: number;
  /** Which images the stream carries. Default NEW_AND_OLD_IMAGES. */
  viewType?: DynamoDbStreamViewType;
}

// The stream label is the stream's creation time; fixed, since it names the stream.
const STREAM_LABEL = '2024-01-01T00:00:00.000';
const CREATED = { status: 'created', version: 1 };
const UPDATED = { status: 'updated', version: 2 };

export function marshall(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshall) };
  if (typeof value === 'object') return { M: marshallItem(value as Record<string, unknown>) };
  throw new EventOptionError(`cannot store a ${typeof value} in a DynamoDB item`);
}

export function marshallItem(item: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) out[name] = marshall(value);
  return out;
}

/** Close to DynamoDB's item size rule: attribute names plus value bytes. */
function approximateSize(images: Array<Record<string, unknown> | undefined>): number {
  let size = 0;
  for (const image of images) {
    for (const [name, value] of Object.entries(image ?? {})) {
      size += Buffer.byteLength(name) + Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  return size;
}

interface Images {
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
}

function imagesFor(eventName: DynamoDbEventName, options: DynamoDbStreamOptions): Images {
  const keys = options.keys ?? { id: awsIds.uuid() };
  if (eventName === 'INSERT') return { keys, newImage: { ...keys, ...(options.item ?? CREATED) } };
  if (eventName === 'REMOVE') return { keys, oldImage: { ...keys, ...(options.item ?? UPDATED) } };
  return { keys, oldImage: { ...keys, ...(options.oldItem ?? CREATED) }, newImage: { ...keys, ...(options.item ?? UPDATED) } };
}

function streamRecord(images: Images, viewType: DynamoDbStreamViewType, time: Date, sequence: string): StreamRecord {
  const withNew = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const withOld = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const newImage = withNew ? images.newImage : undefined;
  const oldImage = withOld ? images.oldImage : undefined;
  return {
    ApproximateCreationDateTime: awsTime.epochSeconds(time),
    Keys: marshallItem(images.keys),
    ...(newImage ? { NewImage: marshallItem(newImage) } : {}),
    ...(oldImage ? { OldImage: marshallItem(oldImage) } : {}),
    SequenceNumber: sequence,
    SizeBytes: approximateSize([images.keys, newImage, oldImage]),
    StreamViewType: viewType,
  };
}

function dynamoDbRecord(base: ResolvedBaseOptions, eventName: DynamoDbEventName, dynamodb: StreamRecord, table: string): DynamoDBRecord {
  return {
    eventID: awsIds.hex(32),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: base.region,
    dynamodb,
    eventSourceARN: arn({
      service: 'dynamodb',
      region: base.region,
      accountId: base.accountId,
      resource: `table/${table}/stream/${STREAM_LABEL}`,
    }),
  };
}

/**
 * A DynamoDB Streams batch. `names` gives the event name of each record in
 * turn, cycling when the batch is longer; records of one batch share their
 * keys when keys are given, and carry increasing sequence numbers.
 */
export function dynamoDbStreamEvent(names: DynamoDbEventName[], options: DynamoDbStreamOptions = {}): DynamoDBStreamEvent {
  const base = resolveBaseOptions(options);
  const batchSize = options.batchSize ?? names.length;
  const viewType = options.viewType ?? 'NEW_AND_OLD_IMAGES';
  const table = options.table ?? 'my-table';
  // A lifecycle batch (insert, modify, remove) is about one item, so it shares one default key.
  const shared = { ...options, keys: options.keys ?? (names.length > 1 ? { id: awsIds.uuid() } : undefined) };
  const firstSequence = BigInt(awsIds.digits(21));
  const Records = Array.from({ length: batchSize }, (_, i) => {
    const eventName = names[i % names.length] ?? 'INSERT';
    const time = awsTime.plus(base.time, i);
    const record = streamRecord(imagesFor(eventName, shared), viewType, time, String(firstSequence + BigInt(i)));
    return dynamoDbRecord(base, eventName, record, table);
  });
  return { Records };
}

export const dynamoDbInsertEvent = (options: DynamoDbStreamOptions = {}): DynamoDBStreamEvent =>
  dynamoDbStreamEvent(['INSERT'], options);

export const dynamoDbModifyEvent = (options: DynamoDbStreamOptions = {}): DynamoDBStreamEvent =>
  dynamoDbStreamEvent(['MODIFY'], options);

export const dynamoDbRemoveEvent = (options: DynamoDbStreamOptions = {}): DynamoDBStreamEvent =>
  dynamoDbStreamEvent(['REMOVE'], options);

/** SAM's `dynamodb update`: one item's INSERT, MODIFY and REMOVE in one batch. */
export const dynamoDbUpdateEvent = (options: DynamoDbStreamOptions = {}): DynamoDBStreamEvent =>
  dynamoDbStreamEvent(['INSERT', 'MODIFY', 'REMOVE'], options);
