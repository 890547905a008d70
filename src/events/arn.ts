export interface ArnParts {
  service: string;
  /** Empty for global resources such as S3 buckets and IAM roles. */
  region?: string;
  /** Empty for S3 buckets, whose ARNs carry no account. */
  accountId?: string;
  resource: string;
}

export function arn(parts: ArnParts): string {
  return `arn:aws:${parts.service}:${parts.region ?? ''}:${parts.accountId ?? ''}:${parts.resource}`;
}
