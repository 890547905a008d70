import type { PostConfirmationConfirmSignUpTriggerEvent, PreSignUpEmailTriggerEvent } from 'aws-lambda';
import { awsIds } from './aws-ids.js';
import { resolveBaseOptions, type BaseEventOptions, type ResolvedBaseOptions } from './base-event-options.js';

export interface CognitoTriggerOptions extends BaseEventOptions {
  /** User pool id. Default `<region>_XmPl7Q2dK`. */
  userPoolId?: string;
  /** App client id. Default a fixed 26-character id. */
  clientId?: string;
  /** User name. Default a fresh UUID, as pools that sign in by email assign. */
  username?: string;
  /** The user's email. Default `jane.doe@example.com`. */
  email?: string;
}

const CLIENT_ID = '4xmpl7q2dk9zt1h6c3vnb8rw5f';

function common(base: ResolvedBaseOptions, options: CognitoTriggerOptions) {
  return {
    version: '1',
    region: base.region,
    userPoolId: options.userPoolId ?? `${base.region}_XmPl7Q2dK`,
    userName: options.username ?? awsIds.uuid(),
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: options.clientId ?? CLIENT_ID },
  };
}

/** Cognito user pool pre sign-up trigger for a self-service SignUp call. */
export function cognitoPreSignUpEvent(options: CognitoTriggerOptions = {}): PreSignUpEmailTriggerEvent {
  const base = resolveBaseOptions(options);
  return {
    ...common(base, options),
    triggerSource: 'PreSignUp_SignUp',
    request: { userAttributes: { email: options.email ?? 'jane.doe@example.com' } },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  };
}

/** Cognito user pool post confirmation trigger after ConfirmSignUp. */
export function cognitoPostConfirmationEvent(options: CognitoTriggerOptions = {}): PostConfirmationConfirmSignUpTriggerEvent {
  const base = resolveBaseOptions(options);
  const fields = common(base, options);
  // In pools that sign in by email the user name is the `sub`, so they agree by default.
  const sub = options.username === undefined ? fields.userName : awsIds.uuid();
  return {
    ...fields,
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    request: {
      userAttributes: {
        sub,
        email_verified: 'true',
        'cognito:user_status': 'CONFIRMED',
        email: options.email ?? 'jane.doe@example.com',
      },
    },
    response: {},
  };
}
