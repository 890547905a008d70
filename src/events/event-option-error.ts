/**
 * Raised for anything the caller got wrong (unknown kind, bad option value,
 * bad --set path), so the CLI can tell a usage error from a bug in emu.
 */
export class EventOptionError extends Error {
  override readonly name = 'EventOptionError';
}
