/**
 * Which preview steps `recover --via pulumi` may apply (judgePreview), read like a specification:
 * GIVEN a preview, THEN what `up` targets and what is refused, and why. Also how an engine event
 * becomes a preview step (previewStepOf).
 */
import type { StepEventMetadata } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import {
  type ContainedInstance,
  describeRefusal,
  judgePreview,
  type PreviewStep,
  UNKNOWN,
} from "../../automation/recover/pulumi-preview";
import { previewStepOf } from "../../automation/recover/pulumi-workload";

const AMI = "ami-0123456789abcdef0";
const OLD_AMI = "ami-0fedcba9876543210";
const C: ContainedInstance = {
  instanceId: "i-0aaaaaaaaaaaaaaaa",
  eniIds: ["eni-0aaaaaaaaaaaaaaaa"],
  addresses: ["10.0.0.5"],
  profileArn: "arn:aws:iam::123456789012:instance-profile/web-profile",
  profileName: "web-profile",
  roleName: "web-role",
  allocationIds: ["eipalloc-0aaaaaaaaaaaaaaaa"],
};
const urn = (type: string, name: string) => `urn:pulumi:prod::web::${type}::${name}`;
const INSTANCE = "aws:ec2/instance:Instance";
const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";

const step = (s: Partial<PreviewStep> & Pick<PreviewStep, "type" | "op">): PreviewStep => ({
  urn: urn(s.type, "r"),
  changed: [],
  unknown: [],
  ...s,
});

describe("the preview recovery may apply (judgePreview)", () => {
  it("1. the contained instance replaced for its AMI: refused, pulumi would delete it before the gate; the fix names the URN", () => {
    const u = urn(INSTANCE, "web-solo");
    const steps = ["create-replacement", "replace", "delete-replaced"].map((op) =>
      step({ urn: u, type: INSTANCE, op, changed: op === "replace" ? ["ami"] : [], id: C.instanceId }),
    );
    const v = judgePreview(steps, C, AMI);
    expect(v.targets).to.deep.equal([]);
    expect(v.refused).to.have.length(1);
    expect(v.refused[0]!.why).to.equal(
      `pulumi would delete the contained instance ${C.instanceId} (replace), before the health gate and the evidence check`,
    );
    expect(describeRefusal('stack "prod"', "/w", v, C)).to.include(
      `\`pulumi state delete '${u}' --target-dependents\` in /w`,
    );
  });

  it("2. a registration of the contained instance (its address) created again: refused as its target registration", () => {
    const v = judgePreview(
      [step({ type: ATTACHMENT, op: "create", changed: ["targetId"], inputs: { targetId: "10.0.0.5" } })],
      C,
      AMI,
    );
    expect(v.refused.map((r) => r.why)).to.deep.equal([
      `changes its target registration (${C.instanceId}): applying it undoes containment`,
    ]);
  });

  it("3. its instance profile's role changed by the program: refused, naming the role", () => {
    const v = judgePreview(
      [step({ type: "aws:iam/role:Role", op: "update", changed: ["inlinePolicies"], id: "web-role" })],
      C,
      AMI,
    );
    expect(v.refused[0]!.why).to.equal(`changes its role (${C.instanceId}): applying it undoes containment`);
  });

  it("4. a change the AMI does not explain (a security group rule): refused as an undeployed program change", () => {
    const v = judgePreview(
      [step({ type: "aws:ec2/securityGroup:SecurityGroup", op: "update", changed: ["ingress"], id: "sg-1" })],
      C,
      AMI,
    );
    expect(v.refused[0]).to.deep.include({
      op: "update",
      properties: ["ingress"],
      why: "the AMI does not explain this change: an undeployed program change",
    });
  });

  it("5. a new instance on the selected AMI and its registration (target unknown until it exists): applied", () => {
    const steps = [
      step({
        urn: urn(INSTANCE, "web-2"),
        type: INSTANCE,
        op: "create",
        changed: ["ami"],
        inputs: { ami: AMI },
      }),
      step({
        urn: urn(ATTACHMENT, "web-2"),
        type: ATTACHMENT,
        op: "create",
        changed: ["targetId"],
        unknown: ["targetId"],
        inputs: { targetId: UNKNOWN },
      }),
    ];
    expect(judgePreview(steps, C, AMI)).to.deep.equal({
      targets: [urn(INSTANCE, "web-2"), urn(ATTACHMENT, "web-2")],
      refused: [],
    });
  });

  it("6. a new instance on another AMI: refused (not capacity on the selected AMI)", () => {
    const v = judgePreview([step({ type: INSTANCE, op: "create", inputs: { ami: OLD_AMI } })], C, AMI);
    expect(v.refused[0]!.why).to.match(/creates a resource that is not capacity on the selected AMI/);
  });

  it("7. a launch template's image and the group's version that follows it (unknown): applied", () => {
    const steps = [
      step({
        urn: urn("aws:ec2/launchTemplate:LaunchTemplate", "lt"),
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        op: "update",
        changed: ["imageId"],
        inputs: { imageId: AMI, iamInstanceProfile: { arn: C.profileArn } },
        old: { imageId: OLD_AMI, iamInstanceProfile: { arn: C.profileArn } },
      }),
      step({
        urn: urn("aws:autoscaling/group:Group", "asg"),
        type: "aws:autoscaling/group:Group",
        op: "update",
        changed: ["launchTemplate"],
        unknown: ["launchTemplate"],
        inputs: { launchTemplate: { id: "lt-1", version: UNKNOWN } },
      }),
    ];
    expect(judgePreview(steps, C, AMI).targets).to.have.length(2);
  });

  it("8. a sibling instance replaced for the AMI (three steps of one URN): one target", () => {
    const u = urn(INSTANCE, "web-2");
    const steps = ["create-replacement", "replace", "delete-replaced"].map((op) =>
      step({
        urn: u,
        type: INSTANCE,
        op,
        changed: op === "replace" ? ["ami"] : [],
        id: "i-0bbbbbbbbbbbbbbbb",
      }),
    );
    expect(judgePreview(steps, C, AMI)).to.deep.equal({ targets: [u], refused: [] });
  });

  it("9. a value that changes and names the contained instance's address (a DNS record): refused", () => {
    const v = judgePreview(
      [
        step({
          type: "aws:route53/record:Record",
          op: "update",
          changed: ["records"],
          inputs: { records: ["10.0.0.9"] },
          old: { records: ["10.0.0.5"] },
        }),
      ],
      C,
      AMI,
    );
    expect(v.refused[0]!.why).to.match(/a resource that refers to it \(aws:route53\/record:Record\)/);
  });

  it("10. steps that change nothing (same, read) and the stack resource are ignored", () => {
    const v = judgePreview(
      [
        step({ type: "pulumi:pulumi:Stack", op: "update" }),
        step({ type: INSTANCE, op: "same", id: C.instanceId }),
        step({ type: "aws:ec2/vpc:Vpc", op: "read" }),
      ],
      C,
      AMI,
    );
    expect(v).to.deep.equal({ targets: [], refused: [] });
  });
});

describe("a preview step from the engine's event (previewStepOf)", () => {
  it("takes the top-level changed properties, the unknown ones, the old id and both states", () => {
    const m = {
      op: "update",
      urn: urn("aws:autoscaling/group:Group", "asg"),
      type: "aws:autoscaling/group:Group",
      provider: "",
      diffs: ["launchTemplate"],
      detailedDiff: { "launchTemplate.version": { kind: "update", inputDiff: true } },
      old: {
        type: "aws:autoscaling/group:Group",
        urn: "u",
        id: "web-asg",
        inputs: { launchTemplate: { version: "1" } },
        outputs: { arn: "arn:aws:autoscaling:x" },
      },
      new: {
        type: "aws:autoscaling/group:Group",
        urn: "u",
        inputs: { launchTemplate: { version: UNKNOWN } },
      },
    } as unknown as StepEventMetadata;
    expect(previewStepOf(m)).to.deep.equal({
      urn: m.urn,
      type: m.type,
      op: "update",
      changed: ["launchTemplate"],
      unknown: ["launchTemplate"],
      id: "web-asg",
      inputs: { launchTemplate: { version: UNKNOWN } },
      old: { launchTemplate: { version: "1" }, arn: "arn:aws:autoscaling:x" },
    });
  });
});
