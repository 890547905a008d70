import type { APIGatewayProxyEvent, APIGatewayProxyResult } from './api-gateway';
import { greet } from './greeting';

/** GET /hello?name=… → a greeting; the template's Environment says which. */
export const lambdaHandler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const name = event.queryStringParameters?.name ?? 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: greet(name), stage: process.env.STAGE ?? null }),
  };
};
