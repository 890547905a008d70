/** What emu needs to know about one function of a SAM template, everything resolved. */
import type { RouteAuth } from './api-auth.js';
import type { CorsRule } from './api-cors.js';

export type ApiKind = 'rest' | 'http';
export type PayloadFormat = '1.0' | '2.0';
/** Lambda's instruction set architectures; emu runs on this machine's, and prices both. */
export type Architecture = 'x86_64' | 'arm64';

export interface TemplateRoute {
  api: ApiKind;
  /** Upper case, or ANY. */
  method: string;
  /** API Gateway resource template, e.g. `/items/{id}` or `/{proxy+}`. */
  path: string;
  payloadFormat: PayloadFormat;
  stage: string;
  /** REST only: content types whose bodies travel base64-encoded (`*\/*` matches all). */
  binaryMediaTypes: string[];
  /** Its API's CORS settings, if it has any. */
  cors?: CorsRule;
  /** The authorizer API Gateway runs before the function (none: the route is open). */
  auth?: RouteAuth;
  /** Its stage's variables (REST Variables, HTTP API StageVariables), if it has any. */
  stageVariables?: Record<string, string>;
}

export interface TemplateFunction {
  logicalId: string;
  functionName: string;
  /** Absolute: CodeUri resolved against the template's folder. */
  codeDir: string;
  handler: string;
  runtime: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  env: Record<string, string>;
  routes: TemplateRoute[];
  functionUrl: boolean;
  /** FunctionUrlConfig.Cors, if the URL has one. */
  functionUrlCors?: CorsRule;
  /** FunctionUrlConfig.InvokeMode RESPONSE_STREAM: the URL streams the function's response. */
  functionUrlStreaming?: boolean;
  /** Absolute folders of the local AWS::Serverless::LayerVersion resources it uses, in the template's order. */
  layers: string[];
  /** The execution role, when the template gives a literal ARN. */
  roleArn?: string;
  /** The template's Architectures, when it names one (AWS's default is x86_64). */
  architecture?: Architecture;
  /** The resource's Metadata as written (BuildMethod, BuildProperties: how sam build builds it). */
  metadata?: Record<string, unknown>;
  /** Its LoggingConfig (Globals merged), as written. */
  logging?: TemplateLogging;
}

/** LoggingConfig's fields as the template gives them; the emulator checks them as the Lambda API does. */
export interface TemplateLogging {
  format?: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
  logGroup?: string;
}
