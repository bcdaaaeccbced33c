/**
 * Rule ec2-deprecated-ami-hidden: a deprecated AMI the caller does not own is left out of DescribeImages
 * unless asked for (IncludeDeprecated) or named; EnableImageDeprecation / DisableImageDeprecation (an HTML
 * 500 in moto) work, and images carry their DeprecationTime.
 */
import {
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DisableImageDeprecationCommand,
  EnableImageDeprecationCommand,
  RegisterImageCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import {
  ec2DeprecatedAmiHidden,
  setImageDeprecation,
} from "../../automation/emulator/strict/rules/ec2-deprecated-ami-hidden";
import { TEST_REGION } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const MINUTE = 60_000;

describe("strict rule ec2-deprecated-ami-hidden", () => {
  let l: RuleLayer;
  let amazonAmi: string;
  let ownAmi: string;
  const ids = async (input: DescribeImagesCommandInput) =>
    ((await l.admin.ec2.send(new DescribeImagesCommand(input))).Images ?? []).map((i) => i.ImageId!);
  // Listing every Amazon image takes moto seconds: the checks filter on the one image (a filter, not a name).
  const amazon = (extra: DescribeImagesCommandInput = {}) =>
    ids({ Owners: ["amazon"], Filters: [{ Name: "image-id", Values: [amazonAmi] }], ...extra });
  const image = async (imageId: string) =>
    (await l.admin.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;

  before(async () => {
    l = await startRuleLayer([ec2DeprecatedAmiHidden]);
    amazonAmi = (await ids({ Owners: ["amazon"] }))[0]!;
    ownAmi = (
      await l.admin.ec2.send(
        new RegisterImageCommand({
          Name: "golden-2026.10.12",
          Architecture: "x86_64",
          RootDeviceName: "/dev/xvda",
          VirtualizationType: "hvm",
          BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8 } }],
        }),
      )
    ).ImageId!;
  });
  after(() => l.stop());

  it("hides a deprecated Amazon AMI from listings, shows it when asked for or named", async () => {
    expect(await amazon()).to.include(amazonAmi);
    // Amazon deprecated this image an hour ago.
    setImageDeprecation(l.layer.ctx, TEST_REGION, amazonAmi, l.layer.ctx.now() - 60 * MINUTE);
    expect(await amazon()).to.not.include(amazonAmi);
    expect(await amazon({ IncludeDeprecated: true })).to.include(amazonAmi);
    const named = await image(amazonAmi);
    expect(Date.parse(named.DeprecationTime!)).to.be.below(l.layer.ctx.now());
    await l.admin.ec2.send(new DisableImageDeprecationCommand({ ImageId: amazonAmi }));
    expect(await amazon()).to.include(amazonAmi);
    expect((await image(amazonAmi)).DeprecationTime).to.equal(undefined);
  });

  it("EnableImageDeprecation schedules a deprecation (rounded to the minute); owners still see their AMI", async () => {
    const at = new Date(Math.floor(l.layer.ctx.now() / MINUTE) * MINUTE + 10 * MINUTE + 40_000);
    const res = await l.admin.ec2.send(
      new EnableImageDeprecationCommand({ ImageId: ownAmi, DeprecateAt: at }),
    );
    expect(res.Return).to.equal(true);
    expect((await image(ownAmi)).DeprecationTime).to.equal(new Date(at.getTime() + 20_000).toISOString());
    l.layer.advanceClock(12 * MINUTE);
    expect(await ids({ Owners: ["self"] })).to.include(ownAmi);
  });

  it("refuses a deprecation time in the past and an unknown image", async () => {
    const name = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: Error) => e.name,
      );
    const past = new Date(l.layer.ctx.now() - 10 * MINUTE);
    expect(
      await name(l.admin.ec2.send(new EnableImageDeprecationCommand({ ImageId: ownAmi, DeprecateAt: past }))),
    ).to.equal("InvalidParameterValue");
    expect(
      await name(l.admin.ec2.send(new DisableImageDeprecationCommand({ ImageId: "ami-12345678" }))),
    ).to.equal("InvalidAMIID.NotFound");
  });
});
