import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { SCHEMA } from "../../config/schema";
import { pulumiYaml, readmeWithTable } from "../../scripts/gen-config";
import { ROOT } from "../helpers/program";

describe("generated config documentation", () => {
  it("Pulumi.yaml's typed schema is current with config/schema.ts (run npm run gen:config)", () => {
    expect(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).to.equal(pulumiYaml());
  });

  it("README's config table is current with config/schema.ts (run npm run gen:config)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).to.equal(readmeWithTable(readme));
  });

  it("declares a type, description and default for every key", () => {
    const config = parse(pulumiYaml()).config as Record<string, any>;
    expect(Object.keys(config)).to.deep.equal(Object.keys(SCHEMA));
    for (const [key, spec] of Object.entries(config)) {
      expect(spec.type, key).to.be.oneOf(["string", "integer", "boolean", "array"]);
      expect(spec.description, key).to.be.a("string").with.length.above(10);
      expect(spec, key).to.have.property("default");
    }
  });

  it("Pulumi.prod.yaml sets only known keys, and is valid", () => {
    const stack = parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")).config as Record<
      string,
      unknown
    >;
    for (const key of Object.keys(stack).filter((k) => k.startsWith("incident-ready:")))
      expect(Object.keys(SCHEMA), key).to.include(key.slice("incident-ready:".length));
  });
});
