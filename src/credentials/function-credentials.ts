/**
 * The credentials a function's sandboxes get: none (--no-credentials), the
 * execution role's (--role, assumed with STS and refreshed before they
 * expire), or by default the user's own, as SAM CLI gives them.
 */
import type { SandboxCredentials } from '../sandbox/function-config.js';
import { assumeRole } from './assume-role.js';
import { refreshingProvider } from './refreshing-provider.js';
import { parseRoleArn, roleSessionName } from './role-arn.js';
import { resolveUserCredentials, type ResolvedCredentials } from './user-credentials.js';

export interface CredentialsRequest {
  /** The execution role's ARN. */
  role?: string;
  /** The user's profile, for their own credentials and to assume the role with. */
  profile?: string;
  noCredentials?: boolean;
  functionName: string;
  /** The function's region: STS is asked there. */
  region: string;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function resolveFunctionCredentials(request: CredentialsRequest): Promise<ResolvedCredentials> {
  if (request.noCredentials === true) return { description: 'none (--no-credentials)', warnings: [] };
  if (request.role === undefined) return resolveUserCredentials(request.profile, request.env ?? process.env);
  const role = parseRoleArn(request.role);
  const sessionName = roleSessionName(request.functionName);
  const fetch = (): Promise<SandboxCredentials> =>
    assumeRole({ roleArn: role.arn, sessionName, region: request.region, ...(request.profile === undefined ? {} : { profile: request.profile }) });
  const initial = await fetch();
  const until = initial.expiresAt === undefined ? '' : `, until ${initial.expiresAt.toISOString()}`;
  return { credentials: refreshingProvider(initial, fetch), description: `role ${role.arn} as session ${sessionName}${until}`, warnings: [] };
}
