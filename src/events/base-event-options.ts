/** The fixed account the emulator reports everywhere; events must agree with it. */
export const ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

/** Options every generator accepts. */
export interface BaseEventOptions {
  /** AWS region written into ARNs, hostnames and `awsRegion` fields. Default us-east-1. */
  region?: string;
  /** When the event happened. Default: now, so every call gets a fresh timestamp. */
  time?: Date;
}

export interface ResolvedBaseOptions {
  region: string;
  accountId: string;
  time: Date;
}

export function resolveBaseOptions(options: BaseEventOptions): ResolvedBaseOptions {
  return {
    region: options.region ?? DEFAULT_REGION,
    accountId: ACCOUNT_ID,
    time: options.time ?? new Date(),
  };
}
