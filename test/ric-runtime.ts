// AWS's Node.js runtime interface client (aws-lambda-ric, installed by `npm ci --prefix conformance/ric`)
// as a custom runtime: a layer folder whose bootstrap execs this Node on RIC's entry point.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RIC_PACKAGE = fileURLToPath(new URL('../conformance/ric/node_modules/aws-lambda-ric/', import.meta.url));
const RIC_ENTRY = path.join(RIC_PACKAGE, 'bin', 'index.mjs');
// The native Runtime API client RIC builds on install (curl, libtool and friends): without it RIC cannot start.
const RIC_NATIVE = path.join(RIC_PACKAGE, 'dist', 'rapid-client.node');

/** Why RIC cannot run here, or undefined when it can. */
export function ricUnavailableReason(): string | undefined {
  if (!existsSync(RIC_ENTRY)) return `aws-lambda-ric is not installed (${RIC_ENTRY}): run npm ci --prefix conformance/ric, which needs autoconf automake libtool`;
  if (!existsSync(RIC_NATIVE)) return `aws-lambda-ric's native client was not built (${RIC_NATIVE}): install autoconf automake libtool and rerun npm ci --prefix conformance/ric`;
  return undefined;
}

/** The installed RIC's version, from its package.json. */
export function ricVersion(): string {
  return (JSON.parse(readFileSync(path.join(RIC_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Writes into `dir` a layer whose bootstrap starts RIC on the function's handler, as RIC's README
 * starts it (`npx aws-lambda-ric $_HANDLER`, here without npx's start-up). RIC loads the handler
 * from its working directory, which emu makes the code folder.
 */
export function writeRicLayer(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const bootstrap = path.join(dir, 'bootstrap');
  writeFileSync(bootstrap, `#!/bin/sh\nexec '${process.execPath}' '${RIC_ENTRY}' "$_HANDLER"\n`);
  chmodSync(bootstrap, 0o755);
  return dir;
}
