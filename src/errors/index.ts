export { ErrorTypes, MAX_RESPONSE_BYTES, type ErrorType } from './catalogue.js';
export { EmuError, usageError, internalError, type EmuErrorKind } from './emu-error.js';
