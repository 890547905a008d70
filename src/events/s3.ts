import type { S3Event, S3EventRecord } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions, type ResolvedBaseOptions } from './base-event-options.js';

export interface S3ObjectOptions extends BaseEventOptions {
  /** Bucket name. Default `example-bucket`. */
  bucket?: string;
  /** Object key, unencoded; the event carries it URL-encoded as S3 does. Default `test/key.json`. */
  key?: string;
}

export interface S3PutOptions extends S3ObjectOptions {
  /** Object size in bytes. Default 1024. */
  size?: number;
}

export type S3DeleteOptions = S3ObjectOptions;

// The bucket owner's canonical-user-like id; stable so all events share one owner.
const OWNER_ID = 'A3XMPL7Q2DK9ZT';
const CONFIGURATION_ID = 'emu-notification';

type S3Object = S3EventRecord['s3']['object'];

/** S3 form-encodes keys in notifications: spaces become `+`, slashes stay. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/**
 * Sequencers only order events for the same key; S3 emits upper-case hex
 * that grows with time, so a time-based prefix keeps that property.
 */
function sequencer(time: Date): string {
  return (time.getTime().toString(16) + awsIds.upperHex(7)).toUpperCase().padStart(18, '0');
}

function s3Record(base: ResolvedBaseOptions, options: S3ObjectOptions, eventName: string, object: S3Object): S3EventRecord {
  const bucket = options.bucket ?? 'example-bucket';
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: base.region,
    eventTime: awsTime.iso(base.time),
    eventName,
    userIdentity: { principalId: `AWS:${awsIds.iamUniqueId('AIDA')}` },
    requestParameters: { sourceIPAddress: awsIds.sourceIp() },
    responseElements: {
      'x-amz-request-id': awsIds.upperHex(16),
      'x-amz-id-2': awsIds.base64(56),
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: CONFIGURATION_ID,
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: OWNER_ID },
        arn: arn({ service: 's3', resource: bucket }),
      },
      object,
    },
  };
}

/** S3 `ObjectCreated:Put` notification for one object. */
export function s3PutEvent(options: S3PutOptions = {}): S3Event {
  const base = resolveBaseOptions(options);
  const object: S3Object = {
    key: encodeS3Key(options.key ?? 'test/key.json'),
    size: options.size ?? 1024,
    eTag: awsIds.hex(32),
    sequencer: sequencer(base.time),
  };
  return { Records: [s3Record(base, options, 'ObjectCreated:Put', object)] };
}

/** S3 `ObjectRemoved:Delete` notification for one object (unversioned bucket). */
export function s3DeleteEvent(options: S3DeleteOptions = {}): S3Event {
  const base = resolveBaseOptions(options);
  const object: Omit<S3Object, 'size' | 'eTag'> = {
    key: encodeS3Key(options.key ?? 'test/key.json'),
    sequencer: sequencer(base.time),
  };
  // Delete notifications carry no size or eTag; @types/aws-lambda marks them
  // required, so the real shape needs a cast.
  return { Records: [s3Record(base, options, 'ObjectRemoved:Delete', object as S3Object)] };
}
