/**
 * The function's own environment variables, from every source, in one
 * documented precedence (lowest first; a later source wins a key):
 *
 *   1. the template's Environment.Variables (from the template reader, when there is one)
 *   2. --env-vars: SAM's "Parameters" block
 *   3. --env-vars: the function's block (its name or logical id), or the whole flat file
 *   4. --env-file files, in the order given
 *   5. --env KEY=VALUE, in the order given
 *
 * Unlike SAM CLI, keys the template does not declare are applied too (SAM
 * silently drops them), with a one-line notice. AWS's reserved variables are
 * refused later, where the sandbox's environment is built, with a warning.
 */
// environment.js, not the sandbox index: the CLI reads env files before it loads the sandbox's modules.
import { RESERVED_VARIABLES } from '../sandbox/environment.js';
import { readDotenvFile } from './dotenv-file.js';
import { readEnvVarsFile, type EnvVarsFile } from './env-vars-file.js';

/** AWS's limit on a function's variables, measured on their JSON text ("String measured: {...}" in its error). */
export const ENV_LIMIT_BYTES = 4096;

export interface EnvironmentSources {
  /** The template's declared variables; undefined when no template is used. */
  template?: Record<string, string>;
  envVarsFile?: string;
  envFiles?: string[];
  /** --env pairs. */
  pairs?: Record<string, string>;
  /** The keys a SAM --env-vars block may be filed under: function name, logical id. */
  functionKeys: string[];
}

export interface FunctionEnvironment {
  env: Record<string, string>;
  /** Informational lines (an undeclared key applied, no block for this function). */
  notices: string[];
  /** Lines about something AWS would refuse (the 4 KB limit). */
  warnings: string[];
}

export async function resolveFunctionEnvironment(sources: EnvironmentSources): Promise<FunctionEnvironment> {
  const notices: string[] = [];
  const envVars = sources.envVarsFile === undefined ? undefined : await readEnvVarsFile(sources.envVarsFile);
  const dotenvs = await Promise.all((sources.envFiles ?? []).map((file) => readDotenvFile(file)));
  const overrides: Record<string, string> = {
    ...(envVars === undefined ? {} : envVarsFor(envVars, sources.functionKeys, notices)),
    ...dotenvs.reduce((all, one) => ({ ...all, ...one }), {}),
    ...sources.pairs,
  };
  if (sources.template !== undefined) {
    const undeclared = Object.keys(overrides).filter((key) => !(key in (sources.template as Record<string, string>)));
    if (undeclared.length > 0) {
      notices.push(`${listKeys(undeclared)} ${undeclared.length === 1 ? 'is' : 'are'} not declared in the template; applied anyway (sam local would ignore ${undeclared.length === 1 ? 'it' : 'them'})`);
    }
  }
  const env = { ...sources.template, ...overrides };
  const warning = sizeWarning(env);
  return { env, notices, warnings: warning === undefined ? [] : [warning] };
}

/** Parameters, then the function's block; or the flat file as is. */
function envVarsFor(file: EnvVarsFile, functionKeys: string[], notices: string[]): Record<string, string> {
  if (file.shape === 'flat') return file.flat;
  const key = functionKeys.find((candidate) => file.functions[candidate] !== undefined);
  const others = Object.keys(file.functions);
  if (key === undefined && others.length > 0) {
    notices.push(`--env-vars ${file.file} has no block for ${functionKeys.map((k) => `'${k}'`).join(' or ')} (it has ${listKeys(others)}); only its Parameters apply`);
  }
  return { ...file.parameters, ...(key === undefined ? {} : file.functions[key]) };
}

/** The warning for variables over AWS's 4 KB, or undefined. Reserved keys are left out: they are refused anyway. */
export function sizeWarning(env: Readonly<Record<string, string>>): string | undefined {
  const own = Object.fromEntries(Object.entries(env).filter(([key]) => !RESERVED_VARIABLES.has(key)));
  const bytes = Buffer.byteLength(JSON.stringify(own));
  if (bytes <= ENV_LIMIT_BYTES) return undefined;
  return `the function's environment variables take ${bytes} bytes, over AWS's 4 KB limit (${ENV_LIMIT_BYTES} bytes, measured as JSON): deploying them would fail`;
}

function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 5).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}
