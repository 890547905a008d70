// An API Gateway (REST, payload 1.0) proxy handler: the result is an HTTP response object.
export const handler = async (event) => {
  const name = event.queryStringParameters?.name ?? 'stranger';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hello: name, method: event.httpMethod, path: event.path }),
  };
};
