/**
 * The APIs a template defines outside its functions' Events, attached to the
 * functions they reach: AWS::Serverless::Api / HttpApi definitions (OpenAPI),
 * AWS::ApiGatewayV2 resources and AWS::Lambda::Url. A function's own Events on
 * an API win over the definition's operation on the same method and path, as
 * SAM merges them. Returns the resources it read, so that only the others are
 * reported as not emulated.
 */
import { listCors } from './api-cors.js';
import { apiGatewayV2Routes, V2_HANDLED } from './api-gateway-v2.js';
import { functionTarget } from './function-target.js';
import { mergeGlobals } from './globals.js';
import type { IntrinsicResolver } from './intrinsics.js';
import { openApiRoutes, readDefinition, type DefinedRoute } from './openapi-routes.js';
import { textOf } from './plain-data.js';
import { asMap, type ApiCatalogue } from './sam-events.js';
import type { TemplateFunction, TemplateRoute } from './template-function.js';

export interface TemplateApisContext {
  resources: Record<string, unknown>;
  resourceTypes: Record<string, string>;
  resolver: IntrinsicResolver;
  globals: Record<string, unknown>;
  apis: ApiCatalogue;
  templateDir: string;
  functions: TemplateFunction[];
  warn(message: string): void;
}

export function addTemplateApis(context: TemplateApisContext): Set<string> {
  const v2 = apiGatewayV2Routes(context);
  const handled = new Set(v2.handled);
  const routes = [...serverlessDefinitions(context), ...v2.routes];
  const taken = new Set(context.functions.flatMap((fn) => fn.routes.map(routeId)));
  for (const { fn, route } of routes) {
    if (taken.has(routeId(route))) continue;
    taken.add(routeId(route));
    fn.routes.push(route);
  }
  for (const id of lambdaUrls(context)) handled.add(id);
  // A type read here whose resource was not (a route to another API) has had its warning already.
  for (const [id, type] of Object.entries(context.resourceTypes)) if (V2_HANDLED.has(type) && !handled.has(id) && type !== 'AWS::ApiGatewayV2::Api') handled.add(id);
  return handled;
}

function routeId(route: TemplateRoute): string {
  return `${route.api} ${route.stage} ${route.method} ${route.path}`;
}

/** DefinitionBody / DefinitionUri of each AWS::Serverless::Api and HttpApi. */
function serverlessDefinitions(context: TemplateApisContext): DefinedRoute[] {
  const routes: DefinedRoute[] = [];
  for (const [id, type] of Object.entries(context.resourceTypes)) {
    if (type !== 'AWS::Serverless::Api' && type !== 'AWS::Serverless::HttpApi') continue;
    const rest = type === 'AWS::Serverless::Api';
    const global = asMap(rest ? context.globals.Api : context.globals.HttpApi);
    const properties = asMap(mergeGlobals(global, asMap(context.resolver.resolve(asMap(context.resources[id]).Properties))));
    const definition = readDefinition(properties, context.templateDir, context.resolver);
    const settings = context.apis.explicit[id];
    const notServed = (message: string): void => context.warn(`${id}: not served: ${message}`);
    if (definition === undefined || settings === undefined) continue;
    if (!definition.ok) notServed(definition.reason);
    else routes.push(...openApiRoutes(definition.definition, rest ? 'rest' : 'http', settings, { functions: context.functions, notServed, warn: (message) => context.warn(`${id}: ${message}`) }));
  }
  return routes;
}

/** Each AWS::Lambda::Url gives its function a URL, as FunctionUrlConfig does. */
function lambdaUrls(context: TemplateApisContext): string[] {
  const handled: string[] = [];
  for (const [id, type] of Object.entries(context.resourceTypes)) {
    if (type !== 'AWS::Lambda::Url') continue;
    const properties = asMap(context.resolver.resolve(asMap(context.resources[id]).Properties));
    const target = functionTarget(properties.TargetFunctionArn, context.functions);
    handled.push(id);
    if (!target.ok) {
      context.warn(`${id}: Function URL not served: ${target.reason}`);
      continue;
    }
    const { fn } = target;
    if (fn.functionUrl) {
      context.warn(`${id}: ${fn.logicalId} already has a Function URL; emu serves one per function`);
      continue;
    }
    fn.functionUrl = true;
    const cors = listCors('function-url', properties.Cors);
    if (cors !== undefined) fn.functionUrlCors = cors;
    if (properties.AuthType === 'AWS_IAM') context.warn(`${id}: AuthType AWS_IAM is not enforced locally`);
    if (properties.InvokeMode === 'RESPONSE_STREAM') fn.functionUrlStreaming = true;
    const qualifier = properties.Qualifier ?? target.qualifier;
    if (qualifier !== undefined && qualifier !== '$LATEST') context.warn(`${id}: Qualifier ${textOf(qualifier)}: emu has one version of ${fn.logicalId} and serves it`);
  }
  return handled;
}
