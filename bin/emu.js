#!/usr/bin/env node
// The emu CLI. Kept to one import so that a one-shot `emu run` starts its sandbox early.
import { main } from '../dist/cli/main.js';

// Writes to pipes and files are synchronous on Linux and macOS, so exiting here loses no output.
process.exit(await main(process.argv.slice(2)));
