/**
 * Loads the baseline program (index.ts) under Pulumi mocks with a stack's configuration, the way
 * `pulumi preview` would, and returns every resource it registered.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { installMocks, type MockOptions, type RecordedResource, settle } from "./pulumi-mocks";

export const ROOT = join(__dirname, "..", "..");
const PROGRAM = join(ROOT, "index.ts");

/** A stack file's config as Pulumi hands it to the program: every value a string, lists as JSON. */
export function stackConfig(stack: string): Record<string, string> {
  const doc = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return toConfigMap(doc.config ?? {});
}

export function toConfigMap(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

export interface LoadedProgram {
  resources: RecordedResource[];
  /** Region of the explicit provider each resource was registered with (undefined: default provider). */
  regionOf(r: RecordedResource): string | undefined;
}

/**
 * Runs index.ts with the given config (fully qualified keys, "incident-ready:regions"...). Throws what
 * the program throws (configuration errors).
 */
export async function loadProgram(
  config: Record<string, string>,
  options: MockOptions = {},
): Promise<LoadedProgram> {
  const resources = await installMocks({ region: config["aws:region"], ...options });
  pulumi.runtime.setAllConfig(config);
  delete require.cache[require.resolve(PROGRAM)];
  require(PROGRAM);
  await settle(resources);
  const providerRegion = new Map(
    resources
      .filter((r) => r.type === "pulumi:providers:aws")
      .map((p) => [`${p.urn}::${p.id}`, p.inputs.region as string]),
  );
  return {
    resources,
    regionOf: (r) => (r.provider ? providerRegion.get(r.provider) : undefined),
  };
}
