import { expect } from "chai";
import { KnownGoodAmi } from "../../components/known-good-ami";
import { TAG } from "../../facts";
import { ACCOUNT_ID, installMocks, ofType, outputValue, settle } from "../helpers/pulumi-mocks";

describe("KnownGoodAmi", () => {
  it("creates /ir/known-good-ami/<workload> as an aws:ec2:image String parameter tagged with the workload", async () => {
    const resources = await installMocks();
    const k = new KnownGoodAmi("web", { workload: "web", initialAmiId: "ami-0abc1234def567890" });
    await settle(resources);
    const [param] = ofType(resources, "aws:ssm/parameter:Parameter");
    expect(param!.inputs).to.deep.include({
      name: "/ir/known-good-ami/web",
      type: "String",
      dataType: "aws:ec2:image",
    });
    // `value` is a secret-capable input: the mocks see it wrapped.
    const value = param!.inputs.value;
    expect(typeof value === "object" ? value.value : value).to.equal("ami-0abc1234def567890");
    expect(param!.inputs.tags[TAG.workload]).to.equal("web");
    expect(k.parameterName).to.equal("/ir/known-good-ami/web");
    expect(await outputValue(k.parameterArn)).to.equal(
      `arn:aws:ssm:us-east-1:${ACCOUNT_ID}:parameter/ir/known-good-ami/web`,
    );
  });

  it("creates no parameter when the pipeline publishes the first version", async () => {
    const resources = await installMocks();
    new KnownGoodAmi("web", { workload: "web" });
    await settle(resources);
    expect(ofType(resources, "aws:ssm/parameter:Parameter")).to.have.length(0);
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a workload name with upper case or slashes", () => {
      expect(() => new KnownGoodAmi("bad", { workload: "Web/App" })).to.throw(
        'workload name "Web/App" is not valid: expected 1 to 63 lower-case letters, digits or -',
      );
    });
    it("refuses an initial AMI id that is not one", () => {
      expect(() => new KnownGoodAmi("bad", { workload: "web", initialAmiId: "ami-xyz" })).to.throw(
        'initial known-good ami of web "ami-xyz" is not valid: expected ami- followed by 8 or 17 hex digits',
      );
    });
  });
});
