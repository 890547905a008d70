/** An IAM role ARN, checked locally before anything asks STS about it. */
import { usageError } from '../errors/emu-error.js';

export interface RoleArn {
  arn: string;
  partition: string;
  accountId: string;
  /** With its path, e.g. "service-role/my-fn-role". */
  roleName: string;
}

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;

export function parseRoleArn(text: string): RoleArn {
  const match = ROLE_ARN.exec(text.trim());
  if (match === null) {
    throw usageError(`--role expects an IAM role ARN such as arn:aws:iam::123456789012:role/my-function-role, got '${text}'`);
  }
  return { arn: match[0], partition: match[1] as string, accountId: match[2] as string, roleName: match[3] as string };
}

/** What CloudTrail shows for the session: the function's name, as on AWS, marked as emu's. */
export function roleSessionName(functionName: string): string {
  return `emu-${functionName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
