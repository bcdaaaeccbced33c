/** docs/strict-aws.md lists every rule of the strict layer with its source, and what IAM cannot decide. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { UNDECIDABLE } from "../../automation/emulator/strict/iam/undecidable";
import { STRICT_RULES } from "../../automation/emulator/strict/rules";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";

const doc = readFileSync(join(__dirname, "..", "..", "docs", "strict-aws.md"), "utf8");

describe("docs/strict-aws.md", () => {
  for (const rule of [...STRICT_RULES, ssmAgent])
    it(`lists ${rule.id} with its source`, () => {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${rule.id}\``));
      expect(row, `no table row for ${rule.id}`).to.be.a("string");
      expect(row).to.contain(rule.source.split("#")[0]);
    });

  it("lists every undecidable item of iam/undecidable.ts", () => {
    const section = doc.split("### What the evaluator cannot decide")[1]!.split("\n## ")[0]!;
    const rows = section
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| what") && !l.startsWith("| ---"));
    expect(rows.length).to.equal(UNDECIDABLE.length);
  });
});
