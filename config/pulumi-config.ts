import * as pulumi from "@pulumi/pulumi";
import { type BaselineConfig, readConfig } from "./read";

/** Reads the stack's configuration through Pulumi (arrays arrive as JSON strings) and validates it. */
export function loadBaselineConfig(): BaselineConfig {
  const config = new pulumi.Config();
  return readConfig((key) => config.get(key), pulumi.getProject());
}
