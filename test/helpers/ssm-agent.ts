/**
 * Instances for the simulated SSM agent's tests: each with its own role and instance profile (so one
 * test's policy changes never reach another's), launched through the layer so it records when the
 * instance got its credentials; and a wait for a command's invocation to end.
 */
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCommandInvocationCommand, type GetCommandInvocationCommandOutput } from "@aws-sdk/client-ssm";
import { forgetOnWrite } from "../../automation/emulator/strict/iam/policies";
import type { StrictRule } from "../../automation/emulator/strict/types";
import type { RuleLayer } from "./strict";

/** What AmazonSSMManagedInstanceCore grants the agent (moto has no AWS managed policies). */
export const SSM_CORE = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["ssm:UpdateInstanceInformation", "ec2messages:*", "ssmmessages:*"],
      Resource: "*",
    },
  ],
};
export const DENY_ALL = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
};

/**
 * Policy writes passing through the layer drop the evaluator's cached policies (the layer's IAM rule
 * does this in the full set; these tests run without it).
 */
export const forgetPolicies: StrictRule = {
  id: "test-forget-policies",
  title: "test only: IAM writes drop cached policies",
  source: "test",
  matches: (req) => req.service === "iam",
  after(req, answer, ctx) {
    if (answer.status === 200) forgetOnWrite(ctx, req);
  },
};

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** A role named `name` with one inline policy, in a profile of the same name; returns the profile ARN. */
export async function profile(l: RuleLayer, name: string, policy: object): Promise<string> {
  await l.admin.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  await l.admin.iam.send(
    new PutRolePolicyCommand({ RoleName: name, PolicyName: "agent", PolicyDocument: JSON.stringify(policy) }),
  );
  const p = await l.admin.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
  await l.admin.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  return p.InstanceProfile!.Arn!;
}

/** moto's image list is long and slow to describe: read it once per layer. */
const images = new WeakMap<RuleLayer, Promise<string>>();

/** Launches one instance, with the profile if given. */
export async function launch(l: RuleLayer, profileArn?: string): Promise<string> {
  let image = images.get(l);
  if (!image) {
    image = l.admin.ec2
      .send(new DescribeImagesCommand({ Owners: ["amazon"] }))
      .then((r) => r.Images![0]!.ImageId!);
    images.set(l, image);
  }
  const run = await l.admin.ec2.send(
    new RunInstancesCommand({
      ImageId: await image,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      ...(profileArn ? { IamInstanceProfile: { Arn: profileArn } } : {}),
    }),
  );
  return run.Instances![0]!.InstanceId!;
}

/** Swaps the instance's profile (the instance gets new credentials at once). */
export async function swapProfile(l: RuleLayer, instanceId: string, profileArn: string): Promise<void> {
  const assoc = await l.admin.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [instanceId] }],
    }),
  );
  const live = assoc.IamInstanceProfileAssociations!.find((a) => a.State === "associated")!;
  await l.admin.ec2.send(
    new ReplaceIamInstanceProfileAssociationCommand({
      AssociationId: live.AssociationId,
      IamInstanceProfile: { Arn: profileArn },
    }),
  );
}

/** Polls the invocation (each poll is the agent's chance) until it leaves Pending/InProgress. */
export async function waitForEnd(
  l: RuleLayer,
  commandId: string,
  instanceId: string,
  boundMs = 20_000,
): Promise<GetCommandInvocationCommandOutput> {
  const until = Date.now() + boundMs;
  for (;;) {
    const inv = await l.admin.ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
    );
    if (!["Pending", "InProgress", "Delayed"].includes(inv.Status ?? "")) return inv;
    if (Date.now() > until) throw new Error(`command ${commandId} still ${inv.Status} on ${instanceId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
