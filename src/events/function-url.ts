import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { payloadV2Event } from './api-gateway.js';
import { awsIds } from './aws-ids.js';
import { resolveBaseOptions } from './base-event-options.js';
import { httpRequest, type HttpRequestOptions } from './http-request.js';

// Function URL ids are 32 lowercase characters; one fixed id makes a stream
// of events look like traffic to one function.
const URL_ID = 'q7xmpl2vd3kbn5hwt4ycz6jf8r0ga1ms';

export type FunctionUrlOptions = HttpRequestOptions;

/** A request to a Lambda Function URL (payload format 2.0, no stage, no route). */
export function functionUrlEvent(options: FunctionUrlOptions = {}): LambdaFunctionURLEvent {
  const base = resolveBaseOptions(options);
  const domainName = `${URL_ID}.lambda-url.${base.region}.on.aws`;
  const request = httpRequest(options, domainName, base.time);
  // Function URLs terminate TLS themselves and say so in two extra headers.
  request.headers.push(['x-amzn-tls-cipher-suite', 'TLS_AES_128_GCM_SHA256'], ['x-amzn-tls-version', 'TLSv1.3']);
  return payloadV2Event(request, base, {
    apiId: URL_ID,
    domainName,
    requestId: awsIds.uuid(),
    routeKey: '$default',
    stage: '$default',
    pathParameters: null,
  });
}
