/**
 * A new launch-template version (or pointing the group at one) changes only future launches: instances
 * in service keep their AMI, and each reports the template version it was launched from. Rolling a new
 * version out is an instance refresh. moto already keeps running instances as they are and launches new
 * ones from the new version; what it gets wrong (checked on moto 5.2.1):
 * - every instance reports the template's *default* version, whatever it was launched from, so "which
 *   instances run the old version" cannot be answered through moto; the rule records the version each
 *   launch used (the group's resolved version when the instance first appears) and shows it;
 * - StartInstanceRefresh answers 500 and DescribeInstanceRefreshes does not exist: the rule answers
 *   both, replacing instances at once (terminate, the group launches from its current version).
 *   Simplifications: the refresh completes before it answers; Standby and scale-in-protected instances
 *   are left in place (the `Ignore` preference).
 */
import { randomUUID } from "node:crypto";
import {
  DescribeAutoScalingGroupsCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeLaunchTemplatesCommand } from "@aws-sdk/client-ec2";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "../types";
import { setInstanceField } from "./asg-wire";

const NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
const DESCRIBES = new Set(["DescribeAutoScalingGroups", "DescribeAutoScalingInstances"]);
const OWN = new Set(["StartInstanceRefresh", "DescribeInstanceRefreshes"]);

interface Refresh {
  id: string;
  group: string;
  status: string;
  started: string;
  ended: string;
  replaced: number;
}
interface VersionState {
  /** account/instance id → the launch-template version it was launched from. */
  launched: Map<string, string>;
  refreshes: Refresh[];
}
const stateOf = (ctx: RuleContext): VersionState =>
  ctx.state.of("asg-no-replacement-on-template-version", () => ({ launched: new Map(), refreshes: [] }));

/** Records instances not seen before with the group's current version (they were launched just now). */
async function recordLaunches(req: StrictRequest, ctx: RuleContext, group: string) {
  const clients = ctx.moto(req.accountId, req.region);
  const out = await clients.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
  );
  const g = out.AutoScalingGroups?.[0];
  const lt = g?.LaunchTemplate;
  if (!g || !lt?.LaunchTemplateId) return { group: g, version: undefined };
  const t = (
    await clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt.LaunchTemplateId] }))
  ).LaunchTemplates?.[0];
  const wanted = lt.Version ?? "$Default";
  const version =
    wanted === "$Latest"
      ? String(t?.LatestVersionNumber)
      : wanted === "$Default"
        ? String(t?.DefaultVersionNumber)
        : wanted;
  const { launched } = stateOf(ctx);
  for (const i of g.Instances ?? []) {
    const key = `${req.accountId}/${i.InstanceId}`;
    if (!launched.has(key)) launched.set(key, version);
  }
  return { group: g, version };
}

const xmlAnswer = (op: string, inner: string): Answer => ({
  status: 200,
  headers: { "content-type": "text/xml" },
  body: Buffer.from(
    `<${op}Response xmlns="${NS}"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${op}Response>`,
  ),
});

async function startRefresh(req: StrictRequest, ctx: RuleContext): Promise<Answer> {
  const name = req.params.AutoScalingGroupName ?? "";
  const started = new Date(ctx.now()).toISOString();
  const { group, version } = await recordLaunches(req, ctx, name);
  const { launched, refreshes } = stateOf(ctx);
  const skipMatching = req.params["Preferences.SkipMatching"] === "true";
  const old = (group?.Instances ?? []).filter(
    (i) =>
      i.LifecycleState === "InService" &&
      !i.ProtectedFromScaleIn &&
      !(skipMatching && launched.get(`${req.accountId}/${i.InstanceId}`) === version),
  );
  for (const i of old)
    await ctx.moto(req.accountId, req.region).autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: i.InstanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
  await recordLaunches(req, ctx, name);
  const id = randomUUID();
  const ended = new Date(ctx.now()).toISOString();
  refreshes.unshift({ id, group: name, status: "Successful", started, ended, replaced: old.length });
  return xmlAnswer("StartInstanceRefresh", `<InstanceRefreshId>${id}</InstanceRefreshId>`);
}

function describeRefreshes(req: StrictRequest, ctx: RuleContext): Answer {
  const name = req.params.AutoScalingGroupName;
  const members = stateOf(ctx)
    .refreshes.filter((r) => r.group === name)
    .map(
      (r) =>
        `<member><InstanceRefreshId>${r.id}</InstanceRefreshId><AutoScalingGroupName>${r.group}</AutoScalingGroupName><Status>${r.status}</Status><StartTime>${r.started}</StartTime><EndTime>${r.ended}</EndTime><PercentageComplete>100</PercentageComplete><InstancesToUpdate>0</InstancesToUpdate></member>`,
    );
  return xmlAnswer("DescribeInstanceRefreshes", `<InstanceRefreshes>${members.join("")}</InstanceRefreshes>`);
}

export const asgNoReplacementOnTemplateVersion: StrictRule = {
  id: "asg-no-replacement-on-template-version",
  title:
    "a new launch-template version changes only future launches; each instance reports the version it was launched from; an instance refresh rolls it out",
  source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html",
  matches: (req) => req.service === "autoscaling",
  answer(req, ctx) {
    if (req.operation === "StartInstanceRefresh") return startRefresh(req, ctx);
    if (req.operation === "DescribeInstanceRefreshes") return describeRefreshes(req, ctx);
    return undefined;
  },
  async after(req, answer, ctx) {
    if (answer.status !== 200 || OWN.has(req.operation)) return;
    const group = req.params.AutoScalingGroupName;
    // Any other call that names a group may have launched into it (create, capacity, detach, standby...).
    if (!req.operation.startsWith("Describe") && group) await recordLaunches(req, ctx, group);
    if (!DESCRIBES.has(req.operation)) return;
    let xml = answer.body.toString("utf8");
    const prefix = `${req.accountId}/`;
    for (const [key, version] of stateOf(ctx).launched)
      if (key.startsWith(prefix) && xml.includes(key.slice(prefix.length)))
        xml = setInstanceField(xml, key.slice(prefix.length), "Version", version);
    return { ...answer, body: Buffer.from(xml) };
  },
};
