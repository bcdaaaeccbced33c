/** Versions of the tools that produced the evidence (manifest). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

function versionOf(pkg: string): string {
  try {
    const path = require.resolve(`${pkg}/package.json`, { paths: [process.cwd(), __dirname] });
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function toolVersions(): Record<string, string> {
  let own = "unknown";
  try {
    own = (
      JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    // bundled (Lambda): no package.json beside us
  }
  return {
    "ec2-incident-ready": own,
    node: process.version,
    "@aws-sdk/client-ec2": versionOf("@aws-sdk/client-ec2"),
    "@aws-sdk/client-s3": versionOf("@aws-sdk/client-s3"),
  };
}
