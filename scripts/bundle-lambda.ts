/**
 * Bundles the project's Lambda handlers into one CommonJS file each for the nodejs22.x runtime: the
 * auto-containment handler (automation/lambda/handler.ts) and the role writer
 * (automation/role-writer/handler.ts). `npm run bundle:lambda` writes dist/lambda/<name>/index.js for
 * both and prints their sizes. The baseline bundles at program time, so a preview needs no pre-built file.
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
export const ROLE_WRITER_ENTRY = join(ROOT, "automation", "role-writer", "handler.ts");
export const ROLE_WRITER_OUTDIR = join(ROOT, "dist", "lambda", "role-writer");

export interface BundleResult {
  /** The bundle: `index.js`, whose `handler` export is the function's entry point (`index.handler`). */
  outfile: string;
  bytes: number;
  /** Every bundled input file (relative to the repository): what the function contains. */
  inputs: string[];
}

/** Builds the auto-containment bundle into `outdir` (created when missing). */
export function bundleAutoContainment(outdir: string = DEFAULT_OUTDIR): BundleResult {
  return bundleHandler(HANDLER_ENTRY, outdir);
}

/** Builds the role writer's bundle into `outdir` (created when missing). */
export function bundleRoleWriter(outdir: string = ROLE_WRITER_OUTDIR): BundleResult {
  return bundleHandler(ROLE_WRITER_ENTRY, outdir);
}

/** Builds one handler's bundle into `outdir`. Throws esbuild's errors, naming the file. */
export function bundleHandler(entry: string, outdir: string): BundleResult {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.js");
  const result = buildSync({
    entryPoints: [entry],
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
  // `npm run bundle:lambda [outdir]`: each function in <outdir>/<name>/index.js.
  const root = process.argv[2] ?? join(ROOT, "dist", "lambda");
  for (const [name, entry] of [
    ["auto-contain", HANDLER_ENTRY],
    ["role-writer", ROLE_WRITER_ENTRY],
  ] as const) {
    const started = Date.now();
    const r = bundleHandler(entry, join(root, name));
    const mb = (r.bytes / 1024 / 1024).toFixed(2);
    process.stdout.write(
      `bundled ${relative(ROOT, entry)} -> ${relative(process.cwd(), r.outfile)}: ${r.bytes} bytes (${mb} MiB), ${r.inputs.length} input files, ${Date.now() - started} ms\n`,
    );
  }
}
