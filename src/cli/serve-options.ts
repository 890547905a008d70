/**
 * `emu serve` arguments → options. The function options are `emu run`'s
 * (FUNCTION_OPTIONS, --template and --parameter-overrides included): for a
 * bare handler they describe it, with a template they override every
 * function's template values.
 */
import type { ParseArgsConfig } from 'node:util';
import { usageError } from '../errors/emu-error.js';
import type { FunctionSetupFlags } from './function-setup.js';
import { FUNCTION_OPTIONS, functionOptionsFrom, functionSetupFrom, parseStrict, parseWholeNumber, templateFlagsFrom, type FunctionFlagOptions } from './run-options.js';
import { defaultTemplateFile } from './template-lookup.js';

export type BareFormat = '1.0' | '2.0';

export interface ServeOptions {
  help: boolean;
  /** The bare-handler form: every request goes to this handler. */
  handler: string | undefined;
  template: string | undefined;
  host: string;
  port: number;
  concurrency: number;
  watch: boolean;
  json: boolean;
  parameterOverrides: string[];
  /** Bare form only: 2.0 (an HTTP API's $default route, the default) or 1.0 (a REST API's ANY /{proxy+}). */
  payloadFormat: BareFormat;
  functionOptions: FunctionFlagOptions;
  /** Env files, layers, role: resolved per function by setUpFunction before the server starts. */
  setup: FunctionSetupFlags;
  /** --jwks-url ISSUER=URL: a JWT issuer's keys, in place of its discovery document. */
  jwksUrls: Record<string, string>;
}

const SERVE_OPTIONS = {
  ...FUNCTION_OPTIONS,
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  concurrency: { type: 'string', short: 'c' },
  watch: { type: 'boolean' },
  json: { type: 'boolean' },
  'payload-format': { type: 'string' },
  'jwks-url': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parseServeOptions(argv: string[]): ServeOptions {
  const { values, positionals: words } = parseStrict(argv, SERVE_OPTIONS);
  const { template: templateFlags, positionals } = templateFlagsFrom(values, words);
  const [handler, extra] = positionals;
  if (extra !== undefined) throw usageError(`unexpected argument '${extra}'`);
  const template = templateFlags.file ?? (handler === undefined ? defaultTemplateFile() : undefined);
  if (values.help !== true && handler !== undefined && values.template !== undefined) throw usageError('give a <handler> or --template, not both');
  if (values.help !== true && handler === undefined && template === undefined) {
    throw usageError('missing <handler> or --template (no template.yaml here), e.g. emu serve index.handler');
  }
  if (template !== undefined) refuseBareOnlyFlags(values);
  const payloadFormat = values['payload-format'] ?? '2.0';
  if (payloadFormat !== '1.0' && payloadFormat !== '2.0') throw usageError(`--payload-format must be 1.0 or 2.0, got '${payloadFormat}'`);
  const concurrency = values.concurrency === undefined ? 1 : parseWholeNumber('--concurrency', values.concurrency);
  if (concurrency < 1) throw usageError('--concurrency must be at least 1');
  // An empty host would make Node listen on every interface: not what anyone typing --host '' meant.
  if (values.host !== undefined && values.host.trim() === '') throw usageError('--host expects an address, e.g. 127.0.0.1');
  const port = values.port === undefined ? 3000 : parseWholeNumber('--port', values.port);
  if (port > 65535) throw usageError(`--port must be 0-65535, got ${port}`);
  return {
    help: values.help === true,
    handler,
    template,
    host: values.host ?? '127.0.0.1',
    port,
    concurrency,
    watch: values.watch === true,
    json: values.json === true,
    parameterOverrides: templateFlags.parameterOverrides,
    payloadFormat,
    functionOptions: functionOptionsFrom(values),
    setup: functionSetupFrom(values),
    jwksUrls: jwksUrlsFrom(values['jwks-url'] ?? []),
  };
}

function jwksUrlsFrom(pairs: string[]): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const url = at < 0 ? '' : pair.slice(at + 1);
    if (at <= 0 || !URL.canParse(url)) throw usageError(`--jwks-url expects ISSUER=URL, e.g. https://issuer.example=http://127.0.0.1:8080/jwks.json; got '${pair}'`);
    urls[pair.slice(0, at)] = url;
  }
  return urls;
}

function refuseBareOnlyFlags(values: Record<string, unknown>): void {
  for (const flag of ['code-dir', 'function-name', 'inspect', 'inspect-brk', 'payload-format']) {
    if (values[flag] !== undefined) throw usageError(`--${flag} applies to the bare-handler form (emu serve <handler>), not to a template`);
  }
}

export const SERVE_USAGE = `Usage: emu serve [--template template.yaml] [options]
       emu serve <handler> [options]        every request goes to this one handler

Serves API Gateway routes (REST: payload 1.0, HTTP API: 2.0) and the Lambda
Invoke API (POST /2015-03-31/functions/{name}/invocations) until Ctrl-C.
Without <handler> or --template, ./template.yaml is used.

Options:
      --template FILE    a SAM template (Api and HttpApi events, FunctionUrlConfig)
      --host HOST        address to listen on (default 127.0.0.1)
  -p, --port PORT        port (default 3000; 0 picks a free one); Function URLs
                         get the ports after it
      --cold | --warm    a fresh sandbox per request, or reuse them (default warm)
  -c, --concurrency N    sandboxes per function (default 1)
      --watch            rebuild a function (TypeScript, esbuild Metadata) and restart its sandboxes when its code changes
      --parameter-overrides K=V ...  template parameter values
      --payload-format 2.0|1.0  bare form: HTTP API $default route (2.0, default)
                         or REST API ANY /{proxy+} (1.0)
      --jwks-url ISSUER=URL  where a JWT or Cognito authorizer finds that issuer's
                         keys (default: the issuer's /.well-known/openid-configuration)
      --json             print {"url", "functionUrls"} as one JSON line on stdout
  -t, --timeout SEC, -m, --memory MB, --env KEY=VALUE, --region REGION, --runtime ID, --node PATH, --python PATH,
      --log-format json|text, --log-level LEVEL, --system-log-level LEVEL
                         as in emu run; with a template they override every function
      --code-dir DIR, --function-name N, --inspect[=PORT], --inspect-brk[=PORT]
                         as in emu run (bare form only)
  -h, --help             this help

Stops on Ctrl-C (SIGINT) or SIGTERM with exit code 0 once every sandbox has ended.
`;
