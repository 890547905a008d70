/** emu's programmatic API: run Lambda handlers in real sandboxes from your own tests. */
export { backPressure, createEmulator, DEFAULTS, type Emulator, type EmulatorOptions } from './emulator.js';
export type { InvocationResult, InvocationMetrics, InvocationError, InvokeOptions, SandboxMode } from './supervisor/index.js';
export type { ResponseStream, StreamEnding } from './supervisor/index.js';
export type { PeakRssMethod } from './measure/index.js';
export { ErrorTypes, EmuError, type ErrorType } from './errors/index.js';
export * from './events/index.js';
export type { CredentialsProvider, LoggingConfig, SandboxCredentials } from './sandbox/function-config.js';
