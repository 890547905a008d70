/**
 * API Gateway's route selection: an exact method beats ANY, a literal path
 * segment beats `{param}`, which beats a greedy `{proxy+}`; `$default`
 * (HTTP API) catches what nothing else matched.
 */
import type { TemplateRoute } from '../template/index.js';

export interface Route extends TemplateRoute {
  /** The function's key in the server's function table. */
  functionName: string;
}

export interface RouteMatch {
  route: Route;
  /** Raw (still percent-encoded) values; null when the route captures none. */
  pathParameters: Record<string, string> | null;
  /** `GET /items/{id}`, `ANY /{proxy+}` or `$default`. */
  routeKey: string;
}

/** ANY's expansion for REST and HTTP APIs [SAM:local/apigw/route.py]. */
const ANY_METHODS = new Set(['GET', 'DELETE', 'PUT', 'POST', 'HEAD', 'OPTIONS', 'PATCH']);

interface CompiledRoute {
  route: Route;
  segments: string[];
  /** Per segment: 2 literal, 1 `{param}`, 0 greedy; compared left to right. */
  ranks: number[];
}

export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map(compile).sort(bySpecificity);
  }

  get routes(): readonly Route[] {
    return this.#routes.map((compiled) => compiled.route);
  }

  /** The routes whose path matches, whatever their method ($default excluded): a path's methods, for CORS. */
  routesForPath(rawPath: string): Route[] {
    const parts = rawPath.split('/').filter((part) => part !== '');
    return this.#routes.filter((compiled) => compiled.route.path !== '$default' && matchSegments(compiled.segments, parts) !== null).map((compiled) => compiled.route);
  }

  match(method: string, rawPath: string): RouteMatch | null {
    const parts = rawPath.split('/').filter((part) => part !== '');
    for (const compiled of this.#routes) {
      const { route } = compiled;
      // $default catches every request nothing else matched, whatever its method.
      if (route.path === '$default') return { route, pathParameters: null, routeKey: '$default' };
      if (route.method !== method && !(route.method === 'ANY' && ANY_METHODS.has(method))) continue;
      const parameters = matchSegments(compiled.segments, parts);
      if (parameters === null) continue;
      return {
        route,
        pathParameters: Object.keys(parameters).length > 0 ? parameters : null,
        routeKey: `${route.method} ${route.path}`,
      };
    }
    return null;
  }
}

function compile(route: Route): CompiledRoute {
  const segments = route.path === '$default' ? [] : route.path.split('/').filter((part) => part !== '');
  const ranks = segments.map((segment) => (/^\{.+\+\}$/.test(segment) ? 0 : /^\{.+\}$/.test(segment) ? 1 : 2));
  return { route, segments, ranks };
}

function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const aDefault = a.route.path === '$default';
  const bDefault = b.route.path === '$default';
  if (aDefault !== bDefault) return aDefault ? 1 : -1;
  for (let i = 0; i < Math.max(a.ranks.length, b.ranks.length); i++) {
    // A path that ends earlier is less specific than one that goes on with any segment but a greedy one.
    const difference = (b.ranks[i] ?? -1) - (a.ranks[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return Number(a.route.method === 'ANY') - Number(b.route.method === 'ANY');
}

function matchSegments(segments: readonly string[], parts: readonly string[]): Record<string, string> | null {
  const parameters: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.endsWith('+}')) {
      if (i >= parts.length) return null;
      parameters[segment.slice(1, -2)] = parts.slice(i).join('/');
      return parameters;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (segment.startsWith('{') && segment.endsWith('}')) parameters[segment.slice(1, -1)] = part;
    else if (segment !== part) return null;
  }
  return parts.length === segments.length ? parameters : null;
}
