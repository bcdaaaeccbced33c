import { expect } from "chai";
import { GENESIS_HASH, type JournalEntry, sealEntry, verifyChain } from "../../automation/journal/chain";

function chain(n: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 0; seq < n; seq++) {
    const e = sealEntry({
      caseId: "c-1",
      seq,
      at: `2026-01-01T00:00:0${seq}Z`,
      stepId: `s${seq}`,
      event: "ran",
      data: { n: seq },
      prevHash: prev,
    });
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe("journal hash chain", () => {
  it("GIVEN an untouched chain THEN it verifies", () => {
    expect(verifyChain(chain(5))).to.deep.equal({ ok: true });
  });
  it("GIVEN an edited entry THEN the edit is named", () => {
    const c = chain(5);
    c[2] = { ...c[2]!, data: { n: 99 } };
    expect(verifyChain(c)).to.deep.equal({ ok: false, problem: "entry 2 was modified after it was written" });
  });
  it("GIVEN a removed entry THEN the gap is named", () => {
    const c = chain(5);
    c.splice(3, 1);
    expect(verifyChain(c).problem).to.equal("entry 3 is missing (found seq 4 in its place)");
  });
  it("GIVEN a re-sealed forged entry THEN the next link breaks", () => {
    const c = chain(4);
    const { hash: _h, ...rest } = c[1]!;
    c[1] = sealEntry({ ...rest, event: "verified" });
    expect(verifyChain(c).problem).to.equal("entry 2 does not link to entry 1");
  });
  it("hashes do not depend on key order", () => {
    const a = sealEntry({
      caseId: "c",
      seq: 0,
      at: "t",
      stepId: "s",
      event: "e",
      data: { a: 1, b: 2 },
      prevHash: GENESIS_HASH,
    });
    const b = sealEntry({
      caseId: "c",
      seq: 0,
      at: "t",
      stepId: "s",
      event: "e",
      data: { b: 2, a: 1 },
      prevHash: GENESIS_HASH,
    });
    expect(a.hash).to.equal(b.hash);
  });
});
