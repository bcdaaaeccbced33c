/**
 * The code archive of one of the project's functions: its handler bundled with esbuild
 * (scripts/bundle-lambda.ts) into a temporary directory, once per program run, so a preview needs no
 * pre-built file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { bundleHandler } from "../scripts/bundle-lambda";

const archives = new Map<string, pulumi.asset.Archive>();

/** `name`: the function's (the temporary directory's prefix); `entry`: its handler's source file. */
export function bundledCode(name: string, entry: string): pulumi.asset.Archive {
  let archive = archives.get(entry);
  if (!archive) {
    const { outfile } = bundleHandler(entry, mkdtempSync(join(tmpdir(), `${name}-`)));
    archive = new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.FileAsset(outfile) });
    archives.set(entry, archive);
  }
  return archive;
}
