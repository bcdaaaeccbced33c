/** Choosing the AMI to rebuild from, across known-good parameter histories. */
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { type AmiVersion, knownGoodHistory, pickKnownGood } from "../../automation/recover/known-good-ami";
import { motoClients, useMoto } from "../helpers/moto";

const PARAM = "/ir/known-good-ami/web";
const at = (iso: string) => new Date(iso);
const v = (version: number, amiId: string, iso: string): AmiVersion => ({
  version,
  amiId,
  publishedAt: at(iso),
});
const HISTORY = [
  v(1, "ami-0000000000000000a", "2026-10-01T00:00:00Z"),
  v(2, "ami-0000000000000000b", "2026-11-01T00:00:00Z"),
  v(3, "ami-0000000000000000c", "2026-11-28T04:00:00Z"), // published after the compromise began
];

describe("known-good AMI selection", () => {
  it("GIVEN versions before and after the compromise THEN it picks the newest one before, and lists the ignored ones", () => {
    const picked = pickKnownGood(PARAM, HISTORY, { before: at("2026-11-28T02:58:00Z") });
    expect(picked.ami.amiId).to.equal("ami-0000000000000000b");
    expect(picked.ignoredAfter.map((x) => x.amiId)).to.deep.equal(["ami-0000000000000000c"]);
    expect(picked.reason).to.include("version 2");
  });

  it("GIVEN the newest pre-compromise AMI is the instance's own THEN it refuses, naming the older one and the overrides", () => {
    expect(() =>
      pickKnownGood(PARAM, HISTORY, {
        before: at("2026-11-28T02:58:00Z"),
        compromisedAmiId: "ami-0000000000000000b",
      }),
    ).to.throw(
      /is the compromised instance's own AMI.*pass --ami ami-0000000000000000a to use it, or --allow-ami/,
    );
  });

  it("GIVEN --allow-ami THEN it accepts the instance's own AMI", () => {
    const picked = pickKnownGood(PARAM, HISTORY, {
      before: at("2026-11-28T02:58:00Z"),
      compromisedAmiId: "ami-0000000000000000b",
      allowCompromisedAmi: true,
    });
    expect(picked.ami.amiId).to.equal("ami-0000000000000000b");
  });

  it("GIVEN every version is newer than the compromise THEN it refuses, saying when the history starts", () => {
    expect(() => pickKnownGood(PARAM, HISTORY, { before: at("2026-09-01T00:00:00Z") })).to.throw(
      /no version of "\/ir\/known-good-ami\/web" was published before the compromise began \(2026-09-01T00:00:00.000Z\): its 3 version\(s\) start at 2026-10-01/,
    );
  });

  it("GIVEN an invalid compromise time THEN it says how to pass one", () => {
    expect(() => pickKnownGood(PARAM, HISTORY, { before: new Date("yesterday") })).to.throw(
      /pass --before as ISO-8601 UTC/,
    );
  });

  describe("against the emulator's SSM parameter history", () => {
    let ssm: ReturnType<typeof motoClients>["ssm"];
    before(async () => {
      ssm = motoClients(await useMoto()).ssm;
    });

    it("reads every version across pages, oldest first, skipping values that are not AMI ids", async () => {
      for (let i = 1; i <= 55; i++) {
        const value = i === 7 ? "not-an-ami" : `ami-${i.toString(16).padStart(17, "0")}`;
        await ssm.send(
          new PutParameterCommand({ Name: PARAM, Value: value, Type: "String", Overwrite: i > 1 }),
        );
      }
      const history = await knownGoodHistory(ssm, PARAM);
      expect(history).to.have.length(54);
      expect(history[0]).to.include({ version: 1, amiId: "ami-00000000000000001" });
      expect(history.at(-1)).to.include({ version: 55, amiId: "ami-00000000000000037" });
      expect(history.map((h) => h.version)).to.not.include(7);
      // The picked version is the newest published before a time taken between versions 40 and 41.
      const cut = new Date((history[38].publishedAt.getTime() + history[39].publishedAt.getTime()) / 2);
      expect(history[38].publishedAt.getTime()).to.be.below(history[39].publishedAt.getTime());
      expect(pickKnownGood(PARAM, history, { before: cut }).ami.version).to.equal(40);
    });

    it("explains a missing parameter", async () => {
      let error: Error | undefined;
      await knownGoodHistory(ssm, "/ir/known-good-ami/nope").catch((e) => {
        error = e;
      });
      expect(error?.message).to.match(
        /known-good AMI parameter "\/ir\/known-good-ami\/nope" does not exist: publish/,
      );
    });
  });
});
