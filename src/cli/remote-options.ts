/** The flags of `--remote` (emu run --stream, emu bench): where the Invoke API is, and the client's limits. */
import { usageError } from '../errors/emu-error.js';
// remote-target directly, not remote/index: the index pulls in the SDK client's module (and node:https, ≈ 9 ms) on every one-shot run.
import { arnRegion, checkEndpointUrl, isFunctionArn, type RemoteTarget } from '../remote/remote-target.js';

export interface RemoteFlags {
  endpointUrl?: string;
  dryRun: boolean;
  /** Per attempt; default 16 minutes, past Lambda's 15-minute maximum timeout. */
  timeoutMs: number;
}

export const DEFAULT_REMOTE_TIMEOUT_SECONDS = 960;

export const REMOTE_OPTIONS = {
  remote: { type: 'boolean' },
  'endpoint-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'remote-timeout': { type: 'string' },
} as const;

interface RemoteValues {
  remote?: boolean;
  'endpoint-url'?: string;
  'dry-run'?: boolean;
  'remote-timeout'?: string;
}

/** Undefined for a local run; a function ARN alone implies --remote. */
export function remoteFlagsFrom(values: RemoteValues, functionWord: string | undefined): RemoteFlags | undefined {
  const remote = values.remote === true || (functionWord !== undefined && isFunctionArn(functionWord));
  if (!remote) {
    const stray = (['endpoint-url', 'dry-run', 'remote-timeout'] as const).find((flag) => values[flag] !== undefined);
    if (stray !== undefined) throw usageError(`--${stray} applies to --remote (a deployed function's name or ARN)`);
    return undefined;
  }
  const flags: RemoteFlags = { dryRun: values['dry-run'] === true, timeoutMs: remoteTimeoutMs(values['remote-timeout']) };
  if (values['endpoint-url'] !== undefined) flags.endpointUrl = checkEndpointUrl(values['endpoint-url']);
  return flags;
}

function remoteTimeoutMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REMOTE_TIMEOUT_SECONDS * 1000;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number.parseFloat(text) : Number.NaN;
  if (!(seconds > 0) || seconds > 3600) throw usageError(`--remote-timeout expects seconds between 0 and 3600, got '${text}'`);
  return Math.round(seconds * 1000);
}

/** Local-only flags that mean nothing for a deployed function: refused, not silently ignored. */
export function checkRemoteCombination(given: Record<string, unknown>, localOnly: readonly string[]): void {
  const flag = localOnly.find((name) => given[name] !== undefined && given[name] !== false);
  if (flag !== undefined) throw usageError(`--${flag} describes a local function and cannot be used with --remote`);
}

/** The deployed function to call: its name or ARN, the region (given, or the ARN's), the endpoint and profile. */
export function remoteTarget(options: { handler: string; emulator: { region?: string }; setup: { profile?: string } }, remote: RemoteFlags): RemoteTarget {
  const target: RemoteTarget = { functionName: options.handler };
  const region = options.emulator.region ?? arnRegion(options.handler);
  if (region !== undefined) target.region = region;
  if (remote.endpointUrl !== undefined) target.endpointUrl = remote.endpointUrl;
  if (options.setup.profile !== undefined) target.profile = options.setup.profile;
  return target;
}
