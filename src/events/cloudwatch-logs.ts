import { gunzipSync, gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent, CloudWatchLogsLogEvent } from 'aws-lambda';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions } from './base-event-options.js';

export interface CloudWatchLogsOptions extends BaseEventOptions {
  /** Log group. Default `/aws/lambda/my-function`. */
  logGroup?: string;
  /** Log stream. Default a Lambda-style `YYYY/MM/DD/[$LATEST]<hex>` name. */
  logStream?: string;
  /** Message of every log event. Default a Lambda-style `INFO` line. */
  message?: string;
  /** Log events in the payload. Default 1. */
  batchSize?: number;
  /** Subscription filter name. Default `my-subscription-filter`. */
  subscriptionFilter?: string;
}

function logEvent(options: CloudWatchLogsOptions, time: Date, id: bigint): CloudWatchLogsLogEvent {
  const message = options.message ?? `${awsTime.iso(time)}\t${awsIds.uuid()}\tINFO\tHello from CloudWatch Logs!\n`;
  return { id: String(id), timestamp: time.getTime(), message };
}

/** The payload a subscription filter delivers, before gzip and base64. */
export function cloudWatchLogsData(options: CloudWatchLogsOptions = {}): CloudWatchLogsDecodedData {
  const base = resolveBaseOptions(options);
  const batchSize = options.batchSize ?? 1;
  // Log event ids are 56-digit decimals, increasing within one delivery.
  const firstId = BigInt(`3${awsIds.digits(55)}`);
  return {
    messageType: 'DATA_MESSAGE',
    owner: base.accountId,
    logGroup: options.logGroup ?? '/aws/lambda/my-function',
    logStream: options.logStream ?? `${awsTime.datePath(base.time)}/[$LATEST]${awsIds.hex(32)}`,
    subscriptionFilters: [options.subscriptionFilter ?? 'my-subscription-filter'],
    logEvents: Array.from({ length: batchSize }, (_, i) => logEvent(options, awsTime.plus(base.time, i), firstId + BigInt(i))),
  };
}

/** CloudWatch Logs gzips the JSON payload and base64-encodes it into `awslogs.data`. */
export function encodeCloudWatchLogsData(data: CloudWatchLogsDecodedData): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}

export function decodeCloudWatchLogsData(event: CloudWatchLogsEvent): CloudWatchLogsDecodedData {
  return JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
}

/** A CloudWatch Logs subscription filter delivery. */
export function cloudWatchLogsEvent(options: CloudWatchLogsOptions = {}): CloudWatchLogsEvent {
  return encodeCloudWatchLogsData(cloudWatchLogsData(options));
}
