/**
 * Containment, read from the account right after respond (a terminated instance has no ENIs left to
 * inspect): the ENIs' groups, Auto Scaling and target-group membership, the deny policy on the role,
 * the instance profile.
 */
import { DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeNetworkInterfacesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import { type Check, fail, pass } from "./check-result";
import type { ScenarioRun } from "./lifecycle";

export async function isolated(run: ScenarioRun): Promise<Check> {
  const title = "every ENI is in the isolation group only";
  const want = run.account.settings.isolationGroups[run.victim.vpcId]?.isolation;
  const res = await run.account.world.ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: "attachment.instance-id", Values: [run.victim.instanceId] }],
    }),
  );
  const enis = res.NetworkInterfaces ?? [];
  const wrong = enis.filter((n) => (n.Groups ?? []).map((g) => g.GroupId).join(",") !== want);
  if (!want || enis.length === 0 || wrong.length > 0)
    return fail(
      "contained",
      "isolated",
      title,
      `isolation group ${want ?? "unknown"}; ${wrong.map((n) => `${n.NetworkInterfaceId} in ${(n.Groups ?? []).map((g) => g.GroupId).join(", ")}`).join("; ") || "no ENI found"}`,
    );
  return pass("contained", "isolated", title, `${enis.length} ENI(s) in ${want}`);
}

export async function outOfService(run: ScenarioRun): Promise<Check> {
  const title = "out of the Auto Scaling group and the target group";
  const c = run.account.world;
  const asg = await c.autoscaling.send(
    new DescribeAutoScalingInstancesCommand({ InstanceIds: [run.victim.instanceId] }),
  );
  const health = await c.elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: run.account.workload.targetGroupArn }),
  );
  const registered = (health.TargetHealthDescriptions ?? []).filter(
    (d) => d.Target?.Id === run.victim.instanceId && d.TargetHealth?.State !== "draining",
  );
  const inAsg = (asg.AutoScalingInstances ?? []).length > 0;
  if (inAsg || registered.length > 0)
    return fail(
      "contained",
      "out-of-service",
      title,
      `${inAsg ? "still in the ASG" : ""}${inAsg && registered.length ? "; " : ""}${registered.length ? "still a target" : ""}`,
    );
  return pass("contained", "out-of-service", title, "detached and deregistered");
}

interface DenyStatement {
  Effect: string;
  Condition: {
    DateLessThan: Record<string, string>;
    ArnEquals?: Record<string, string>;
    StringEquals?: Record<string, string>;
  };
}

export async function credentialsRevoked(run: ScenarioRun): Promise<Check> {
  const title = "role sessions issued before the response are denied (aws:TokenIssueTime)";
  const policyName = revokePolicyName(run.caseId!);
  const res = await run.account.world.iam.send(
    new GetRolePolicyCommand({ RoleName: run.account.workload.roleName, PolicyName: policyName }),
  );
  const doc = JSON.parse(decodeURIComponent(res.PolicyDocument!)) as { Statement: DenyStatement[] };
  const deny = doc.Statement.find(
    (s) => s.Effect === "Deny" && s.Condition?.DateLessThan?.["aws:TokenIssueTime"],
  );
  if (!deny)
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `${policyName} has no Deny with DateLessThan aws:TokenIssueTime`,
    );
  const cutoff = new Date(deny.Condition.DateLessThan["aws:TokenIssueTime"]);
  const scope = JSON.stringify(deny.Condition.ArnEquals ?? deny.Condition.StringEquals ?? {});
  const stolen = run.trace.stolenSessionIssuedAt;
  if (Number.isNaN(cutoff.getTime()) || cutoff < run.began)
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `cut-off ${deny.Condition.DateLessThan["aws:TokenIssueTime"]} is before the compromise began`,
    );
  if (stolen && !(cutoff > stolen))
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `the stolen session (issued ${stolen.toISOString()}) is not older than the cut-off ${cutoff.toISOString()}`,
    );
  if (deny.Condition.ArnEquals && !scope.includes(run.victim.instanceId))
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `deny is scoped to ${scope}, not to ${run.victim.instanceId}`,
    );
  return pass(
    "contained",
    "credentials-revoked",
    title,
    `${policyName}: sessions before ${cutoff.toISOString()} denied${stolen ? ", the stolen session included" : ""}${deny.Condition.ArnEquals ? ", scoped to this instance" : ", whole role"}`,
  );
}

export async function profileSwapped(run: ScenarioRun): Promise<Check> {
  const title = "instance profile swapped to the deny-all profile";
  const res = await run.account.world.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [run.victim.instanceId] }],
    }),
  );
  const arn =
    res.IamInstanceProfileAssociations?.find((a) => a.State === "associated")?.IamInstanceProfile?.Arn ??
    "none";
  const want = `:instance-profile/${run.account.settings.denyAllInstanceProfile}`;
  return arn.endsWith(want)
    ? pass("contained", "profile-swapped", title, arn)
    : fail("contained", "profile-swapped", title, `associated profile is ${arn}`);
}
