// The point of this file is `tsc --noEmit`: each generator's result is
// assigned to the @types/aws-lambda type a handler would declare, and the
// expect-error lines prove the results are precise types, not `any`.
// The runtime assertions only keep it a valid node:test file.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type {
  ALBEvent,
  ALBHandler,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandler,
  CloudWatchLogsDecodedData,
  CloudWatchLogsEvent,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamEvent,
  LambdaFunctionURLEvent,
  PostConfirmationTriggerEvent,
  PreSignUpTriggerEvent,
  S3Event,
  S3Handler,
  ScheduledEvent,
  SESEvent,
  SNSEvent,
  SQSEvent,
  SQSHandler,
} from 'aws-lambda';
import {
  albRequestEvent,
  apiGatewayHttpApiEvent,
  apiGatewayProxyEvent,
  cloudWatchLogsEvent,
  cognitoPostConfirmationEvent,
  cognitoPreSignUpEvent,
  decodeCloudWatchLogsData,
  dynamoDbInsertEvent,
  dynamoDbModifyEvent,
  dynamoDbRemoveEvent,
  dynamoDbUpdateEvent,
  eventBridgeCustomEvent,
  functionUrlEvent,
  kinesisGetRecordsEvent,
  s3DeleteEvent,
  s3PutEvent,
  scheduledEvent,
  sesEmailReceivingEvent,
  snsNotificationEvent,
  sqsReceiveMessageEvent,
} from '../src/events/index.js';

interface OrderPlaced {
  orderId: string;
  amount: number;
}

it('HTTP generators return the API Gateway, Function URL and ALB types', () => {
  const rest: APIGatewayProxyEvent = apiGatewayProxyEvent({ path: '/items/1' });
  const httpApi: APIGatewayProxyEventV2 = apiGatewayHttpApiEvent({ method: 'POST', body: '{}' });
  const functionUrl: LambdaFunctionURLEvent = functionUrlEvent();
  const alb: ALBEvent = albRequestEvent();
  // @ts-expect-error a REST (1.0) event is not a payload 2.0 event
  const wrongVersion: APIGatewayProxyEventV2 = apiGatewayProxyEvent();
  assert.equal(rest.path, '/items/1');
  assert.equal(httpApi.version, '2.0');
  assert.equal(functionUrl.version, '2.0');
  assert.equal(alb.httpMethod, 'GET');
  assert.ok(wrongVersion);
});

it('storage and messaging generators return their record-batch types', () => {
  const put: S3Event = s3PutEvent({ bucket: 'b', key: 'k', size: 1 });
  const removed: S3Event = s3DeleteEvent();
  const sqs: SQSEvent = sqsReceiveMessageEvent({ batchSize: 2 });
  const sns: SNSEvent = snsNotificationEvent();
  const kinesis: KinesisStreamEvent = kinesisGetRecordsEvent();
  // @ts-expect-error an S3 event is not an SQS event
  const wrongSource: SQSEvent = s3PutEvent();
  assert.equal(put.Records.length + removed.Records.length, 2);
  assert.equal(sqs.Records.length, 2);
  assert.equal(sns.Records[0]?.EventSource, 'aws:sns');
  assert.equal(kinesis.Records[0]?.eventSource, 'aws:kinesis');
  assert.ok(wrongSource);
});

it('DynamoDB Streams generators return DynamoDBStreamEvent', () => {
  const events: DynamoDBStreamEvent[] = [
    dynamoDbInsertEvent(),
    dynamoDbModifyEvent({ keys: { pk: 'a' } }),
    dynamoDbRemoveEvent({ viewType: 'OLD_IMAGE' }),
    dynamoDbUpdateEvent(),
  ];
  // @ts-expect-error view types are a closed union
  dynamoDbInsertEvent({ viewType: 'EVERYTHING' });
  assert.deepEqual(events.map((e) => e.Records.length), [1, 1, 1, 3]);
});

it('EventBridge generators return typed EventBridge events', () => {
  const scheduled: ScheduledEvent = scheduledEvent({ rule: 'nightly' });
  const custom: EventBridgeEvent<string, Record<string, unknown>> = eventBridgeCustomEvent();
  const typed: EventBridgeEvent<'OrderPlaced', OrderPlaced> = eventBridgeCustomEvent({
    detailType: 'OrderPlaced',
    detail: { orderId: 'o-1', amount: 3 },
  });
  const amount: number = typed.detail.amount;
  // @ts-expect-error the detail type follows the detail given
  const wrongDetail: string = typed.detail.amount;
  assert.equal(scheduled['detail-type'], 'Scheduled Event');
  assert.equal(typeof custom.detail, 'object');
  assert.equal(amount, 3);
  assert.ok(wrongDetail);
});

it('logs, Cognito and SES generators return their trigger types', () => {
  const logs: CloudWatchLogsEvent = cloudWatchLogsEvent();
  const decoded: CloudWatchLogsDecodedData = decodeCloudWatchLogsData(logs);
  const preSignUp: PreSignUpTriggerEvent = cognitoPreSignUpEvent({ email: 'a@example.com' });
  const postConfirmation: PostConfirmationTriggerEvent = cognitoPostConfirmationEvent();
  const ses: SESEvent = sesEmailReceivingEvent({ subject: 'Hi' });
  // @ts-expect-error a pre sign-up event is not a post confirmation event
  const wrongTrigger: PostConfirmationTriggerEvent = cognitoPreSignUpEvent();
  assert.equal(decoded.messageType, 'DATA_MESSAGE');
  assert.equal(preSignUp.triggerSource, 'PreSignUp_SignUp');
  assert.equal(postConfirmation.triggerSource, 'PostConfirmation_ConfirmSignUp');
  assert.equal(ses.Records[0]?.ses.mail.commonHeaders.subject, 'Hi');
  assert.ok(wrongTrigger);
});

it('events can be passed straight to typed handlers', async () => {
  const seen: string[] = [];
  const onS3: S3Handler = async (event) => void seen.push(event.Records[0]?.eventName ?? '');
  const onSqs: SQSHandler = async (event) => void seen.push(event.Records[0]?.eventSource ?? '');
  const onRest: APIGatewayProxyHandler = async (event) => ({ statusCode: 200, body: event.httpMethod });
  const onAlb: ALBHandler = async (event) => ({ statusCode: 200, body: event.path });
  const context = {} as Parameters<S3Handler>[1];
  const noCallback = (): void => {};
  await onS3(s3PutEvent(), context, noCallback);
  await onSqs(sqsReceiveMessageEvent(), context, noCallback);
  assert.deepEqual(await onRest(apiGatewayProxyEvent(), context, noCallback), { statusCode: 200, body: 'GET' });
  assert.deepEqual(await onAlb(albRequestEvent({ path: '/health' }), context, noCallback), { statusCode: 200, body: '/health' });
  assert.deepEqual(seen, ['ObjectCreated:Put', 'aws:sqs']);
});
