/**
 * `template.yaml` → the Node.js functions emu runs, with their routes, plus
 * what was skipped and why. Follows sam local's reading: Globals merged
 * first, then intrinsics resolved against parameters and pseudo-parameters.
 * Functions are known by logical id; two that would answer to the same name
 * are refused, since a name could then reach either.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmuError, usageError } from '../errors/emu-error.js';
import { readApiAuth } from './api-auth.js';
import { listCors, restCors } from './api-cors.js';
import { stageVariables } from './api-gateway-v2.js';
import { parseCfnYaml } from './cfn-yaml.js';
import { mergeGlobals } from './globals.js';
import { IntrinsicResolver, type IntrinsicContext } from './intrinsics.js';
import { asMap, type ApiCatalogue, type ApiSettings } from './sam-events.js';
import { setOwn, textOf } from './plain-data.js';
import { readSamFunction } from './sam-function.js';
import { addTemplateApis } from './template-apis.js';
import type { TemplateFunction } from './template-function.js';
import { templateParameters } from './template-parameters.js';

export interface SamTemplateOptions {
  parameterOverrides?: Record<string, string>;
  region?: string;
  accountId?: string;
}

export interface SamTemplate {
  functions: TemplateFunction[];
  /** `LogicalId: reason` for each function emu will not run. */
  skipped: string[];
  /** Everything a server's start-up report lists. */
  warnings: string[];
  /** By logical id: the warnings that concern running that one function (its own and the parameters'; not its events, nor other resources). */
  functionWarnings: Record<string, string[]>;
}

const SERVERLESS_FUNCTION = 'AWS::Serverless::Function';
const LAYER_VERSION = 'AWS::Serverless::LayerVersion';

/** Each LayerVersion whose ContentUri is a local folder, used in place as AWS mounts it at /opt. */
function localLayerFolders(resources: Record<string, unknown>, resourceTypes: Record<string, string>, templateDir: string): Record<string, string> {
  const folders: Record<string, string> = {};
  for (const [id, type] of Object.entries(resourceTypes)) {
    const contentUri = asMap(asMap(resources[id]).Properties).ContentUri;
    if (type === LAYER_VERSION && typeof contentUri === 'string' && !contentUri.startsWith('s3://')) folders[id] = path.resolve(templateDir, contentUri);
  }
  return folders;
}

export function readSamTemplate(file: string, options: SamTemplateOptions = {}): SamTemplate {
  const template = asMap(parseCfnYaml(readText(file), file));
  try {
    return readTemplate(template, file, options);
  } catch (error) {
    // Parameters and intrinsics know nothing of files; the user needs to know which template is wrong.
    if (error instanceof EmuError && error.kind === 'usage') throw usageError(`${file}: ${error.message}`);
    throw error;
  }
}

function readTemplate(template: Record<string, unknown>, file: string, options: SamTemplateOptions): SamTemplate {
  const resources = asMap(template.Resources);
  const warnings: string[] = [];
  const warn = (message: string): void => void warnings.push(message);
  const parameterWarnings: string[] = [];
  if (!String(JSON.stringify(template.Transform ?? '')).includes('AWS::Serverless-2016-10-31')) {
    warn('the template has no Transform: AWS::Serverless-2016-10-31; reading it as SAM anyway');
  }
  const resourceTypes = Object.fromEntries(Object.entries(resources).map(([id, resource]) => [id, textOf(asMap(resource).Type)]));
  const context: IntrinsicContext = {
    parameters: templateParameters(asMap(template.Parameters), options.parameterOverrides ?? {}, (message) => {
      warn(message);
      parameterWarnings.push(message);
    }),
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    stackName: 'local',
    conditions: asMap(template.Conditions),
    mappings: asMap(template.Mappings),
    refs: {},
    resourceTypes,
  };
  // Function names first (a FunctionName may use parameters), so that a Ref
  // or GetAtt to a function resolves to its name everywhere else.
  const naming = new IntrinsicResolver(context);
  for (const [id, type] of Object.entries(resourceTypes)) {
    if (type !== SERVERLESS_FUNCTION) continue;
    const name = naming.resolve(asMap(asMap(resources[id]).Properties).FunctionName);
    setOwn(context.refs, id, typeof name === 'string' ? name : id);
  }
  const resolver = new IntrinsicResolver(context);
  const globals = asMap(resolver.resolve(template.Globals));
  const apis = apiCatalogue(resources, globals, resolver, warn);
  const localLayers = localLayerFolders(resources, resourceTypes, path.dirname(path.resolve(file)));
  const result: SamTemplate = { functions: [], skipped: [], warnings, functionWarnings: {} };
  const others: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resourceTypes[id] !== SERVERLESS_FUNCTION) {
      if (!['AWS::Serverless::Api', 'AWS::Serverless::HttpApi', LAYER_VERSION].includes(resourceTypes[id] ?? '')) others.push(id);
      continue;
    }
    setOwn(result.functionWarnings, id, [...parameterWarnings]);
    readFunction(id, asMap(resource), { globals, apis, localLayers, resolver, file, result });
  }
  const templateDir = path.dirname(path.resolve(file));
  const read = addTemplateApis({ resources, resourceTypes, resolver, globals, apis, templateDir, functions: result.functions, warn });
  const unread = others.filter((id) => !read.has(id)).map((id) => `${id} (${resourceTypes[id]})`);
  if (unread.length > 0) warn(`resources not emulated: ${unread.join(', ')}`);
  refuseSharedNames(result.functions);
  return result;
}

/**
 * Two functions answering to one name (the same FunctionName, or a name that is
 * another function's logical id): a route or an Invoke by that name could run
 * either one's code. CloudFormation refuses the first on deploy.
 */
function refuseSharedNames(functions: readonly TemplateFunction[]): void {
  const byName = new Map<string, TemplateFunction>();
  for (const fn of functions) {
    const other = byName.get(fn.functionName);
    if (other !== undefined) throw usageError(`functions ${other.logicalId} and ${fn.logicalId} have the same FunctionName '${fn.functionName}'; give each its own`);
    byName.set(fn.functionName, fn);
  }
  for (const fn of functions) {
    const named = byName.get(fn.logicalId);
    if (named !== undefined && named !== fn) {
      throw usageError(`function ${named.logicalId} has FunctionName '${fn.logicalId}', the logical id of function ${fn.logicalId}; a name must reach one function`);
    }
  }
}

interface ReadContext {
  globals: Record<string, unknown>;
  apis: ApiCatalogue;
  localLayers: Record<string, string>;
  resolver: IntrinsicResolver;
  file: string;
  result: SamTemplate;
}

function readFunction(id: string, resource: Record<string, unknown>, { globals, apis, localLayers, resolver, file, result }: ReadContext): void {
  if (typeof resource.Condition === 'string' && !resolver.condition(resource.Condition)) {
    result.skipped.push(`${id}: its Condition ${resource.Condition} is false`);
    return;
  }
  const { Events: _globalEvents, ...globalFunction } = asMap(globals.Function);
  const merged = asMap(mergeGlobals(globalFunction, asMap(resource.Properties)));
  const properties = asMap(resolver.resolve(merged));
  const reading = readSamFunction(id, properties, resolver.context.refs[id] ?? id, {
    templateDir: path.dirname(path.resolve(file)),
    localLayers,
    apis,
    warn: (message) => {
      result.warnings.push(message);
      result.functionWarnings[id]?.push(message);
    },
    warnServe: (message) => void result.warnings.push(message),
  });
  if (!reading.ok) {
    result.skipped.push(`${id}: ${reading.reason}`);
    return;
  }
  // Metadata is the resource's, beside Properties: Globals never reach it, and sam build reads it as written.
  const metadata = resource.Metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) reading.fn.metadata = metadata as Record<string, unknown>;
  const method = reading.fn.metadata?.BuildMethod;
  if (reading.fn.runtime.startsWith('provided') && method !== undefined && method !== 'esbuild') {
    // sam build runs a makefile or cargo-lambda for these; emu runs what CodeUri already holds.
    const message = `${id}: Metadata.BuildMethod ${JSON.stringify(method)} is not run by emu: the bootstrap it builds must already be in CodeUri`;
    result.warnings.push(message);
    result.functionWarnings[id]?.push(message);
    delete reading.fn.metadata;
  }
  result.functions.push(reading.fn);
}

function apiCatalogue(resources: Record<string, unknown>, globals: Record<string, unknown>, resolver: IntrinsicResolver, warn: (message: string) => void): ApiCatalogue {
  const functionNames = new Set(Object.keys(resources).filter((id) => resolver.context.resourceTypes[id] === SERVERLESS_FUNCTION).map((id) => resolver.context.refs[id] ?? id));
  // SAM's implicit REST API and an explicit one without StageName deploy to a stage named Prod; HTTP APIs to $default.
  const settings = (properties: Record<string, unknown>, rest: boolean): ApiSettings => {
    const defaultStage = rest ? 'Prod' : '$default';
    const cors = rest ? restCors(properties.Cors, warn) : listCors('http', properties.CorsConfiguration);
    const auth = readApiAuth(properties.Auth, rest, { functionNames, region: resolver.context.region, warn });
    return {
      stage: typeof properties.StageName === 'string' ? properties.StageName : defaultStage,
      // Templates escape the slash of a media type as ~1 (it is a JSON pointer in the OpenAPI extension).
      binaryMediaTypes: (Array.isArray(properties.BinaryMediaTypes) ? properties.BinaryMediaTypes : []).map((type) => textOf(type).replaceAll('~1', '/')),
      ...(cors === undefined ? {} : { cors }),
      ...(auth === undefined ? {} : { auth }),
      ...stageVariablesOf(rest ? properties.Variables : properties.StageVariables),
    };
  };
  const globalRest = asMap(globals.Api);
  const globalHttp = asMap(globals.HttpApi);
  const explicit: Record<string, ApiSettings> = {};
  for (const [id, resource] of Object.entries(resources)) {
    const type = asMap(resource).Type;
    if (type !== 'AWS::Serverless::Api' && type !== 'AWS::Serverless::HttpApi') continue;
    const rest = type === 'AWS::Serverless::Api';
    const properties = asMap(mergeGlobals(rest ? globalRest : globalHttp, asMap(resolver.resolve(asMap(resource).Properties))));
    explicit[id] = settings(properties, rest);
  }
  return { explicit, implicitRest: settings(globalRest, true), implicitHttp: settings(globalHttp, false) };
}

function stageVariablesOf(value: unknown): { stageVariables?: Record<string, string> } {
  const variables = stageVariables(value);
  return variables === undefined ? {} : { stageVariables: variables };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read the template ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
