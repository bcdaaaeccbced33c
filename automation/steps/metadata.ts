/**
 * metadata-before / metadata-after: the instance, its ENIs, security groups, role and policies, and the
 * console output, as evidence in the bucket (hashed, locked). "Before" is the state discover recorded
 * ahead of any change; "after" is read once containment is done.
 */
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  GetConsoleOutputCommand,
} from "@aws-sdk/client-ec2";
import {
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import { type CaseContext, facts, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";
import { type Artefact, putArtefact } from "../evidence/store";
import { errorName } from "./util";

/**
 * The role's policies. Other cases' deny policies on a shared role (one per contained sibling) are
 * listed by name but not read: they are our own, already journaled in their cases, and reading every
 * one in every case made a fleet response cost cases² GetRolePolicy calls (throttled at 50 instances).
 */
async function rolePolicies(iam: IAMClient, role: string, caseId: string) {
  const [inline, attached] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: role })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role })),
  ]);
  const otherCase = (name: string) =>
    name.startsWith(revokePolicyName("")) && name !== revokePolicyName(caseId);
  const documents = await Promise.all(
    (inline.PolicyNames ?? []).map(async (name) => {
      if (otherCase(name))
        return { name, document: null, note: "another case's deny policy: read in that case" };
      const p = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
      return { name, document: JSON.parse(decodeURIComponent(p.PolicyDocument ?? "%7B%7D")) as Json };
    }),
  );
  return {
    role,
    inline: documents,
    attached: (attached.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? ""),
  };
}

/** Reads something for the evidence; an error becomes part of the artefact instead of failing it. */
async function attempt<T>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (err) {
    return { error: `${errorName(err)}: ${(err as Error).message}` };
  }
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

export const metadataBeforeStep: Step<CaseContext> = {
  id: "metadata-before",
  title: "Preserve metadata as it was before containment",
  // The instance and ENIs "before" come from discover (read ahead of any change); the rest is read
  // once containment is done, so it never competes with containment calls (or their API rate limits).
  needs: ["discover", "resolve", "evidence-bucket", "isolate"],
  purpose: "evidence",
  async plan(ctx) {
    return [
      {
        action: "s3:PutObject",
        target: `cases/${ctx.caseId}/before/`,
        detail: "instance, ENIs, groups, role policies, console output",
      },
    ];
  },
  async run(ctx) {
    const f = facts(ctx);
    const role = resolved(ctx).role;
    const groupIds = [...new Set(f.enis.flatMap((e) => e.groups))];
    const [groups, policies, consoleOut] = await Promise.all([
      attempt(() =>
        ctx.clients.ec2
          .send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }))
          .then((r) => r.SecurityGroups ?? []),
      ),
      role ? attempt(() => rolePolicies(ctx.clients.iam, role.name, ctx.caseId)) : Promise.resolve(null),
      attempt(() =>
        ctx.clients.ec2
          .send(new GetConsoleOutputCommand({ InstanceId: ctx.instanceId, Latest: true }))
          .then((r) => ({
            timestamp: r.Timestamp,
            output: r.Output ? Buffer.from(r.Output, "base64").toString("utf8") : "",
          })),
      ),
    ]);
    const artefacts: Artefact[] = await Promise.all([
      putArtefact(ctx, "before/instance.json", json(f.raw)),
      putArtefact(ctx, "before/facts.json", json({ ...f, raw: undefined })),
      putArtefact(ctx, "before/security-groups.json", json(groups)),
      putArtefact(ctx, "before/role.json", json(policies)),
      putArtefact(ctx, "before/console-output.json", json(consoleOut)),
    ]);
    return { status: "done", record: { artefacts } as unknown as Json };
  },
  async verify(_ctx, record) {
    const n = (record as { artefacts?: unknown[] } | undefined)?.artefacts?.length ?? 0;
    return n > 0 ? { ok: true, detail: `${n} artefact(s)` } : { ok: false, detail: "no artefacts written" };
  },
};

export const metadataAfterStep: Step<CaseContext> = {
  id: "metadata-after",
  title: "Preserve metadata after containment",
  needs: ["evidence-bucket"],
  // The state after containment, whatever each step achieved: a failed step's effect is evidence too.
  after: [
    "isolate",
    "revoke-credentials",
    "swap-profile",
    "protect",
    "disassociate-eips",
    "asg-out-of-service",
    "elb-deregister",
  ],
  purpose: "evidence",
  async plan(ctx) {
    return [
      {
        action: "s3:PutObject",
        target: `cases/${ctx.caseId}/after/`,
        detail: "instance, ENIs, profile, role policies",
      },
    ];
  },
  async run(ctx) {
    const f = facts(ctx);
    const role = resolved(ctx).role;
    const [instance, enis, profile, policies] = await Promise.all([
      attempt(() =>
        ctx.clients.ec2
          .send(new DescribeInstancesCommand({ InstanceIds: [ctx.instanceId] }))
          .then((r) => r.Reservations?.[0]?.Instances?.[0] ?? null),
      ),
      attempt(() =>
        ctx.clients.ec2
          .send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: f.enis.map((e) => e.id) }))
          .then((r) => r.NetworkInterfaces ?? []),
      ),
      attempt(() =>
        ctx.clients.ec2
          .send(
            new DescribeIamInstanceProfileAssociationsCommand({
              Filters: [{ Name: "instance-id", Values: [ctx.instanceId] }],
            }),
          )
          .then((r) => r.IamInstanceProfileAssociations ?? []),
      ),
      role ? attempt(() => rolePolicies(ctx.clients.iam, role.name, ctx.caseId)) : Promise.resolve(null),
    ]);
    const artefacts: Artefact[] = await Promise.all([
      putArtefact(ctx, "after/instance.json", json(instance)),
      putArtefact(ctx, "after/network-interfaces.json", json(enis)),
      putArtefact(ctx, "after/instance-profile.json", json(profile)),
      putArtefact(ctx, "after/role.json", json(policies)),
    ]);
    return { status: "done", record: { artefacts } as unknown as Json };
  },
  async verify(_ctx, record) {
    const n = (record as { artefacts?: unknown[] } | undefined)?.artefacts?.length ?? 0;
    return n > 0 ? { ok: true, detail: `${n} artefact(s)` } : { ok: false, detail: "no artefacts written" };
  },
};
