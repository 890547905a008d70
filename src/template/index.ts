export { readSamTemplate, type SamTemplate, type SamTemplateOptions } from './sam-template.js';
export { parseParameterOverrides } from './template-parameters.js';
export { parseCfnYaml } from './cfn-yaml.js';
export { mergeGlobals } from './globals.js';
export { IntrinsicResolver, NO_VALUE, isUnresolved, type IntrinsicContext } from './intrinsics.js';
export type { ApiKind, Architecture, PayloadFormat, TemplateFunction, TemplateLogging, TemplateRoute } from './template-function.js';
export type { CorsProduct, CorsRule } from './api-cors.js';
export type { ApiAuth, Authorizer, IdentitySource, JwtAuthorizer, LambdaAuthorizer, RouteAuth } from './api-auth.js';
