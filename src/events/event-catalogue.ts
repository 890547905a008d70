import { albRequestEvent } from './alb.js';
import { apiGatewayHttpApiEvent, apiGatewayProxyEvent } from './api-gateway.js';
import { cloudWatchLogsEvent } from './cloudwatch-logs.js';
import { cognitoPostConfirmationEvent, cognitoPreSignUpEvent } from './cognito.js';
import {
  dynamoDbInsertEvent,
  dynamoDbModifyEvent,
  dynamoDbRemoveEvent,
  dynamoDbUpdateEvent,
  type DynamoDbStreamOptions,
} from './dynamodb.js';
import { defineEventKind, type EventKind, type EventOptionSpecs } from './event-kind.js';
import { eventBridgeCustomEvent, scheduledEvent } from './eventbridge.js';
import { functionUrlEvent } from './function-url.js';
import type { HttpRequestOptions } from './http-request.js';
import { kinesisGetRecordsEvent } from './kinesis.js';
import { s3DeleteEvent, s3PutEvent } from './s3.js';
import { sesEmailReceivingEvent } from './ses.js';
import { snsNotificationEvent } from './sns.js';
import { sqsReceiveMessageEvent } from './sqs.js';

const str = (description: string) => ({ type: 'string', description }) as const;
const obj = (description: string) => ({ type: 'object', description }) as const;
// Lambda's event source mappings deliver at most 10,000 records per batch.
const batch = (description: string) => ({ type: 'integer', description, min: 1, max: 10_000 }) as const;

const region = str('AWS region (default us-east-1)');

const http: EventOptionSpecs<HttpRequestOptions> = {
  method: str('HTTP method (default GET, or POST when --body is given)'),
  path: str('request path, may end in ?query (default /)'),
  query: str('query string without the ?, e.g. limit=10&tag=a'),
  body: str('request body text'),
  region,
};

const dynamodb: EventOptionSpecs<DynamoDbStreamOptions> = {
  table: str('table name (default my-table)'),
  keys: obj('key attributes as plain JSON, e.g. {"pk":"user#1"} (default a fresh {"id":<uuid>})'),
  item: obj('non-key attributes after the change, or of the deleted item, as plain JSON'),
  oldItem: obj('non-key attributes before a modify, as plain JSON'),
  batchSize: batch('records in the batch'),
  viewType: {
    type: 'string',
    description: 'stream view type (default NEW_AND_OLD_IMAGES)',
    choices: ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'],
  },
  region,
};

const cognito = {
  username: str('user name (default a fresh UUID)'),
  email: str('email attribute (default jane.doe@example.com)'),
  userPoolId: str('user pool id (default <region>_XmPl7Q2dK)'),
  clientId: str('app client id'),
  region,
};

/** Every event emu can generate, with SAM CLI's `generate-event` names where SAM has one. */
export const eventCatalogue: readonly EventKind[] = [
  defineEventKind('apigateway', 'aws-proxy', 'API Gateway REST API request, proxy integration (payload 1.0)', {
    ...http,
    resource: str('resource template, e.g. /items/{id} (default /{proxy+})'),
    stage: str('stage (default prod)'),
  }, apiGatewayProxyEvent),
  defineEventKind('apigateway', 'http-api-proxy', 'API Gateway HTTP API request (payload 2.0)', {
    ...http,
    route: str('route key, e.g. "GET /items/{id}" (default $default)'),
    stage: str('stage (default $default)'),
  }, apiGatewayHttpApiEvent),
  defineEventKind('lambda', 'function-url', 'Lambda Function URL request (payload 2.0)', http, functionUrlEvent),
  defineEventKind('alb', 'request', 'Application Load Balancer request to a Lambda target group', {
    ...http,
    targetGroup: str('target group name (default my-lambda-targets)'),
  }, albRequestEvent),
  defineEventKind('s3', 'put', 'S3 ObjectCreated:Put notification', {
    bucket: str('bucket name (default example-bucket)'),
    key: str('object key, unencoded (default test/key.json)'),
    size: { type: 'integer', description: 'object size in bytes (default 1024)', min: 0 },
    region,
  }, s3PutEvent),
  defineEventKind('s3', 'delete', 'S3 ObjectRemoved:Delete notification', {
    bucket: str('bucket name (default example-bucket)'),
    key: str('object key, unencoded (default test/key.json)'),
    region,
  }, s3DeleteEvent),
  defineEventKind('sqs', 'receive-message', 'SQS messages delivered by the event source mapping', {
    queue: str('queue name; a .fifo suffix gives FIFO records (default my-queue)'),
    body: str('message body of every record'),
    batchSize: batch('messages in the batch (default 1)'),
    messageAttributes: obj('message attributes as {"name":"text" or number}'),
    region,
  }, sqsReceiveMessageEvent),
  defineEventKind('sns', 'notification', 'SNS notification to a Lambda subscription', {
    topic: str('topic name (default my-topic)'),
    message: str('message text'),
    subject: str('subject (default none)'),
    messageAttributes: obj('message attributes as {"name":"text" or number}'),
    region,
  }, snsNotificationEvent),
  defineEventKind('dynamodb', 'insert', 'DynamoDB Streams batch of INSERT records', dynamodb, dynamoDbInsertEvent),
  defineEventKind('dynamodb', 'modify', 'DynamoDB Streams batch of MODIFY records', dynamodb, dynamoDbModifyEvent),
  defineEventKind('dynamodb', 'remove', 'DynamoDB Streams batch of REMOVE records', dynamodb, dynamoDbRemoveEvent),
  defineEventKind('dynamodb', 'update', 'DynamoDB Streams batch: INSERT, MODIFY, REMOVE of one item (SAM name)', dynamodb, dynamoDbUpdateEvent),
  defineEventKind('kinesis', 'get-records', 'Kinesis Data Streams batch, data base64-encoded', {
    stream: str('stream name (default my-stream)'),
    data: str('record payload text, base64-encoded into the event'),
    partitionKey: str('partition key (default a fresh UUID per record)'),
    batchSize: batch('records in the batch (default 1)'),
    region,
  }, kinesisGetRecordsEvent),
  defineEventKind('cloudwatch', 'scheduled-event', 'EventBridge scheduled rule invocation', {
    rule: str('rule name (default my-schedule)'),
    region,
  }, scheduledEvent),
  defineEventKind('eventbridge', 'scheduled-event', 'Same as cloudwatch scheduled-event', {
    rule: str('rule name (default my-schedule)'),
    region,
  }, scheduledEvent),
  defineEventKind('eventbridge', 'custom', 'Custom application event on an EventBridge bus', {
    eventSource: str('the event\'s source (default com.example.orders)'),
    detailType: str('the event\'s detail-type (default OrderPlaced)'),
    detail: obj('the event\'s detail as JSON'),
    region,
  }, (options) => eventBridgeCustomEvent(options)),
  defineEventKind('cloudwatch', 'logs', 'CloudWatch Logs subscription delivery, gzipped and base64-encoded', {
    logGroup: str('log group (default /aws/lambda/my-function)'),
    logStream: str('log stream (default a Lambda-style name)'),
    message: str('message of every log event'),
    batchSize: batch('log events in the payload (default 1)'),
    subscriptionFilter: str('subscription filter name'),
    region,
  }, cloudWatchLogsEvent),
  defineEventKind('cognito-idp', 'pre-signup', 'Cognito user pool pre sign-up trigger (PreSignUp_SignUp)', cognito, cognitoPreSignUpEvent),
  defineEventKind('cognito-idp', 'post-confirmation', 'Cognito user pool post confirmation trigger (PostConfirmation_ConfirmSignUp)', cognito, cognitoPostConfirmationEvent),
  defineEventKind('ses', 'email-receiving', 'Email received by SES, Lambda receipt-rule action', {
    from: str('sender address (default jane.doe@example.com)'),
    to: str('recipient address (default john.doe@example.com)'),
    subject: str('subject line (default Test Subject)'),
    region,
  }, sesEmailReceivingEvent),
];
