/**
 * `emu serve`: a long-running local API Gateway and Lambda Invoke API.
 * Start-up report (URLs, routes, warnings, skipped functions) and request
 * lines on stderr; stdout stays empty unless --json asks for the address.
 * Ctrl-C or SIGTERM is the normal way to stop a server, so it exits 0.
 */
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import type { CodeSource } from '../build/index.js';
import type { ServedFunction, ServeServer } from '../http/index.js';
import { ExitCode } from './exit-codes.js';
import { buildCacheOption, buildRequestOf } from './function-build.js';
import { functionPlacement, resolveFunctionOptions, type ResolvedFunction } from './function-options.js';
import type { SetupReporter } from './function-setup.js';
import type { CliIo } from './io.js';
import { onInterrupt } from './signals.js';
import { parseServeOptions, SERVE_USAGE, type ServeOptions } from './serve-options.js';

export async function runServeCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseServeOptions(argv);
  if (options.help) {
    io.stdout.write(SERVE_USAGE);
    return ExitCode.success;
  }
  const writeLog = (text: string): void => void io.stderr.write(text);
  const reporter: SetupReporter = {
    notice: (message) => writeLog(`emu: ${message}\n`),
    warning: (message) => writeLog(`emu: warning: ${message}\n`),
    verbose: false,
  };
  const resolved = options.template === undefined ? [await bareFunction(options, reporter)] : await templateFunctions(options, reporter, writeLog);
  const { startServeServer } = await import('../http/index.js');
  const { backPressure } = await import('../emulator.js');
  // One region and account for the whole server: every function's, as the resolver settled them.
  const { region, accountId } = (resolved[0] as ResolvedServed).fn;
  const codes = await openCodeSources(resolved.map((served) => served.fn), options.watch, writeLog);
  const server = await listening(options, startServeServer({
    host: options.host,
    port: options.port,
    functions: resolved.map(({ fn, ...served }, i) => ({ ...served, code: codes[i] as CodeSource, emulator: { ...fn, concurrency: options.concurrency } })),
    region,
    accountId,
    writeLog,
    logBackPressure: () => backPressure(io.stderr),
    jwksUrls: options.jwksUrls,
  }));
  printBanner(server, options, io);
  await new Promise<void>((resolve) => {
    const stop = onInterrupt(() => {
      stop();
      resolve();
    });
  });
  writeLog('emu serve: stopping\n');
  await server.close();
  return ExitCode.success;
}

/** Why the system refuses an address the user chose: their mistake (exit 2), not emu failing (exit 3). */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  EACCES: 'permission denied',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name cannot be resolved',
};

async function listening(options: ServeOptions, started: Promise<ServeServer>): Promise<ServeServer> {
  try {
    return await started;
  } catch (error) {
    const reason = LISTEN_ERRORS[(error as NodeJS.ErrnoException).code ?? ''];
    if (reason === undefined) throw error;
    throw usageError(`cannot listen on ${options.host} port ${options.port}: ${reason} (${(error as Error).message})`);
  }
}

/** A function to serve, its emulator options settled (concurrency is the server's, added last) and its code not yet opened. */
type ResolvedServed = Omit<ServedFunction, 'emulator' | 'code'> & { fn: ResolvedFunction };

/**
 * Each function's code, built where it needs a build (all at once). A function whose build fails is
 * still served: with a 502 until it builds (with --watch, at the next save), the reason here on stderr.
 */
async function openCodeSources(functions: ResolvedFunction[], watch: boolean, writeLog: (text: string) => void): Promise<CodeSource[]> {
  const { openCodeSource } = await import('../build/index.js');
  const opened = await Promise.allSettled(
    functions.map((fn) => {
      const request = buildRequestOf(fn);
      return openCodeSource(request, {
        watch,
        ...buildCacheOption(),
        onBuildError: (error) => writeLog(`emu: ${error instanceof Error ? error.message : String(error)}\n${watch ? '' : `emu: ${request.functionName} answers 502 until it builds (restart emu serve, or use --watch)\n`}`),
        onWarning: (message) => writeLog(`emu: warning: ${message}\n`),
      });
    }),
  );
  const failed = opened.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed === undefined) return opened.map((outcome) => (outcome as PromiseFulfilledResult<CodeSource>).value);
  // A plan refused (an EntryPoint that does not exist, an unknown BuildMethod) is the user's to fix before serving.
  await Promise.all(opened.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.close() : undefined)));
  throw failed.reason;
}

async function bareFunction(options: ServeOptions, reporter: SetupReporter): Promise<ResolvedServed> {
  const fn = await resolveFunctionOptions({ handler: options.handler as string, flags: options.functionOptions, setup: options.setup }, reporter);
  const routes =
    options.payloadFormat === '2.0'
      ? [{ api: 'http' as const, method: 'ANY', path: '$default', payloadFormat: '2.0' as const, stage: '$default', binaryMediaTypes: [] }]
      : ['/', '/{proxy+}'].map((p) => ({ api: 'rest' as const, method: 'ANY', path: p, payloadFormat: '1.0' as const, stage: 'Prod', binaryMediaTypes: [] }));
  return { fn, routes, functionUrl: false };
}

async function templateFunctions(options: ServeOptions, reporter: SetupReporter, writeLog: (text: string) => void): Promise<ResolvedServed[]> {
  const { readSamTemplate, parseParameterOverrides } = await import('../template/index.js');
  const flags = options.functionOptions;
  // The pseudo-parameters AWS::Region and AWS::AccountId are the functions' own region and account.
  const template = readSamTemplate(options.template as string, { parameterOverrides: parseParameterOverrides(options.parameterOverrides), ...(await functionPlacement(flags)) });
  for (const warning of template.warnings) writeLog(`emu: warning: ${warning}\n`);
  for (const skipped of template.skipped) writeLog(`emu: skipped ${skipped}\n`);
  if (template.functions.length === 0) throw usageError(`${options.template}: no function emu runs to serve (Node.js, Python 3, provided.al2023, provided.al2)`);
  const served: ResolvedServed[] = [];
  for (const fn of template.functions) {
    const resolved = await resolveFunctionOptions({ handler: fn.handler, flags, setup: options.setup, template: fn }, reporter);
    served.push({ fn: resolved, alias: fn.logicalId, routes: fn.routes, functionUrl: fn.functionUrl, ...(fn.functionUrlCors === undefined ? {} : { functionUrlCors: fn.functionUrlCors }), ...(fn.functionUrlStreaming === true ? { functionUrlStreaming: true } : {}) });
  }
  return served;
}

function printBanner(server: ServeServer, options: ServeOptions, io: CliIo): void {
  const lines = [`emu serve: listening on ${server.url} (${options.functionOptions.mode ?? 'warm'}, ${options.concurrency} sandbox(es) per function${options.watch ? ', watching code' : ''})`];
  for (const route of server.routes) {
    const api = route.api === 'rest' ? 'REST API' : 'HTTP API';
    const where = route.path === '$default' ? `${server.url}/* ($default)` : `${route.method.padEnd(7)} ${server.url}${route.path}`;
    lines.push(`  ${where} → ${route.functionName} (${api}, payload ${route.payloadFormat}${route.auth === undefined ? '' : `, authorizer ${route.auth.name}`})`);
  }
  for (const { functionName, url } of server.functionUrls) lines.push(`  Function URL ${url}/ → ${functionName}`);
  lines.push(`  Invoke API: POST ${server.url}/2015-03-31/functions/{name}/invocations (aws --endpoint-url ${server.url})`);
  if (options.template !== undefined) lines.push(`  template: ${path.resolve(options.template)}`);
  io.stderr.write(`${lines.join('\n')}\nPress Ctrl-C to stop.\n`);
  if (options.json) io.stdout.write(`${JSON.stringify({ url: server.url, functionUrls: server.functionUrls })}\n`);
}
