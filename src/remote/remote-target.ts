/**
 * What --remote sends to: a deployed function by name or ARN, in a region,
 * at AWS's endpoint or any other Invoke API. Described without credentials:
 * only where they come from.
 */
import { usageError } from '../errors/emu-error.js';

export interface RemoteTarget {
  /** A name, name:qualifier, or an ARN, as the Invoke API takes it. */
  functionName: string;
  region?: string;
  endpointUrl?: string;
  profile?: string;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[\w-]{1,140}(:[\w$-]+)?$/;

/** An ARN alone implies --remote. */
export function isFunctionArn(text: string): boolean {
  return LAMBDA_ARN.test(text);
}

/** The region an ARN names, which wins over the environment's when no --region was given. */
export function arnRegion(text: string): string | undefined {
  return LAMBDA_ARN.exec(text)?.[1];
}

export function checkEndpointUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--endpoint-url expects a URL such as http://127.0.0.1:3000, got '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--endpoint-url must be http:// or https://, got '${text}'`);
  if (url.username !== '' || url.password !== '') throw usageError('--endpoint-url must not hold credentials');
  return text;
}

export function describeTarget(target: RemoteTarget, region: string): string {
  const endpoint = target.endpointUrl ?? `https://lambda.${region}.amazonaws.com`;
  const profile = target.profile === undefined ? (process.env.AWS_PROFILE === undefined ? '' : `, profile ${process.env.AWS_PROFILE}`) : `, profile ${target.profile}`;
  return `${target.functionName} in ${region} at ${endpoint} (credentials from the AWS chain${profile})`;
}
