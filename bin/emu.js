#!/usr/bin/env node
// The emu CLI's process boundary. The CLI is one esbuild bundle (dist/cli-bundle) because
// Node's ESM loader costs ~1 ms per file and execa alone is ~150 files: a one-shot
// `emu run` pays for every module it loads before its sandbox can start.
import { main } from '../dist/cli-bundle/main.js';

// Writes to pipes and files are synchronous on Linux and macOS, so exiting here loses no output.
process.exit(await main(process.argv.slice(2)));
