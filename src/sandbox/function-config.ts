import type { RuntimeLauncher } from './runtime-launcher.js';

/** Everything a sandbox needs to know about the function it runs, in internal units. */
export interface FunctionConfig {
  /** AWS handler string, relative to codeDir: "index.handler", "src/api/users.list". */
  handler: string;
  /** Absolute path of the function's code: LAMBDA_TASK_ROOT and the sandbox's cwd. */
  codeDir: string;
  functionName: string;
  functionVersion: string;
  region: string;
  accountId: string;
  memoryMb: number;
  timeoutMs: number;
  /** The function's own environment variables. */
  env: Readonly<Record<string, string>>;
  /** Reserved credentials handed to the sandbox, if any. */
  credentials?: SandboxCredentials;
  /** Fresh credentials for each new sandbox (an assumed role's); the pool recycles a sandbox whose expire soon. */
  credentialsProvider?: CredentialsProvider;
  /** Local layer folders (each holding nodejs/), in the function's layer order. */
  layers?: readonly string[];
  /** What the sandbox's process is: a Node.js runtime, or a custom runtime's bootstrap. */
  runtime: RuntimeLauncher;
  inspect?: { port: number; breakOnStart: boolean };
  /** The function's LoggingConfig (advanced logging controls); absent: Text, as AWS's default. */
  logging?: LoggingConfig;
}

export type LogFormat = 'Text' | 'JSON';
export type ApplicationLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
export type SystemLogLevel = 'DEBUG' | 'INFO' | 'WARN';

/** AWS's LoggingConfig: the levels filter only in JSON format, as on AWS. */
export interface LoggingConfig {
  format: LogFormat;
  applicationLogLevel?: ApplicationLogLevel;
  systemLogLevel?: SystemLogLevel;
  /** Replaces /aws/lambda/<function name> in AWS_LAMBDA_LOG_GROUP_NAME. */
  logGroup?: string;
}

export interface SandboxCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiresAt?: Date;
}

export type CredentialsProvider = () => Promise<SandboxCredentials>;

export function functionArn(config: Pick<FunctionConfig, 'region' | 'accountId' | 'functionName'>): string {
  return `arn:aws:lambda:${config.region}:${config.accountId}:function:${config.functionName}`;
}
