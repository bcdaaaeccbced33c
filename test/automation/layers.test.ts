/**
 * The layers of automation/ point one way (README "Architecture"): the ground floor (clients, engine,
 * journal, case context, input, settings, facts) imports nothing above it; evidence storage sits on it;
 * steps import only those; playbooks never import a command. A file that breaks a rule is named with the
 * import that breaks it.
 */

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { expect } from "chai";

const ROOT = join(__dirname, "..", "..");
const AUTOMATION = join(ROOT, "automation");

/** Top folders of automation/ by floor; `facts` is the repository's facts/ folder (shared with Pulumi). */
const GROUND = ["aws", "engine", "journal", "case", "input", "settings", "ssm-documents", "facts"];
const RULES: { layer: string; from: string[]; mayImport: string[] }[] = [
  { layer: "ground floor", from: GROUND, mayImport: GROUND },
  { layer: "evidence", from: ["evidence"], mayImport: [...GROUND, "evidence"] },
  { layer: "steps", from: ["steps"], mayImport: [...GROUND, "evidence", "steps"] },
];
/** Commands: what a person or a function runs. Playbooks and steps never reach up into them. */
const COMMANDS = ["respond", "cli", "lambda", "gameday", "report"];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The top folder a path is in: automation/<folder>/..., or "facts" for the repository's facts/. */
function folderOf(path: string): string {
  const rel = relative(ROOT, path).split("/");
  return rel[0] === "automation" ? (rel[1] ?? "") : rel[0]!;
}

function importsOf(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from\s+|import\()["'](\.[^"']*)["']/g)].map((m) => ({
    spec: m[1]!,
    folder: folderOf(normalize(join(dirname(file), m[1]!))),
  }));
}

describe("automation layers: imports point down", () => {
  const files = tsFiles(AUTOMATION);

  for (const rule of RULES) {
    it(`${rule.layer} (${rule.from.join(", ")}) imports only ${rule.mayImport.join(", ")}`, () => {
      const bad = files
        .filter((f) => rule.from.includes(folderOf(f)))
        .flatMap((f) =>
          importsOf(f)
            .filter((i) => !rule.mayImport.includes(i.folder))
            .map((i) => `${relative(ROOT, f)} imports ${i.spec}`),
        );
      expect(bad).to.deep.equal([]);
    });
  }

  it("playbooks never import a command", () => {
    const bad = files
      .filter((f) => folderOf(f) === "playbooks")
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => COMMANDS.includes(i.folder))
          .map((i) => `${relative(ROOT, f)} imports ${i.spec}`),
      );
    expect(bad).to.deep.equal([]);
  });

  it("the rules see every import (a file of a ground-floor folder is found, with its imports)", () => {
    const journal = files.filter((f) => folderOf(f) === "journal");
    expect(journal.length).to.be.greaterThan(3);
    expect(journal.flatMap(importsOf).some((i) => i.folder === "engine")).to.equal(true);
  });
});
