/**
 * The untrack window: at most `size` ENIs of one response in the all-open untrack group at once; a case
 * waits for slots its predecessors' isolation gives back, and gives up (taking nothing, ever) after the
 * bounded wait, so a late grant can never open an ENI after its case moved on.
 */
import { expect } from "chai";
import { UntrackWindow } from "../../automation/steps/untrack-window";

describe("untrack window", () => {
  it("admits up to its size at once; the next case waits until an isolation gives slots back", async () => {
    const w = new UntrackWindow(3, 1_000);
    expect(await w.enter("a", 2)).to.equal(true);
    expect(await w.enter("b", 1)).to.equal(true);
    let cGot: boolean | undefined;
    const c = w.enter("c", 2).then((ok) => (cGot = ok));
    await new Promise((r) => setTimeout(r, 20));
    expect(cGot).to.equal(undefined);
    expect(w.open).to.equal(3);
    w.leave("a");
    await c;
    expect(cGot).to.equal(true);
    expect(w.open).to.equal(3);
  });

  it("a case that cannot get slots in time gives up, and a later release never grants it", async () => {
    const w = new UntrackWindow(1, 50);
    expect(await w.enter("a", 1)).to.equal(true);
    expect(await w.enter("b", 1)).to.equal(false);
    w.leave("a");
    expect(w.open).to.equal(0);
  });

  it("an instance with more ENIs than the window takes the window whole", async () => {
    const w = new UntrackWindow(2, 50);
    expect(await w.enter("big", 5)).to.equal(true);
    expect(w.open).to.equal(2);
    w.leave("big");
    w.leave("unknown");
    expect(w.open).to.equal(0);
  });
});
