// The few fields this example reads (the full types are in @types/aws-lambda; this example installs nothing).
export interface APIGatewayProxyEvent {
  queryStringParameters: Record<string, string | undefined> | null;
}

export interface APIGatewayProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}
