#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm install` via `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Diagnostics are values; reaching here means a bug in dialplane itself, not bad input.
    process.stderr.write(`dialplane: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
