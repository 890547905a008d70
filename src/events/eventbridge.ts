import type { EventBridgeEvent, ScheduledEvent } from 'aws-lambda';
import { arn } from './arn.js';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type BaseEventOptions } from './base-event-options.js';

export interface ScheduledEventOptions extends BaseEventOptions {
  /** Name of the schedule rule. Default `my-schedule`. */
  rule?: string;
}

export interface EventBridgeCustomOptions<TDetailType extends string, TDetail> extends BaseEventOptions {
  /** The event's `source`. Default `com.example.orders`. */
  eventSource?: string;
  /** The event's `detail-type`. Default `OrderPlaced`. */
  detailType?: TDetailType;
  /** The event's `detail` object. */
  detail?: TDetail;
  /** ARNs the event is about. Default none, as PutEvents usually sends. */
  resources?: string[];
}

export type DefaultDetail = Record<string, unknown>;

/** An EventBridge (CloudWatch Events) scheduled rule invocation. */
export function scheduledEvent(options: ScheduledEventOptions = {}): ScheduledEvent<Record<string, never>> {
  const base = resolveBaseOptions(options);
  return {
    version: '0',
    id: awsIds.uuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: base.accountId,
    time: awsTime.isoSeconds(base.time),
    region: base.region,
    resources: [arn({ service: 'events', region: base.region, accountId: base.accountId, resource: `rule/${options.rule ?? 'my-schedule'}` })],
    detail: {},
  };
}

/**
 * A custom application event put on an EventBridge bus. Given a `detail`,
 * the result is typed by it (and by a literal `detailType`).
 */
export function eventBridgeCustomEvent<TDetail, TDetailType extends string = string>(
  options: EventBridgeCustomOptions<TDetailType, TDetail> & { detail: TDetail },
): EventBridgeEvent<TDetailType, TDetail>;
export function eventBridgeCustomEvent(options?: EventBridgeCustomOptions<string, DefaultDetail>): EventBridgeEvent<string, DefaultDetail>;
export function eventBridgeCustomEvent(options: EventBridgeCustomOptions<string, unknown> = {}): EventBridgeEvent<string, unknown> {
  const base = resolveBaseOptions(options);
  return {
    version: '0',
    id: awsIds.uuid(),
    'detail-type': options.detailType ?? 'OrderPlaced',
    source: options.eventSource ?? 'com.example.orders',
    account: base.accountId,
    time: awsTime.isoSeconds(base.time),
    region: base.region,
    resources: options.resources ?? [],
    detail: options.detail ?? { orderId: awsIds.uuid(), amount: 42.5, currency: 'EUR' },
  };
}
