import type { ALBEvent } from 'aws-lambda';
import { arn } from './arn.js';
import { resolveBaseOptions } from './base-event-options.js';
import { httpRequest, lastValues, type HttpRequestOptions } from './http-request.js';

export interface AlbRequestOptions extends HttpRequestOptions {
  /** Target group name. Default `my-lambda-targets`. */
  targetGroup?: string;
}

/**
 * A request forwarded by an Application Load Balancer to a Lambda target
 * group, in the default single-value mode (multi-value headers off).
 */
export function albRequestEvent(options: AlbRequestOptions = {}): ALBEvent {
  const base = resolveBaseOptions(options);
  const host = `my-alb-1234567890.${base.region}.elb.amazonaws.com`;
  const request = httpRequest(options, host, base.time);
  const targetGroup = options.targetGroup ?? 'my-lambda-targets';
  return {
    requestContext: {
      elb: {
        targetGroupArn: arn({
          service: 'elasticloadbalancing',
          region: base.region,
          accountId: base.accountId,
          resource: `targetgroup/${targetGroup}/6d0ecf831eec9f09`,
        }),
      },
    },
    httpMethod: request.method,
    path: request.path,
    // Unlike API Gateway, ALB passes query parameters still URL-encoded.
    queryStringParameters: lastValues(request.query.map((q): [string, string] => [q.rawName, q.rawValue])),
    headers: lastValues(request.headers),
    // ALB sends an empty string, never null, when there is no body.
    body: request.body ?? '',
    isBase64Encoded: false,
  };
}
