#!/usr/bin/env node
/** Entry point of `ir` (bin/ir.js and `npm run ir` load this file). */
import { run } from "./program";

// Keeps the process alive while the run is pending: a call whose connection died without settling must
// end in a bounded step timeout and a report, never in a silent exit.
const heartbeat = setInterval(() => undefined, 1000);

run(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ir: internal error: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => clearInterval(heartbeat));
