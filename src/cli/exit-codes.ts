/** emu's exit codes: few, stable, documented in the README. */
export const ExitCode = {
  success: 0,
  functionError: 1,
  usage: 2,
  internal: 3,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
