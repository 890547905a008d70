/**
 * Random bytes from the kernel's generator (/dev/urandom, which OpenSSL, and so node:crypto,
 * draws on too), read 4 KB at a time and handed out once each: the ids every invocation needs
 * (request, trace, sandbox, log stream, the ids in events). node:crypto itself is ~3.5 ms of
 * module loading, which a one-shot `emu run` would pay before its sandbox gets its launch.
 * Where the device cannot be read, node:crypto fills the pool.
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function fill(buffer: Buffer): void {
  if (!readDevice(buffer)) randomFillSync(buffer);
}

function readDevice(buffer: Buffer): boolean {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    for (let filled = 0; filled < buffer.length; ) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read <= 0) return false;
      filled += read;
    }
    return true;
  } catch {
    return false; // no such device (not Linux or macOS, a bare chroot): node:crypto's turn
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** count fresh bytes, a view into the pool (or, past its size, a buffer of their own): read them before the next call. */
function take(count: number): Buffer {
  if (count > POOL_BYTES) {
    const own = Buffer.alloc(count);
    fill(own);
    return own;
  }
  if (offset + count > POOL_BYTES) {
    fill(pool);
    offset = 0;
  }
  offset += count;
  return pool.subarray(offset - count, offset);
}

/** count fresh random bytes as text in encoding. */
export function randomText(count: number, encoding: 'hex' | 'base64'): string {
  return take(count).toString(encoding);
}

/** A random (version 4) UUID, lower-case, as crypto.randomUUID() gives it. */
export function randomUuid(): string {
  const bytes = take(16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
