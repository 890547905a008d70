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
import type { InvokeCommandInput, InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';

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

/**
 * Each call's abort signal, from its input to its HTTP request to the handler. A signal given
 * as send()'s option would make the client rebuild its middleware stack for every call (its
 * handler cache serves only calls without options), a third of the client's CPU per Invoke.
 */
const inputSignals = new WeakMap<object, AbortSignal>();
const requestSignals = new WeakMap<object, AbortSignal>();

/** One Invoke through the client's cached middleware, abortable by `signal`. */
export function sendInvoke(client: LambdaClient, input: InvokeCommandInput, signal: AbortSignal): Promise<InvokeCommandOutput> {
  inputSignals.set(input, signal);
  return client.send(new (loadLambdaSdk().InvokeCommand)(input));
}

export function createLambdaClient(options: LambdaClientOptions): LambdaClient {
  const sdk = loadLambdaSdk();
  // The client's own HTTP handler, found from the client's folder: a dependency of it, not of emu.
  const fromClient = createRequire(requireSdk.resolve('@aws-sdk/client-lambda'));
  const { NodeHttpHandler } = fromClient('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
  class MarkingHandler extends NodeHttpHandler {
    override async handle(...args: Parameters<InstanceType<typeof NodeHttpHandler>['handle']>): ReturnType<InstanceType<typeof NodeHttpHandler>['handle']> {
      try {
        const [request, handlerOptions] = args;
        const abortSignal = handlerOptions?.abortSignal ?? requestSignals.get(request);
        return await super.handle(request, abortSignal === undefined ? handlerOptions : { ...handlerOptions, abortSignal });
      } catch (error) {
        if (typeof error === 'object' && error !== null) (error as Record<symbol, boolean>)[BEFORE_RESPONSE] = true;
        throw error;
      }
    }
  }
  const agent = { keepAlive: true, maxSockets: options.maxSockets };
  // The SDK's own Node-version notice is about emu's dependency, not the user's function.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new sdk.LambdaClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpointUrl === undefined ? {} : { endpoint: options.endpointUrl }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    maxAttempts: 1,
    cacheMiddleware: true,
    logger: SILENT_LOGGER,
    requestHandler: new MarkingHandler({
      connectionTimeout: 10_000,
      httpAgent: new http.Agent(agent),
      httpsAgent: new https.Agent(agent),
    }),
  });
  trimMiddleware(client);
  return client;
}

/**
 * Work per call that nobody reads: retries are emu's (maxAttempts 1 leaves the SDK's retry
 * middleware drawing a token and stamping an invocation id for one attempt), and the logger
 * middleware filters every input and output for a silent logger. The retry step stays, as a
 * pass-through, because the signing middleware is placed relative to it.
 */
function trimMiddleware(client: LambdaClient): void {
  const stack = client.middlewareStack;
  stack.remove('loggerMiddleware');
  stack.add((next) => next, { step: 'finalizeRequest', name: 'retryMiddleware', tags: ['RETRY'], priority: 'high', override: true });
  // Innermost, after signing: hands the call's signal to the handler with the request it will send.
  stack.add(
    (next) => (args) => {
      const signal = inputSignals.get(args.input as object);
      if (signal !== undefined) requestSignals.set(args.request as object, signal);
      return next(args);
    },
    { step: 'deserialize', name: 'emuAbortSignal', priority: 'low' },
  );
}
