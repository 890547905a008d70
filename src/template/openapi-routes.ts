/**
 * An OpenAPI definition (an AWS::Serverless::Api or HttpApi's DefinitionBody
 * or DefinitionUri, an AWS::ApiGatewayV2::Api's Body) → the routes to the
 * template's functions, as API Gateway imports it: each operation of each
 * path whose `x-amazon-apigateway-integration` is an `aws_proxy` integration
 * to a Lambda function. Every operation emu cannot serve is reported with why.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { routeAuth } from './api-auth.js';
import { listCors } from './api-cors.js';
import { parseCfnYaml } from './cfn-yaml.js';
import { functionTarget } from './function-target.js';
import type { IntrinsicResolver } from './intrinsics.js';
import { textOf } from './plain-data.js';
import { asMap, type ApiSettings } from './sam-events.js';
import type { ApiKind, TemplateFunction, TemplateRoute } from './template-function.js';

export interface DefinedRoute {
  fn: TemplateFunction;
  route: TemplateRoute;
}

export interface DefinitionContext {
  functions: readonly TemplateFunction[];
  /** `METHOD /path: why` for each operation left out. */
  notServed(message: string): void;
  warn(message: string): void;
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'x-amazon-apigateway-any-method'];

export type DefinitionReading = { ok: true; definition: Record<string, unknown> } | { ok: false; reason: string };

/**
 * DefinitionBody (or an ApiGatewayV2 Body) as written, intrinsics resolved; an
 * `Fn::Transform: AWS::Include` of a local file; DefinitionUri naming a local
 * file. An S3 location cannot be read.
 */
export function readDefinition(properties: Record<string, unknown>, templateDir: string, resolver: IntrinsicResolver): DefinitionReading | undefined {
  const body = properties.DefinitionBody ?? properties.Body;
  const include = asMap(asMap(body)['Fn::Transform']);
  if (body !== undefined && include.Name === undefined) return isMap(body) ? { ok: true, definition: body } : { ok: false, reason: `its definition is not an OpenAPI document (a map): ${textOf(body)}` };
  const location = include.Name !== undefined ? asMap(include.Parameters).Location : (properties.DefinitionUri ?? properties.BodyS3Location);
  if (location === undefined) return undefined;
  if (include.Name !== undefined && include.Name !== 'AWS::Include') return { ok: false, reason: `its definition's Fn::Transform ${textOf(include.Name)} is not one emu runs` };
  if (typeof location !== 'string' || location.startsWith('s3://')) return { ok: false, reason: `its definition is in S3 (${textOf(location)}); emu reads only a local file` };
  const file = path.resolve(templateDir, location);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, reason: `cannot read its definition ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    // YAML is a superset of JSON: one parser reads either. AWS::Include resolves the file's intrinsics; a DefinitionUri file is uploaded as it is.
    const parsed = include.Name !== undefined ? resolver.resolve(parseCfnYaml(text, file)) : parseCfnYaml(text, file);
    return isMap(parsed) ? { ok: true, definition: parsed } : { ok: false, reason: `its definition ${file} is not an OpenAPI document (a map)` };
  } catch (error) {
    return { ok: false, reason: `its definition ${file} is not valid YAML or JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The routes of one definition, on the API's stage, with its CORS and its DefaultAuthorizer (SAM sets that on every operation of the definition without its own security). */
export function openApiRoutes(definition: Record<string, unknown>, api: ApiKind, settings: ApiSettings, { functions, notServed, warn }: DefinitionContext): DefinedRoute[] {
  const routes: DefinedRoute[] = [];
  const cors = settings.cors ?? (api === 'http' ? definitionCors(definition['x-amazon-apigateway-cors']) : undefined);
  const binary = api === 'rest' ? [...settings.binaryMediaTypes, ...mediaTypes(definition['x-amazon-apigateway-binary-media-types'])] : [];
  for (const [routePath, item] of Object.entries(asMap(definition.paths))) {
    for (const [operation, spec] of Object.entries(asMap(item))) {
      if (!OPERATIONS.includes(operation.toLowerCase())) continue;
      const method = operation.toLowerCase() === 'x-amazon-apigateway-any-method' ? 'ANY' : operation.toUpperCase();
      const key = `${method} ${routePath}`;
      const integration = asMap(asMap(spec)['x-amazon-apigateway-integration']);
      const type = textOf(integration.type ?? '').toLowerCase();
      if (type !== 'aws_proxy') {
        notServed(`${key}: ${integration.type === undefined ? 'no x-amazon-apigateway-integration' : `integration type ${textOf(integration.type)} is not emulated (only aws_proxy to a function)`}`);
        continue;
      }
      const target = functionTarget(integration.uri, functions);
      if (!target.ok) {
        notServed(`${key}: ${target.reason}`);
        continue;
      }
      const payload = api === 'rest' ? '1.0' : textOf(integration.payloadFormatVersion ?? '');
      if (payload !== '1.0' && payload !== '2.0') {
        notServed(`${key}: payloadFormatVersion must be 1.0 or 2.0 for an HTTP API's Lambda integration, got ${textOf(integration.payloadFormatVersion)}`);
        continue;
      }
      const route: TemplateRoute = { api, method, path: routePath === '$default' ? '$default' : routePath, payloadFormat: payload, stage: settings.stage, binaryMediaTypes: binary };
      if (cors !== undefined) route.cors = cors;
      if (settings.stageVariables !== undefined) route.stageVariables = settings.stageVariables;
      // SAM leaves an operation's own security alone and gives the others the DefaultAuthorizer.
      const own = asMap(spec).security !== undefined;
      const auth = own ? undefined : routeAuth(undefined, settings.auth, key, warn);
      if (auth !== undefined) route.auth = auth;
      if (own) warn(`route ${key} is left unprotected: its OpenAPI security is not read (emu takes authorizers from the API's Auth, not from the definition)`);
      routes.push({ fn: target.fn, route });
    }
  }
  return routes;
}

/** `x-amazon-apigateway-cors` has CorsConfiguration's fields in camel case. */
function definitionCors(value: unknown): ReturnType<typeof listCors> {
  if (value === undefined) return undefined;
  const fields = Object.entries(asMap(value)).map(([key, item]) => [key.charAt(0).toUpperCase() + key.slice(1), item]);
  return listCors('http', Object.fromEntries(fields));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mediaTypes(value: unknown): string[] {
  return (Array.isArray(value) ? value : []).map((type) => textOf(type).replaceAll('~1', '/'));
}
