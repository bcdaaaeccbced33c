#!/usr/bin/env node
// `ir` as an installed bin (`npx ir ...`): registers ts-node (transpile only) and runs the TypeScript CLI.
"use strict";
const path = require("node:path");

require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
require(path.join(__dirname, "..", "automation", "cli", "main.ts"));
