/**
 * Auto Scaling on the wire, for the asg-* rules: query-protocol lists, moto's view of a group's
 * instances, and careful edits of the XML answers (one instance's member at a time).
 */
import {
  type AutoScalingInstanceDetails,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import type { RuleContext, StrictRequest } from "../types";

/** `Name.member.1`, `Name.member.2`... in order. */
export function memberList(params: Record<string, string>, name: string): string[] {
  const prefix = `${name}.member.`;
  return Object.entries(params)
    .filter(([k]) => k.startsWith(prefix))
    .sort(([a], [b]) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map(([, v]) => v);
}

/** moto's record of these instances (group, lifecycle state, protection), by id. */
export async function motoInstances(
  req: StrictRequest,
  ctx: RuleContext,
  ids: string[],
): Promise<Map<string, AutoScalingInstanceDetails>> {
  const out = await ctx
    .moto(req.accountId, req.region)
    .autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids }));
  return new Map((out.AutoScalingInstances ?? []).map((i) => [i.InstanceId!, i]));
}

/**
 * Replaces the text of `<tag>` inside the answer's member for `instanceId` (DescribeAutoScalingGroups
 * and DescribeAutoScalingInstances list one member per instance; the edit never leaves that member).
 */
export function setInstanceField(xml: string, instanceId: string, tag: string, value: string): string {
  const id = instanceId.replace(/[^A-Za-z0-9-]/g, "");
  const re = new RegExp(
    `(<InstanceId>${id}</InstanceId>(?:(?!</member>)[\\s\\S])*?<${tag}>)[^<]*(</${tag}>)`,
    "g",
  );
  return xml.replace(re, (_, open: string, close: string) => `${open}${value}${close}`);
}
