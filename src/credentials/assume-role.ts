/**
 * AssumeRole with the real STS client, signed with the user's own credentials
 * from the default chain. The STS endpoint follows the SDK's own settings
 * (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), in the function's region.
 */
import { internalError } from '../errors/emu-error.js';
import type { SandboxCredentials } from '../sandbox/function-config.js';
import { defaultChain, requireSdk, SILENT_LOGGER, toSandboxCredentials } from './sdk-chain.js';
import { assumeRoleFailure } from './sts-errors.js';

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  region: string;
  /** The user's profile; default: AWS_PROFILE, then "default". */
  profile?: string;
}

export async function assumeRole(request: AssumeRoleRequest): Promise<SandboxCredentials> {
  const { STSClient, AssumeRoleCommand } = requireSdk('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const userCredentials = await defaultChain(request.profile);
  // The SDK's own Node-version notice is about emu's dependency, not the user's function: keep emu's stderr to emu's lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new STSClient({
    region: request.region,
    credentials: userCredentials,
    logger: SILENT_LOGGER,
    maxAttempts: 2, // an unreachable STS should fail in a second or two, not after the default backoff
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
  try {
    const { Credentials: issued } = await client.send(new AssumeRoleCommand({ RoleArn: request.roleArn, RoleSessionName: request.sessionName }));
    if (issued?.AccessKeyId === undefined || issued.SecretAccessKey === undefined) {
      throw internalError(`--role: STS answered AssumeRole for ${request.roleArn} without credentials`);
    }
    return toSandboxCredentials({
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'EmuError') throw error;
    throw assumeRoleFailure(error, request.roleArn, stsEndpoint(request.region));
  } finally {
    client.destroy();
  }
}

/** For messages only: where the SDK sends the request, as far as the environment says. */
function stsEndpoint(region: string): string {
  return process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL ?? `https://sts.${region}.amazonaws.com`;
}
