/**
 * The end of the incident, read from the account: the forensic workstation (before it is stopped), the
 * fleet rebuilt on the known-good AMI, the compromised instance terminated only after its evidence
 * verified (journal timestamps).
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { findCase, openJournals } from "../journal/open";
import { type Check, fail, pass } from "./check-result";
import type { ScenarioRun } from "./lifecycle";

/**
 * The group launches from the known-good AMI (its pinned template version, read from EC2), its capacity
 * is back to what it was before the incident, every instance launched since the response runs the
 * known-good AMI (neither the older nor the newer one), and every instance in service is healthy.
 * Siblings launched before the incident keep their image: they are named in the detail, not failed.
 */
export async function fleetHealthy(run: ScenarioRun): Promise<Check> {
  const title = "capacity healthy on the known-good AMI";
  const c = run.account.world;
  const w = run.account.workload;
  const group = (
    await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [w.asgName] }))
  ).AutoScalingGroups![0]!;
  const spec = group.LaunchTemplate;
  const version = spec
    ? (
        await c.ec2.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: spec.LaunchTemplateId,
            Versions: [spec.Version ?? "$Default"],
          }),
        )
      ).LaunchTemplateVersions?.[0]
    : undefined;
  const templateAmi = version?.LaunchTemplateData?.ImageId;
  const inService = (group.Instances ?? [])
    .filter((i) => i.LifecycleState === "InService")
    .map((i) => i.InstanceId!);
  const instances = inService.length
    ? (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: inService }))).Reservations!.flatMap(
        (r) => r.Instances!,
      )
    : [];
  const since = run.respondStartedAt?.getTime() ?? 0;
  const rebuilt = instances.filter((i) => (i.LaunchTime?.getTime() ?? 0) >= since - 1000);
  const wrong = rebuilt
    .filter((i) => i.ImageId !== w.amis.knownGood)
    .map((i) => `${i.InstanceId} on ${i.ImageId}`);
  const older = instances.filter((i) => !rebuilt.includes(i)).map((i) => `${i.InstanceId} (${i.ImageId})`);
  const health = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: w.targetGroupArn }));
  const healthy = new Set(
    (health.TargetHealthDescriptions ?? [])
      .filter((d) => d.TargetHealth?.State === "healthy")
      .map((d) => d.Target!.Id),
  );
  const unhealthy = inService.filter((id) => !healthy.has(id));
  const problems = [
    ...(templateAmi === w.amis.knownGood
      ? []
      : [
          `the group launches ${templateAmi ?? "no template"} (version ${spec?.Version ?? "?"}), not ${w.amis.knownGood} (older ${w.amis.older}, newer ${w.amis.newer})`,
        ]),
    ...(inService.length >= w.instances.length && (group.DesiredCapacity ?? 0) >= w.instances.length
      ? []
      : [
          `${inService.length} in service (desired ${group.DesiredCapacity}), ${w.instances.length} before the incident`,
        ]),
    ...(rebuilt.length ? [] : ["no capacity was launched since the response"]),
    ...(wrong.length ? [`launched since the response on another AMI: ${wrong.join(", ")}`] : []),
    ...(unhealthy.length ? [`not healthy in the target group: ${unhealthy.join(", ")}`] : []),
    ...(inService.includes(run.victim.instanceId) ? ["the compromised instance is back in service"] : []),
  ];
  return problems.length
    ? fail("final", "fleet-healthy", title, problems.join("; "))
    : pass(
        "final",
        "fleet-healthy",
        title,
        `${inService.length}/${group.DesiredCapacity} in service and healthy; template version ${spec?.Version} on ${w.amis.knownGood}; rebuilt ${rebuilt.map((i) => i.InstanceId).join(", ")}${older.length ? `; pre-incident siblings keep their image: ${older.join(", ")}` : ""}`,
      );
}

export async function terminatedAfterEvidence(run: ScenarioRun): Promise<Check[]> {
  const c = run.account.world;
  const i = (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [run.victim.instanceId] })))
    .Reservations![0]!.Instances![0]!;
  const state = i.State?.Name ?? "unknown";
  const gone = state === "terminated" || state === "shutting-down";
  const found = await findCase(openJournals(c, run.account.settings), run.caseId!);
  const entries = found?.entries ?? [];
  const evidenceAt = entries.find((e) => e.stepId === "manifest" && e.event === "verified")?.at;
  const terminateAt = entries.find((e) => e.stepId === "terminate" && e.event !== "planned")?.at;
  const ordered = Boolean(evidenceAt && terminateAt && Date.parse(terminateAt) > Date.parse(evidenceAt));
  return [
    gone
      ? pass("final", "terminated", "compromised instance terminated", `${run.victim.instanceId} is ${state}`)
      : fail(
          "final",
          "terminated",
          "compromised instance terminated",
          `${run.victim.instanceId} is ${state}`,
        ),
    ordered
      ? pass(
          "final",
          "terminate-after-evidence",
          "terminated only after the manifest verified",
          `manifest verified ${evidenceAt}, terminate began ${terminateAt}`,
        )
      : fail(
          "final",
          "terminate-after-evidence",
          "terminated only after the manifest verified",
          `journal: manifest verified ${evidenceAt ?? "never"}, terminate ${terminateAt ?? "never journaled"}`,
        ),
  ];
}
