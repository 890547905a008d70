/**
 * A template's CORS settings → one CorsRule, whichever product they are for:
 * an AWS::Serverless::Api's `Cors` (SAM's quoted strings: "'*'", "'GET,POST'"),
 * an AWS::Serverless::HttpApi's `CorsConfiguration` (lists, or `true`), and a
 * function's `FunctionUrlConfig.Cors` (lists). How each product applies its
 * rule is the gateway's business (src/http/cors.ts; docs/cors.md).
 */
import { textOf } from './plain-data.js';

export type CorsProduct = 'rest' | 'http' | 'function-url';

export interface CorsRule {
  product: CorsProduct;
  /** '*' or exact origins (REST: the one Access-Control-Allow-Origin value, as written). */
  allowOrigins: string[];
  /** Upper case; '*' for all. Empty on REST: the path's own methods, as SAM fills them in. */
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
  allowCredentials: boolean;
}

/** SAM's Api `Cors`: a string is the AllowOrigin; every value is a quoted string as API Gateway's mapping wants it. */
export function restCors(value: unknown, warn: (message: string) => void): CorsRule | undefined {
  if (value === undefined || value === false) return undefined;
  const spec = typeof value === 'string' ? { AllowOrigin: value } : asRecord(value);
  if (spec.AllowOrigin === undefined) {
    warn("Cors has no AllowOrigin: SAM refuses it ('AllowOrigin' is required); CORS is off for this API");
    return undefined;
  }
  const list = (field: unknown): string[] => (field === undefined ? [] : unquote(textOf(field)).split(',').map((item) => item.trim()).filter((item) => item !== ''));
  const rule: CorsRule = {
    product: 'rest',
    allowOrigins: [unquote(textOf(spec.AllowOrigin))],
    allowMethods: list(spec.AllowMethods).map((method) => method.toUpperCase()),
    allowHeaders: list(spec.AllowHeaders),
    exposeHeaders: [],
    allowCredentials: spec.AllowCredentials === true || textOf(spec.AllowCredentials ?? '') === 'true',
  };
  const maxAge = spec.MaxAge === undefined ? undefined : Number(unquote(textOf(spec.MaxAge)));
  if (maxAge !== undefined && Number.isFinite(maxAge)) rule.maxAgeSeconds = maxAge;
  return rule;
}

/** HttpApi `CorsConfiguration` (`true`: every origin, method and header) or FunctionUrlConfig `Cors`. */
export function listCors(product: 'http' | 'function-url', value: unknown): CorsRule | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { product, allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [], allowCredentials: false };
  const spec = asRecord(value);
  const list = (field: unknown): string[] => (Array.isArray(field) ? field.map((item) => textOf(item).trim()) : field === undefined ? [] : [textOf(field).trim()]);
  const rule: CorsRule = {
    product,
    allowOrigins: list(spec.AllowOrigins),
    allowMethods: list(spec.AllowMethods).map((method) => method.toUpperCase()),
    allowHeaders: list(spec.AllowHeaders),
    exposeHeaders: list(spec.ExposeHeaders),
    allowCredentials: spec.AllowCredentials === true || spec.AllowCredentials === 'true',
  };
  if (spec.MaxAge !== undefined && Number.isFinite(Number(spec.MaxAge))) rule.maxAgeSeconds = Number(spec.MaxAge);
  return rule;
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith("'") && trimmed.endsWith("'") ? trimmed.slice(1, -1) : trimmed;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
