/**
 * `emu bench <function> --compare-remote NAME_OR_ARN`: the local function and a
 * deployed one, measured on the same events. The remote side takes the
 * --remote flags (--endpoint-url, --remote-timeout, --dry-run); the local
 * side every local flag, as a plain bench does.
 */
import type { BenchMode } from '../bench/index.js';
import { usageError } from '../errors/emu-error.js';
import { isFunctionArn, type RemoteTarget } from '../remote/index.js';
import { remoteFlagsFrom, remoteTarget, type RemoteFlags } from './remote-options.js';

export const COMPARE_REMOTE_OPTIONS = {
  'compare-remote': { type: 'string' },
} as const;

export interface CompareRemote {
  target: RemoteTarget;
  flags: RemoteFlags;
}

interface CompareValues {
  'compare-remote'?: string;
  remote?: boolean;
  'endpoint-url'?: string;
  'dry-run'?: boolean;
  'remote-timeout'?: string;
  region?: string;
  profile?: string;
  modes?: string;
  html?: string;
  'save-baseline'?: string;
}

/** Undefined without --compare-remote; else the deployed function and its flags, or a usage error. */
export function compareRemoteFrom(values: CompareValues, localFunction: string): CompareRemote | undefined {
  const name = values['compare-remote'];
  if (name === undefined) return undefined;
  if (name.trim() === '') throw usageError("--compare-remote expects a deployed function's name or ARN");
  if (values.remote === true || isFunctionArn(localFunction)) {
    throw usageError('--compare-remote runs <handler | LogicalId> locally beside the deployed function it names: it cannot be used with --remote or a function ARN');
  }
  // One report per file: each side has its own with emu bench and emu bench --remote.
  if (values.html !== undefined) throw usageError('--html writes one report: run emu bench (or emu bench --remote) alone for each side');
  if (values['save-baseline'] !== undefined) throw usageError('--save-baseline records one side: save it with emu bench (local) or emu bench --remote');
  const flags = remoteFlagsFrom({ ...values, remote: true }, name) as RemoteFlags;
  const target = remoteTarget({ handler: name, emulator: values.region === undefined ? {} : { region: values.region }, setup: values.profile === undefined ? {} : { profile: values.profile } }, flags);
  return { target, flags };
}

/**
 * Warm only unless --modes says otherwise: a cold start of the deployed function needs a
 * configuration change of it (as bench --remote --cold), which is asked for, never a default.
 */
export function compareModes(values: CompareValues, parsed: BenchMode[]): BenchMode[] {
  return values.modes === undefined ? ['warm'] : parsed;
}
