/**
 * Bundles the auto-containment handler (automation/lambda/handler.ts) into one CommonJS file for the
 * Lambda nodejs22.x runtime: `npm run bundle:lambda` writes dist/lambda/auto-contain/index.js and prints
 * its size. The baseline calls `bundleAutoContainment` at program time, so a preview needs no pre-built file.
 *
 * The AWS SDK v3 is bundled, not marked external: the runtime's SDK is whatever version AWS shipped
 * last, while the engine was tested with the versions pinned in package.json (and relies on their
 * @smithy/node-http-handler options: request timeouts, socket caps). Bundling makes the function run
 * exactly the code the tests ran, at the cost of a larger file (measured: see the printed size).
 */
import { mkdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildSync } from "esbuild";

export const ROOT = join(__dirname, "..");
export const HANDLER_ENTRY = join(ROOT, "automation", "lambda", "handler.ts");
export const DEFAULT_OUTDIR = join(ROOT, "dist", "lambda", "auto-contain");

export interface BundleResult {
  /** The bundle: `index.js`, whose `handler` export is the function's entry point (`index.handler`). */
  outfile: string;
  bytes: number;
  /** Every bundled input file (relative to the repository): what the function contains. */
  inputs: string[];
}

/** Builds the bundle into `outdir` (created when missing). Throws esbuild's errors, naming the file. */
export function bundleAutoContainment(outdir: string = DEFAULT_OUTDIR): BundleResult {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.js");
  const result = buildSync({
    entryPoints: [HANDLER_ENTRY],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // Minified to cut cold-start parse time; names kept because the engine and the SDK read error names.
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: ROOT,
  });
  return {
    outfile,
    bytes: statSync(outfile).size,
    inputs: Object.keys(result.metafile?.inputs ?? {}).sort(),
  };
}

if (require.main === module) {
  const outdir = process.argv[2] ?? DEFAULT_OUTDIR;
  const started = Date.now();
  const r = bundleAutoContainment(outdir);
  const mb = (r.bytes / 1024 / 1024).toFixed(2);
  process.stdout.write(
    `bundled ${relative(ROOT, HANDLER_ENTRY)} -> ${relative(process.cwd(), r.outfile)}: ${r.bytes} bytes (${mb} MiB), ${r.inputs.length} input files, ${Date.now() - started} ms\n`,
  );
}
