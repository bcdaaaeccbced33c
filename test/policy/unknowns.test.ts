/**
 * Property test: preview-time unknowns never crash a policy and never create a false violation.
 * For every case of every spec, each leaf value (and each object/array) is replaced, one at a time,
 * by the engine's unknown sentinel; compliant cases must stay free of mandatory violations and no
 * case may throw.
 */
import { expect } from "chai";
import type { ResourceInput } from "../../policy/lib/run";
import "./cases/compute";
import "./cases/fleet";
import "./cases/identity";
import "./cases/logging";
import "./cases/network";
import "./cases/peer-classes";
import "./cases/storage";
import { policies } from "../../policy/policies";
import { checkAll, SPECS, UNKNOWN } from "./harness";

/** All paths to values inside props (objects, arrays and leaves). */
function paths(v: unknown, base: string[] = []): string[][] {
  const out: string[][] = [];
  if (v && typeof v === "object") {
    for (const [k, child] of Object.entries(v)) {
      out.push([...base, k]);
      out.push(...paths(child, [...base, k]));
    }
  }
  return out;
}

function replaced(props: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(props));
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k];
  cur[path[path.length - 1]] = UNKNOWN;
  return copy;
}

/** Exemption tags are excluded: an unknown tag map legitimately turns violations into notes only. */
const relevant = (p: string[]) => p[0] !== "tags";

describe("policy pack: preview-time unknowns", () => {
  it("has cases to mutate", () => expect(SPECS.length).to.be.greaterThan(30));

  it("every policy has at least one compliant and one non-compliant case", () => {
    for (const p of policies) {
      const specs = SPECS.filter((s) => s.policy === p.name);
      expect(
        specs.flatMap((s) => s.compliant),
        `${p.name}: compliant cases`,
      ).to.not.be.empty;
      expect(
        specs.flatMap((s) => s.noncompliant),
        `${p.name}: non-compliant cases`,
      ).to.not.be.empty;
    }
  });

  for (const spec of SPECS) {
    it(`${spec.policy}: no crash and no false violation with any single value unknown`, async () => {
      const all = [
        ...spec.compliant.map((c) => ({ c, compliant: true })),
        ...spec.noncompliant.map((c) => ({ c, compliant: false })),
      ];
      for (const { c, compliant } of all) {
        for (let i = 0; i < c.resources.length; i++) {
          const variants = [[], ...paths(c.resources[i].props).filter(relevant)];
          for (const path of variants) {
            const props = path.length
              ? replaced(c.resources[i].props, path)
              : Object.fromEntries(Object.keys(c.resources[i].props).map((k) => [k, UNKNOWN]));
            const resources: ResourceInput[] = c.resources.map((r, j) => (j === i ? { ...r, props } : r));
            const v = await checkAll(spec.policy, resources, c.config);
            if (compliant)
              expect(
                v.violations,
                `${c.title} with ${path.join(".") || "every top-level value"} unknown`,
              ).to.deep.equal([]);
          }
        }
      }
    });
  }
});
