/**
 * A function's `Events` → the HTTP routes that reach it: `Api` (REST,
 * payload 1.0) and `HttpApi` (payload 2.0 unless PayloadFormatVersion says
 * 1.0). Other event sources are reported, never silently dropped.
 */
import { routeAuth, type ApiAuth } from './api-auth.js';
import type { CorsRule } from './api-cors.js';
import type { TemplateRoute } from './template-function.js';
import { textOf } from './plain-data.js';

/** The stage and binary media types of one API: an explicit AWS::Serverless::(Http)Api or the implicit one. */
export interface ApiSettings {
  stage: string;
  binaryMediaTypes: string[];
  cors?: CorsRule;
  auth?: ApiAuth;
  stageVariables?: Record<string, string>;
}

export interface ApiCatalogue {
  /** Logical id → settings of each explicit API resource. */
  explicit: Record<string, ApiSettings>;
  implicitRest: ApiSettings;
  implicitHttp: ApiSettings;
}

type Properties = Record<string, unknown>;

export function routesFromEvents(events: unknown, apis: ApiCatalogue, warn: (message: string) => void): TemplateRoute[] {
  const routes: TemplateRoute[] = [];
  for (const [name, event] of Object.entries(asMap(events))) {
    const spec = asMap(event);
    const properties = asMap(spec.Properties);
    if (spec.Type === 'Api') routes.push(restRoute(name, properties, apis, warn));
    else if (spec.Type === 'HttpApi') routes.push(httpRoute(name, properties, apis, warn));
    else warn(`event '${name}' (${textOf(spec.Type)}) is not emulated; invoke the function with the Invoke API instead`);
  }
  return routes;
}

function restRoute(name: string, properties: Properties, apis: ApiCatalogue, warn: (message: string) => void): TemplateRoute {
  const api = apiSettings(properties.RestApiId, apis.explicit, apis.implicitRest);
  warnUnsupported(name, properties, ['Path', 'Method', 'RestApiId', 'Auth'], warn);
  const route: TemplateRoute = {
    api: 'rest',
    method: method(properties.Method),
    path: path(properties.Path),
    payloadFormat: '1.0',
    stage: api.stage,
    binaryMediaTypes: api.binaryMediaTypes,
    ...(api.cors === undefined ? {} : { cors: api.cors }),
    ...(api.stageVariables === undefined ? {} : { stageVariables: api.stageVariables }),
  };
  return withAuth(route, properties.Auth, api.auth, warn);
}

function httpRoute(name: string, properties: Properties, apis: ApiCatalogue, warn: (message: string) => void): TemplateRoute {
  const api = apiSettings(properties.ApiId, apis.explicit, apis.implicitHttp);
  warnUnsupported(name, properties, ['Path', 'Method', 'ApiId', 'PayloadFormatVersion', 'TimeoutInMillis', 'Auth'], warn);
  // An HttpApi event without Path and Method is the API's $default route, which catches everything.
  const isDefault = properties.Path === undefined && properties.Method === undefined;
  const route: TemplateRoute = {
    api: 'http',
    method: isDefault ? 'ANY' : method(properties.Method),
    path: isDefault ? '$default' : path(properties.Path),
    payloadFormat: textOf(properties.PayloadFormatVersion ?? '2.0') === '1.0' ? '1.0' : '2.0',
    stage: api.stage,
    binaryMediaTypes: [],
    ...(api.cors === undefined ? {} : { cors: api.cors }),
    ...(api.stageVariables === undefined ? {} : { stageVariables: api.stageVariables }),
  };
  return withAuth(route, properties.Auth, api.auth, warn);
}

function withAuth(route: TemplateRoute, eventAuth: unknown, apiAuth: ApiAuth | undefined, warn: (message: string) => void): TemplateRoute {
  const auth = routeAuth(eventAuth, apiAuth, `${route.method} ${route.path}`, warn);
  return auth === undefined ? route : { ...route, auth };
}

function apiSettings(id: unknown, explicit: Record<string, ApiSettings>, implicit: ApiSettings): ApiSettings {
  return (typeof id === 'string' ? explicit[id] : undefined) ?? implicit;
}

function warnUnsupported(name: string, properties: Properties, supported: string[], warn: (message: string) => void): void {
  const ignored = Object.keys(properties).filter((key) => !supported.includes(key));
  if (ignored.length > 0) warn(`event '${name}': not enforced locally: ${ignored.join(', ')}`);
}

function method(value: unknown): string {
  const text = textOf(value ?? 'ANY').toUpperCase();
  return text === 'X-AMAZON-APIGATEWAY-ANY-METHOD' ? 'ANY' : text;
}

function path(value: unknown): string {
  const text = textOf(value ?? '/');
  return text.startsWith('/') ? text : `/${text}`;
}

export function asMap(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
