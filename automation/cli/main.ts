#!/usr/bin/env node
/** Entry point of `ir` (bin/ir.js and `npm run ir` load this file). */
import { run } from "./program";

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ir: internal error: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
