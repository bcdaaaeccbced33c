/**
 * deny-all-profile: the quarantine instance profile swapped onto a contained instance. Its role denies
 * every action but the SSM agent's own (facts/quarantine-policy.ts), so IMDS hands out nothing useful to
 * a thief while the agent still takes the memory capture and the log collection. Created with the
 * standard name and tags when missing. A profile of an earlier version whose role denies everything is
 * used as it is (containment first) and recorded: the agent is silenced under it, so the evidence steps
 * say why they cannot run instead of waiting for commands that are never delivered.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { admitsSsmAgent, QUARANTINE_POLICY_NAME } from "../../facts/quarantine-policy";
import { MANAGED_BY, ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { createBoundedRole } from "../aws/bounded-role";
import type { RoleWriter } from "../aws/role-writer";
import type { CaseContext } from "../case/context";
import type { Json, Step } from "../engine/types";
import { roleWriterOf } from "./role-writer";
import { errorName } from "./util";

export const DENY_ALL_POLICY_NAME = QUARANTINE_POLICY_NAME;
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export interface DenyAllProfile {
  name: string;
  arn: string;
  created: boolean;
  /**
   * Whether the profile's role lets the SSM agent work (false: a deny-everything role of an earlier
   * version; undefined: its policy could not be read, e.g. another policy name).
   */
  admitsSsmAgent?: boolean;
}

const ignore = (names: string[]) => (err: unknown) => {
  if (!names.includes(errorName(err))) throw err;
};

async function create(
  iam: IAMClient,
  writer: RoleWriter,
  name: string,
  account: { partition: string; accountId: string },
): Promise<void> {
  const tags = [
    { Key: TAG.role, Value: ROLE_TAG_VALUES.denyAllProfile },
    { Key: TAG.managedBy, Value: MANAGED_BY },
  ];
  // With the project's permissions boundary: the responder may create a role only with it.
  await createBoundedRole(
    iam,
    {
      RoleName: name,
      AssumeRolePolicyDocument: TRUST,
      Tags: tags,
      Description: "ir: denies everything but the SSM agent's own calls",
    },
    account,
  );
  // The quarantine document, built from the account only (facts/quarantine-policy.ts): by the role
  // writer when the baseline has one, else with ir's own credentials.
  await writer.write({ op: "put-quarantine", roleName: name });
  await iam
    .send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tags }))
    .catch(ignore(["EntityAlreadyExists", "EntityAlreadyExistsException"]));
  await iam
    .send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
    .catch(ignore(["LimitExceeded", "LimitExceededException", "EntityAlreadyExists"]));
}

export class DenyAllProfileResolver {
  private p: Promise<DenyAllProfile> | undefined;
  /** `accountId`: the account the role's allow is bound to, when the profile must be created. */
  ensure(ctx: Pick<CaseContext, "clients" | "settings">, accountId: string): Promise<DenyAllProfile> {
    if (!this.p) {
      this.p = this.load(ctx, accountId);
      this.p.catch(() => {
        this.p = undefined;
      });
    }
    return this.p;
  }
  private async load(
    ctx: Pick<CaseContext, "clients" | "settings">,
    accountId: string,
  ): Promise<DenyAllProfile> {
    const name = ctx.settings.denyAllInstanceProfile;
    const iam = ctx.clients.iam;
    let created = false;
    const get = () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    let res = await get().catch((err) => {
      if (errorName(err) !== "NoSuchEntity" && errorName(err) !== "NoSuchEntityException") throw err;
      return undefined;
    });
    if (!res?.InstanceProfile?.Roles?.length) {
      await create(iam, roleWriterOf(ctx, `arn:aws:iam::${accountId}:root`), name, {
        partition: "aws",
        accountId,
      });
      created = true;
      res = await get();
    }
    const role = res!.InstanceProfile!.Roles![0]!.RoleName!;
    const policy = await iam
      .send(new GetRolePolicyCommand({ RoleName: role, PolicyName: DENY_ALL_POLICY_NAME }))
      .catch(() => undefined);
    return {
      name,
      arn: res!.InstanceProfile!.Arn!,
      created,
      ...(policy?.PolicyDocument
        ? { admitsSsmAgent: admitsSsmAgent(decodeURIComponent(policy.PolicyDocument)) }
        : {}),
    };
  }
}

export function denyAllProfileStep(resolver: DenyAllProfileResolver): Step<CaseContext> {
  return {
    id: "deny-all-profile",
    title: "Find (or create) the deny-all instance profile",
    purpose: "containment",
    effect: "prerequisites",
    async plan(ctx) {
      const name = ctx.settings.denyAllInstanceProfile;
      const exists = await ctx.clients.iam
        .send(new GetInstanceProfileCommand({ InstanceProfileName: name }))
        .then(
          () => true,
          () => false,
        );
      return exists
        ? []
        : [
            {
              action: "iam:CreateInstanceProfile",
              target: name,
              detail: `create the missing deny-all profile "${name}"`,
            },
          ];
    },
    async run(ctx) {
      const p = await resolver.ensure(ctx, ctx.preflight.accountId);
      return {
        status: "done",
        ...(p.created ? { reason: `created the missing deny-all profile "${p.name}"` } : {}),
        record: p as unknown as Json,
      };
    },
    async verify(ctx, record) {
      const p = record as unknown as DenyAllProfile;
      const iam = ctx.clients.iam;
      const prof = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: p.name }));
      const role = prof.InstanceProfile?.Roles?.[0]?.RoleName;
      if (!role) return { ok: false, detail: `deny-all profile "${p.name}" has no role` };
      const pol = await iam
        .send(new GetRolePolicyCommand({ RoleName: role, PolicyName: DENY_ALL_POLICY_NAME }))
        .catch(() => undefined);
      const doc = pol?.PolicyDocument ? decodeURIComponent(pol.PolicyDocument) : "";
      // A baseline-made profile may use another policy name: accept it when the role exists.
      const what = !doc
        ? ""
        : admitsSsmAgent(doc)
          ? " denies everything but the SSM agent"
          : " denies everything, the SSM agent included: memory and logs cannot be captured";
      return { ok: true, detail: `${p.name} (role ${role}${what})` };
    },
  };
}
