/**
 * The Lambda client, loaded only on the --remote path: @aws-sdk/client-lambda
 * costs a local `emu run` nothing until then. The SDK's own retries are off
 * (maxAttempts 1): retry-policy.ts retries, so that each retry is counted by
 * cause and a connection that failed before any answer is told apart from one
 * that failed while the answer was arriving (that one is never retried).
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { LambdaClient } from '@aws-sdk/client-lambda';

/** CommonJS, by require: the CLI runs as a code-cached script, and Node 20 drops import() there (as in credentials/sdk-chain.ts). */
const requireSdk = createRequire(import.meta.url);

export type LambdaSdk = typeof import('@aws-sdk/client-lambda');

export function loadLambdaSdk(): LambdaSdk {
  return requireSdk('@aws-sdk/client-lambda') as LambdaSdk;
}

export interface LambdaClientOptions {
  region?: string;
  /** Any Invoke API: another emu serve, LocalStack. Default: AWS's own endpoint for the region. */
  endpointUrl?: string;
  profile?: string;
  /** Sockets kept open to the endpoint: the concurrency. */
  maxSockets: number;
}

/** Set on an error thrown before the response's status line arrived: the request may or may not have run. */
export const BEFORE_RESPONSE = Symbol('emu.beforeResponse');

const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function createLambdaClient(options: LambdaClientOptions): LambdaClient {
  const sdk = loadLambdaSdk();
  // The client's own HTTP handler, found from the client's folder: a dependency of it, not of emu.
  const fromClient = createRequire(requireSdk.resolve('@aws-sdk/client-lambda'));
  const { NodeHttpHandler } = fromClient('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
  class MarkingHandler extends NodeHttpHandler {
    override async handle(...args: Parameters<InstanceType<typeof NodeHttpHandler>['handle']>): ReturnType<InstanceType<typeof NodeHttpHandler>['handle']> {
      try {
        return await super.handle(...args);
      } catch (error) {
        if (typeof error === 'object' && error !== null) (error as Record<symbol, boolean>)[BEFORE_RESPONSE] = true;
        throw error;
      }
    }
  }
  const agent = { keepAlive: true, maxSockets: options.maxSockets };
  // The SDK's own Node-version notice is about emu's dependency, not the user's function.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new sdk.LambdaClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpointUrl === undefined ? {} : { endpoint: options.endpointUrl }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    maxAttempts: 1,
    logger: SILENT_LOGGER,
    requestHandler: new MarkingHandler({
      connectionTimeout: 10_000,
      httpAgent: new http.Agent(agent),
      httpsAgent: new https.Agent(agent),
    }),
  });
}
