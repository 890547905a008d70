// The classic first Lambda function, in CommonJS.
exports.handler = async (event, context) => {
  console.log('Hello from', context.functionName, 'with', JSON.stringify(event));
  return { message: `Hello, ${event.name ?? 'world'}!`, requestId: context.awsRequestId };
};
