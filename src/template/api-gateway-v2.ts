/**
 * AWS::ApiGatewayV2 resources → HTTP API routes: an Api's quick create
 * (`Target`: a `$default` route, payload 2.0, stage `$default`), its `Body`
 * (OpenAPI), and the long form of Route + Integration (+ Stage). WebSocket
 * APIs and everything else are reported, never dropped.
 */
import { listCors } from './api-cors.js';
import { functionTarget } from './function-target.js';
import { openApiRoutes, readDefinition, type DefinedRoute } from './openapi-routes.js';
import type { IntrinsicResolver } from './intrinsics.js';
import { textOf } from './plain-data.js';
import { asMap, type ApiSettings } from './sam-events.js';
import type { TemplateFunction, TemplateRoute } from './template-function.js';

export interface V2Context {
  resources: Record<string, unknown>;
  resourceTypes: Record<string, string>;
  resolver: IntrinsicResolver;
  templateDir: string;
  functions: readonly TemplateFunction[];
  warn(message: string): void;
}

const API = 'AWS::ApiGatewayV2::Api';
/** Resources read here, or with nothing to do on one machine (a Deployment only snapshots routes AWS serves anyway). */
export const V2_HANDLED = new Set([API, 'AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Deployment']);

/** Every route the template's ApiGatewayV2 resources define; the ids of the resources it read. */
export function apiGatewayV2Routes(context: V2Context): { routes: DefinedRoute[]; handled: string[] } {
  const ofType = (type: string): Array<[string, Record<string, unknown>]> =>
    Object.keys(context.resourceTypes)
      .filter((id) => context.resourceTypes[id] === type)
      .map((id) => [id, asMap(context.resolver.resolve(asMap(context.resources[id]).Properties))]);
  const stages = ofType('AWS::ApiGatewayV2::Stage');
  const integrations = new Map(ofType('AWS::ApiGatewayV2::Integration'));
  const routes: DefinedRoute[] = [];
  const handled: string[] = [];
  for (const [id, properties] of ofType(API)) {
    if (textOf(properties.ProtocolType) !== 'HTTP') {
      context.warn(`${id}: ProtocolType ${textOf(properties.ProtocolType)} is not emulated (only HTTP APIs; WebSocket APIs are not)`);
      handled.push(id);
      continue;
    }
    handled.push(id, ...stages.filter(([, stage]) => stage.ApiId === id).map(([stageId]) => stageId));
    const settings = stageSettings(id, properties, stages, context.warn);
    routes.push(...apiRoutes(id, properties, settings, context));
  }
  for (const [id, properties] of ofType('AWS::ApiGatewayV2::Route')) {
    const api = typeof properties.ApiId === 'string' ? ofType(API).find(([apiId]) => apiId === properties.ApiId) : undefined;
    if (api === undefined || textOf(api[1].ProtocolType) !== 'HTTP') {
      context.warn(`${id}: its ApiId ${textOf(properties.ApiId)} is not an HTTP AWS::ApiGatewayV2::Api of this template; route not served`);
      continue;
    }
    handled.push(id);
    const route = longFormRoute(id, properties, integrations, stageSettings(api[0], api[1], stages, () => {}), context);
    if (route !== undefined) routes.push(route);
  }
  for (const id of integrations.keys()) handled.push(id);
  for (const id of Object.keys(context.resourceTypes)) if (context.resourceTypes[id] === 'AWS::ApiGatewayV2::Deployment') handled.push(id);
  return { routes, handled };
}

/** Its Stage resource (StageName, StageVariables); quick create and an API without one deploy to `$default`. */
function stageSettings(apiId: string, properties: Record<string, unknown>, stages: Array<[string, Record<string, unknown>]>, warn: (message: string) => void): ApiSettings {
  const own = stages.filter(([, stage]) => stage.ApiId === apiId);
  // emu serves one stage per API on its one port: $default if there is one, else the first.
  const chosen = own.find(([, stage]) => stage.StageName === '$default') ?? own[0];
  for (const [stageId, stage] of own) if (stage !== chosen?.[1]) warn(`${stageId}: stage ${textOf(stage.StageName)} of ${apiId} is not served (emu serves one stage per API: ${textOf(chosen?.[1].StageName)})`);
  const stage = chosen?.[1];
  const cors = listCors('http', properties.CorsConfiguration);
  const variables = stageVariables(stage?.StageVariables);
  return {
    stage: typeof stage?.StageName === 'string' ? stage.StageName : '$default',
    binaryMediaTypes: [],
    ...(cors === undefined ? {} : { cors }),
    ...(variables === undefined ? {} : { stageVariables: variables }),
  };
}

function apiRoutes(id: string, properties: Record<string, unknown>, settings: ApiSettings, context: V2Context): DefinedRoute[] {
  const notServed = (message: string): void => context.warn(`${id}: not served: ${message}`);
  const definition = readDefinition(properties, context.templateDir, context.resolver);
  if (definition !== undefined && !definition.ok) notServed(definition.reason);
  const warn = (message: string): void => context.warn(`${id}: ${message}`);
  const routes = definition?.ok === true ? openApiRoutes(definition.definition, 'http', settings, { functions: context.functions, notServed, warn }) : [];
  if (properties.Target === undefined) return routes;
  const target = functionTarget(properties.Target, context.functions);
  if (!target.ok) {
    notServed(`Target: ${target.reason}`);
    return routes;
  }
  const key = routeKey(properties.RouteKey ?? '$default');
  if (key === undefined) notServed(`RouteKey ${textOf(properties.RouteKey)} is not "METHOD /path" or $default`);
  else routes.push({ fn: target.fn, route: httpRoute(key, '2.0', settings) });
  return routes;
}

function longFormRoute(id: string, properties: Record<string, unknown>, integrations: Map<string, Record<string, unknown>>, settings: ApiSettings, context: V2Context): DefinedRoute | undefined {
  const notServed = (message: string): undefined => void context.warn(`${id}: route ${textOf(properties.RouteKey)} not served: ${message}`);
  const key = routeKey(properties.RouteKey);
  if (key === undefined) return notServed('its RouteKey is not "METHOD /path" or $default');
  const integrationId = /^integrations\/(.+)$/.exec(textOf(properties.Target))?.[1];
  const integration = integrationId === undefined ? undefined : integrations.get(integrationId);
  if (integration === undefined) return notServed(`its Target ${textOf(properties.Target)} is not integrations/<an AWS::ApiGatewayV2::Integration of this template>`);
  if (textOf(integration.IntegrationType) !== 'AWS_PROXY') return notServed(`integration type ${textOf(integration.IntegrationType)} is not emulated (only AWS_PROXY to a function)`);
  const payload = textOf(integration.PayloadFormatVersion);
  if (payload !== '1.0' && payload !== '2.0') return notServed(`its integration's PayloadFormatVersion must be 1.0 or 2.0 (CloudFormation requires it for HTTP APIs), got ${textOf(integration.PayloadFormatVersion)}`);
  const target = functionTarget(integration.IntegrationUri, context.functions);
  if (!target.ok) return notServed(target.reason);
  if (properties.AuthorizationType !== undefined && properties.AuthorizationType !== 'NONE') context.warn(`${id}: AuthorizationType ${textOf(properties.AuthorizationType)} is not enforced locally`);
  return { fn: target.fn, route: httpRoute(key, payload, settings) };
}

function routeKey(value: unknown): { method: string; path: string } | undefined {
  const text = textOf(value).trim();
  if (text === '$default') return { method: 'ANY', path: '$default' };
  const match = /^([A-Za-z]+) (\/\S*)$/.exec(text);
  return match === null ? undefined : { method: (match[1] as string).toUpperCase(), path: match[2] as string };
}

function httpRoute(key: { method: string; path: string }, payloadFormat: '1.0' | '2.0', settings: ApiSettings): TemplateRoute {
  const route: TemplateRoute = { api: 'http', method: key.method, path: key.path, payloadFormat, stage: settings.stage, binaryMediaTypes: [] };
  if (settings.cors !== undefined) route.cors = settings.cors;
  if (settings.stageVariables !== undefined) route.stageVariables = settings.stageVariables;
  return route;
}

/** Stage variables are strings; a map of anything else is not one. */
export function stageVariables(value: unknown): Record<string, string> | undefined {
  const entries = Object.entries(asMap(value));
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([name, item]) => [name, textOf(item)]));
}
