/**
 * The user's own credentials, for a function run without --role (as SAM CLI
 * does). AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read at once, for
 * free. The SDK's chain (~50 ms to load) is used only when something points
 * to another source: --profile, AWS_PROFILE, a shared credentials file, a
 * config file with credential settings, container or web identity variables.
 * Otherwise the chain would end probing instance metadata, which off EC2
 * costs a second or more on every `emu run`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import type { CredentialsProvider, SandboxCredentials } from '../sandbox/function-config.js';
import { refreshingProvider } from './refreshing-provider.js';
import { defaultChain, toSandboxCredentials } from './sdk-chain.js';
import { firstLine } from './sts-errors.js';

export interface ResolvedCredentials {
  credentials?: SandboxCredentials | CredentialsProvider;
  /** Where they come from, for -v; never the credentials themselves. */
  description: string;
  warnings: string[];
}

const OTHER_SOURCE_VARIABLES = ['AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE'];
const CREDENTIAL_SETTING = /^\s*(aws_access_key_id|role_arn|credential_process|credential_source|web_identity_token_file|sso_\w+|login_session)\s*=/m;

export async function resolveUserCredentials(profile: string | undefined, env: NodeJS.ProcessEnv): Promise<ResolvedCredentials> {
  if (profile === undefined) {
    const fromEnvironment = environmentCredentials(env);
    if (fromEnvironment !== undefined) return { credentials: fromEnvironment, description: 'your own, from AWS_ACCESS_KEY_ID', warnings: [] };
    if (!pointsToOtherSource(env)) return { description: 'none: no AWS credentials in the environment or ~/.aws', warnings: [] };
  }
  const chain = await defaultChain(profile);
  const source = profile ?? env.AWS_PROFILE ?? 'the default chain';
  try {
    const initial = toSandboxCredentials(await chain());
    const credentials = initial.expiresAt === undefined ? initial : refreshingProvider(initial, async () => toSandboxCredentials(await chain({ forceRefresh: true })));
    return { credentials, description: `your own, from ${source}`, warnings: [] };
  } catch (error) {
    if (profile !== undefined) throw usageError(`--profile ${profile}: cannot get its credentials (${firstLine(error)})`);
    return { description: 'none', warnings: [`cannot get your AWS credentials from ${source} (${firstLine(error)}); the function runs without any`] };
  }
}

/** What the SDK's fromEnv would give, unless AWS_PROFILE tells it to skip them. */
function environmentCredentials(env: NodeJS.ProcessEnv): SandboxCredentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken, AWS_PROFILE } = env;
  if (AWS_PROFILE !== undefined || accessKeyId === undefined || accessKeyId === '' || secretAccessKey === undefined || secretAccessKey === '') return undefined;
  return sessionToken === undefined || sessionToken === '' ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

function pointsToOtherSource(env: NodeJS.ProcessEnv): boolean {
  if (OTHER_SOURCE_VARIABLES.some((name) => env[name] !== undefined && env[name] !== '')) return true;
  const home = env.HOME ?? homedir();
  if (existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'))) return true;
  try {
    return CREDENTIAL_SETTING.test(readFileSync(env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'), 'utf8'));
  } catch {
    return false;
  }
}
