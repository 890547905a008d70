export { resolveFunctionCredentials, type CredentialsRequest } from './function-credentials.js';
export { parseRoleArn, roleSessionName, type RoleArn } from './role-arn.js';
export { refreshingProvider, REFRESH_MARGIN_MS } from './refreshing-provider.js';
export type { ResolvedCredentials } from './user-credentials.js';
