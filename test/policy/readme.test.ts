import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ruleTable } from "../../policy/check/rule-table";

describe("policy/README.md", () => {
  it("contains the current rule table (regenerate with policy/check/rule-table.ts)", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "policy", "README.md"), "utf8");
    expect(readme).to.include(ruleTable());
  });
});
