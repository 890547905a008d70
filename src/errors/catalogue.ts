/**
 * Every AWS errorType string emu produces or recognises, in one place, so that
 * a typo cannot invent a new error type. Values are AWS's own spelling.
 */
export const ErrorTypes = {
  timedOut: 'Sandbox.Timedout',
  exitError: 'Runtime.ExitError',
  outOfMemory: 'Runtime.OutOfMemory',
  responseSizeTooLarge: 'Function.ResponseSizeTooLarge',
  importModuleError: 'Runtime.ImportModuleError',
  handlerNotFound: 'Runtime.HandlerNotFound',
  malformedHandlerName: 'Runtime.MalformedHandlerName',
  userCodeSyntaxError: 'Runtime.UserCodeSyntaxError',
  unhandledPromiseRejection: 'Runtime.UnhandledPromiseRejection',
  nodeJsExit: 'Runtime.NodeJsExit',
  invalidEntrypoint: 'Runtime.InvalidEntrypoint',
  invalidResponseModeHeader: 'Runtime.InvalidResponseModeHeader',
  /** A streamed response cut before its end (RIE's fatalerror.TruncatedResponse). */
  truncatedResponse: 'Runtime.TruncatedResponse',
  unknown: 'Runtime.Unknown',
  functionUnknown: 'Function.Unknown',
  // The Runtime API's own answers to a misbehaving runtime.
  invalidRequestId: 'InvalidRequestID',
  invalidStateTransition: 'InvalidStateTransition',
  requestEntityTooLarge: 'RequestEntityTooLarge',
} as const;

export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];

/** AWS's sync Invoke limit as the Runtime API enforces it: 6 MiB + 100 bytes. */
export const MAX_RESPONSE_BYTES = 6_291_556;
