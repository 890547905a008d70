// The event library's public surface: typed generators, the catalogue the
// CLI uses, and the helpers to adjust an event after generating it.
export { ACCOUNT_ID, DEFAULT_REGION, type BaseEventOptions } from './base-event-options.js';
export type { HttpRequestOptions } from './http-request.js';
export {
  apiGatewayHttpApiEvent,
  apiGatewayProxyEvent,
  type ApiGatewayHttpApiOptions,
  type ApiGatewayProxyOptions,
} from './api-gateway.js';
export { functionUrlEvent, type FunctionUrlOptions } from './function-url.js';
export { albRequestEvent, type AlbRequestOptions } from './alb.js';
export { s3DeleteEvent, s3PutEvent, type S3DeleteOptions, type S3PutOptions } from './s3.js';
export { md5OfMessageAttributes, sqsReceiveMessageEvent, type SqsReceiveMessageOptions } from './sqs.js';
export { snsNotificationEvent, type SnsNotificationOptions } from './sns.js';
export {
  dynamoDbInsertEvent,
  dynamoDbModifyEvent,
  dynamoDbRemoveEvent,
  dynamoDbStreamEvent,
  dynamoDbUpdateEvent,
  marshall,
  marshallItem,
  type DynamoDbEventName,
  type DynamoDbStreamOptions,
  type DynamoDbStreamViewType,
} from './dynamodb.js';
export { kinesisGetRecordsEvent, type KinesisGetRecordsOptions } from './kinesis.js';
export {
  eventBridgeCustomEvent,
  scheduledEvent,
  type EventBridgeCustomOptions,
  type ScheduledEventOptions,
} from './eventbridge.js';
export {
  cloudWatchLogsData,
  cloudWatchLogsEvent,
  decodeCloudWatchLogsData,
  encodeCloudWatchLogsData,
  type CloudWatchLogsOptions,
} from './cloudwatch-logs.js';
export { cognitoPostConfirmationEvent, cognitoPreSignUpEvent, type CognitoTriggerOptions } from './cognito.js';
export { sesEmailReceivingEvent, type SesEmailReceivingOptions } from './ses.js';
export { findEventKind, generateEvent, listEventKinds } from './generate-event.js';
export type { EventKind, EventKindInfo, EventOptionInfo, EventOptionType } from './event-kind.js';
export { EventOptionError } from './event-option-error.js';
export { parseSetAssignment, parsePath, setPath, type PathSegment } from './set-path.js';
