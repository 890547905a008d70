/**
 * The function flags that need files, folders or the network (env files,
 * layers, role and credentials) → emulator options. Local checks come first,
 * so a bad file or folder is refused before STS is called or a sandbox starts.
 * Called by resolveFunctionOptions (function-options.ts), once the function's
 * name and region are settled.
 */
import { checkLayerFolders, resolveFunctionEnvironment } from '../config/index.js';
import { parseRoleArn, resolveFunctionCredentials } from '../credentials/index.js';
import type { EmulatorOptions } from '../emulator.js';

export interface FunctionSetupFlags {
  role?: string;
  profile?: string;
  noCredentials: boolean;
  envVarsFile?: string;
  envFiles: string[];
  layers: string[];
}

export interface SetupReporter {
  /** Informational: where credentials come from (with -v only), an env file's notice. */
  notice(message: string): void;
  warning(message: string): void;
  verbose: boolean;
}

/** What a SAM template says of the function, for `emu serve --template`: its variables sit lowest in the precedence. */
export interface TemplateFunctionFacts {
  env: Record<string, string>;
  logicalId: string;
}

/** The settled facts the files and STS depend on: the name picks the --env-vars block and the role's session. */
export interface SettledFunction {
  functionName: string;
  region: string;
  /** --env pairs. */
  env: Record<string, string>;
}

export type FunctionSetUp = Pick<EmulatorOptions, 'env' | 'layers' | 'credentials'>;

export async function setUpFunction(
  settled: SettledFunction,
  flags: FunctionSetupFlags,
  reporter: SetupReporter,
  template?: TemplateFunctionFacts,
): Promise<FunctionSetUp> {
  if (flags.role !== undefined) parseRoleArn(flags.role);
  const layers = checkLayerFolders(flags.layers);
  const { functionName } = settled;
  const environment = await resolveFunctionEnvironment({
    ...(flags.envVarsFile === undefined ? {} : { envVarsFile: flags.envVarsFile }),
    envFiles: flags.envFiles,
    pairs: settled.env,
    functionKeys: template === undefined ? [functionName] : [template.logicalId, functionName],
    ...(template === undefined ? {} : { template: template.env }),
  });
  for (const notice of environment.notices) reporter.notice(notice);
  for (const warning of [...layers.warnings, ...environment.warnings]) reporter.warning(warning);

  const resolved = await resolveFunctionCredentials({
    ...(flags.role === undefined ? {} : { role: flags.role }),
    ...(flags.profile === undefined ? {} : { profile: flags.profile }),
    noCredentials: flags.noCredentials,
    functionName,
    region: settled.region,
  });
  for (const warning of resolved.warnings) reporter.warning(warning);
  if (reporter.verbose) reporter.notice(`credentials: ${resolved.description}`);

  const setUp: FunctionSetUp = { env: environment.env };
  if (layers.folders.length > 0) setUp.layers = layers.folders;
  if (resolved.credentials !== undefined) setUp.credentials = resolved.credentials;
  return setUp;
}
