/**
 * SAM's `Auth` → the authorizer each route runs: an API's `Authorizers` and
 * `DefaultAuthorizer` (AWS::Serverless::Api: Lambda TOKEN/REQUEST and Cognito;
 * AWS::Serverless::HttpApi: Lambda REQUEST and JWT), and a function event's
 * `Auth: {Authorizer, AuthorizationScopes}`. What emu cannot emulate (AWS_IAM,
 * a Lambda authorizer whose function is not in the template) leaves the route
 * unprotected, and says so. How each runs is the gateway's (src/http/; docs/authorizers.md).
 */
import { textOf } from './plain-data.js';

/** Where a Lambda authorizer's identity comes from: `$request.header.X`, `$request.querystring.X`, `$stageVariables.X`, `$context.X`. */
export interface IdentitySource {
  from: 'header' | 'query' | 'stageVariable' | 'context';
  name: string;
}

export interface LambdaAuthorizer {
  kind: 'lambda';
  name: string;
  /** The template function that decides (its FunctionName). */
  functionName: string;
  api: 'rest' | 'http';
  /** REST's FunctionPayloadType; HTTP APIs send REQUEST only. */
  payloadType: 'TOKEN' | 'REQUEST';
  /** HTTP APIs' AuthorizerPayloadFormatVersion; REST authorizers get 1.0. */
  payloadFormat: '1.0' | '2.0';
  /** HTTP APIs' EnableSimpleResponses ({isAuthorized, context} instead of an IAM policy). */
  simpleResponses: boolean;
  identitySources: IdentitySource[];
  /** TOKEN only: a token that does not match is refused (401) without calling the function. */
  validationExpression?: string;
  /** ReauthorizeEvery; 0 = no caching. */
  ttlSeconds: number;
}

export interface JwtAuthorizer {
  kind: 'jwt';
  name: string;
  /** HTTP API JwtConfiguration, or a Cognito user pool's issuer (REST). */
  api: 'rest' | 'http';
  issuers: string[];
  /** HTTP API: `aud` (or `client_id`) must be one of these; empty for Cognito (any app client of the pool). */
  audience: string[];
  identitySource: IdentitySource;
}

export type Authorizer = LambdaAuthorizer | JwtAuthorizer;

/** What a route runs before its function. */
export type RouteAuth = Authorizer & { scopes: string[] };

export interface ApiAuth {
  authorizers: Record<string, Authorizer>;
  /** Names emu does not emulate, with the reason (AWS_IAM, a function not in the template). */
  unemulated: Record<string, string>;
  defaultAuthorizer?: string;
}

export interface AuthReadContext {
  /** Every template function's FunctionName (or logical id): a FunctionArn must name one. */
  functionNames: ReadonlySet<string>;
  region: string;
  warn(message: string): void;
}

type Properties = Record<string, unknown>;

export function readApiAuth(value: unknown, rest: boolean, context: AuthReadContext): ApiAuth | undefined {
  if (value === undefined) return undefined;
  const spec = asMap(value);
  const auth: ApiAuth = { authorizers: {}, unemulated: {} };
  for (const [name, raw] of Object.entries(asMap(spec.Authorizers))) {
    const authorizer = asMap(raw);
    const read = rest ? restAuthorizer(name, authorizer, context) : httpAuthorizer(name, authorizer, context);
    if (typeof read === 'string') auth.unemulated[name] = read;
    else auth.authorizers[name] = read;
  }
  if (spec.DefaultAuthorizer !== undefined) auth.defaultAuthorizer = textOf(spec.DefaultAuthorizer);
  return auth;
}

function restAuthorizer(name: string, spec: Properties, context: AuthReadContext): Authorizer | string {
  if (spec.UserPoolArn !== undefined) {
    const header = textOf(asMap(spec.Identity).Header ?? 'Authorization');
    const arns = Array.isArray(spec.UserPoolArn) ? spec.UserPoolArn : [spec.UserPoolArn];
    const issuers = arns.map((arn) => cognitoIssuer(textOf(arn), context.region));
    return { kind: 'jwt', name, api: 'rest', issuers, audience: [], identitySource: { from: 'header', name: header } };
  }
  const functionName = templateFunction(spec.FunctionArn, context);
  if (functionName === undefined) return `its FunctionArn ${JSON.stringify(spec.FunctionArn)} is no function of this template`;
  const identity = asMap(spec.Identity);
  const payloadType = textOf(spec.FunctionPayloadType ?? 'TOKEN').toUpperCase() === 'REQUEST' ? 'REQUEST' : 'TOKEN';
  const authorizer: LambdaAuthorizer = {
    kind: 'lambda',
    name,
    functionName,
    api: 'rest',
    payloadType,
    payloadFormat: '1.0',
    simpleResponses: false,
    identitySources: payloadType === 'TOKEN' ? [{ from: 'header', name: textOf(identity.Header ?? 'Authorization') }] : requestSources(identity),
    ttlSeconds: ttl(identity.ReauthorizeEvery),
  };
  if (payloadType === 'TOKEN' && identity.ValidationExpression !== undefined) authorizer.validationExpression = textOf(identity.ValidationExpression);
  return authorizer;
}

function httpAuthorizer(name: string, spec: Properties, context: AuthReadContext): Authorizer | string {
  if (spec.JwtConfiguration !== undefined) {
    const jwt = asMap(spec.JwtConfiguration);
    return { kind: 'jwt', name, api: 'http', issuers: [textOf(jwt.issuer)], audience: list(jwt.audience), identitySource: sourceExpression(textOf(spec.IdentitySource ?? '$request.header.Authorization')) };
  }
  if (spec.FunctionArn === undefined) return 'it is neither a Lambda (FunctionArn) nor a JWT (JwtConfiguration) authorizer';
  const functionName = templateFunction(spec.FunctionArn, context);
  if (functionName === undefined) return `its FunctionArn ${JSON.stringify(spec.FunctionArn)} is no function of this template`;
  const identity = asMap(spec.Identity);
  const version = textOf(spec.AuthorizerPayloadFormatVersion ?? '2.0') === '1.0' ? '1.0' : '2.0';
  if (spec.AuthorizerPayloadFormatVersion === undefined) context.warn(`authorizer ${name}: AuthorizerPayloadFormatVersion is required by SAM; emu uses 2.0`);
  return {
    kind: 'lambda',
    name,
    functionName,
    api: 'http',
    payloadType: 'REQUEST',
    payloadFormat: version,
    simpleResponses: spec.EnableSimpleResponses === true || spec.EnableSimpleResponses === 'true',
    identitySources: requestSources(identity),
    ttlSeconds: ttl(identity.ReauthorizeEvery),
  };
}

/**
 * The authorizer a route runs: its event's `Auth.Authorizer`, else the API's DefaultAuthorizer;
 * `NONE` opts out. One emu cannot run leaves the route open, with a warning naming it.
 */
export function routeAuth(eventAuth: unknown, api: ApiAuth | undefined, routeKey: string, warn: (message: string) => void): RouteAuth | undefined {
  const spec = asMap(eventAuth);
  const named = spec.Authorizer === undefined ? api?.defaultAuthorizer : textOf(spec.Authorizer);
  if (named === undefined || named === 'NONE') return undefined;
  const authorizer = api?.authorizers[named];
  if (authorizer === undefined) {
    const reason = named === 'AWS_IAM' ? 'IAM authorization is not emulated' : (api?.unemulated[named] ?? 'the API defines no authorizer of that name');
    warn(`route ${routeKey} is left unprotected: its authorizer ${named} is not emulated (${reason})`);
    return undefined;
  }
  return { ...authorizer, scopes: list(spec.AuthorizationScopes) };
}

/** SAM's REQUEST identity lists → identity sources, in the order API Gateway reads them. */
function requestSources(identity: Properties): IdentitySource[] {
  return [
    ...list(identity.Headers).map((name) => ({ from: 'header' as const, name })),
    ...list(identity.QueryStrings).map((name) => ({ from: 'query' as const, name })),
    ...list(identity.StageVariables).map((name) => ({ from: 'stageVariable' as const, name })),
    ...list(identity.Context).map((name) => ({ from: 'context' as const, name })),
  ];
}

function sourceExpression(expression: string): IdentitySource {
  const match = /^\$request\.(header|querystring)\.(.+)$/.exec(expression);
  if (match === null) return { from: 'header', name: 'Authorization' };
  return { from: match[1] === 'header' ? 'header' : 'query', name: match[2] as string };
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]` of a template function → its name. */
function templateFunction(arn: unknown, context: AuthReadContext): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = /:function:([^:]+)(?::[^:]+)?$/.exec(arn);
  const name = match?.[1] ?? arn;
  return context.functionNames.has(name) ? name : undefined;
}

/** `arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>` → the issuer its tokens carry. */
function cognitoIssuer(arn: string, region: string): string {
  const match = /^arn:aws[\w-]*:cognito-idp:([^:]+):[^:]*:userpool\/(.+)$/.exec(arn);
  return match === null ? arn : `https://cognito-idp.${match[1] ?? region}.amazonaws.com/${match[2]}`;
}

/** SAM's ReauthorizeEvery: 300 s unless given; API Gateway's maximum is 3600. */
function ttl(value: unknown): number {
  const seconds = value === undefined ? 300 : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) : 0;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => textOf(item));
}

function asMap(value: unknown): Properties {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Properties) : {};
}
