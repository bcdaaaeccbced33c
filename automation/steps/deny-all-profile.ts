/**
 * deny-all-profile: the instance profile swapped onto a contained instance (its role denies every
 * action, so IMDS hands out nothing useful). Created with the standard name and tags when missing.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { MANAGED_BY, ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { CaseContext } from "../case/context";
import type { Json, Step } from "../engine/types";
import { errorName } from "./util";

export const DENY_ALL_POLICY_NAME = "ir-deny-all";
export const DENY_ALL_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "DenyEverything", Effect: "Deny", Action: "*", Resource: "*" }],
});
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export interface DenyAllProfile {
  name: string;
  arn: string;
  created: boolean;
}

const ignore = (names: string[]) => (err: unknown) => {
  if (!names.includes(errorName(err))) throw err;
};

async function create(iam: IAMClient, name: string): Promise<void> {
  const tags = [
    { Key: TAG.role, Value: ROLE_TAG_VALUES.denyAllProfile },
    { Key: TAG.managedBy, Value: MANAGED_BY },
  ];
  await iam
    .send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: TRUST,
        Tags: tags,
        Description: "ir: denies everything",
      }),
    )
    .catch(ignore(["EntityAlreadyExists", "EntityAlreadyExistsException"]));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: DENY_ALL_POLICY_NAME,
      PolicyDocument: DENY_ALL_DOCUMENT,
    }),
  );
  await iam
    .send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tags }))
    .catch(ignore(["EntityAlreadyExists", "EntityAlreadyExistsException"]));
  await iam
    .send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
    .catch(ignore(["LimitExceeded", "LimitExceededException", "EntityAlreadyExists"]));
}

export class DenyAllProfileResolver {
  private p: Promise<DenyAllProfile> | undefined;
  ensure(ctx: Pick<CaseContext, "clients" | "settings">): Promise<DenyAllProfile> {
    if (!this.p) {
      this.p = this.load(ctx);
      this.p.catch(() => {
        this.p = undefined;
      });
    }
    return this.p;
  }
  private async load(ctx: Pick<CaseContext, "clients" | "settings">): Promise<DenyAllProfile> {
    const name = ctx.settings.denyAllInstanceProfile;
    const iam = ctx.clients.iam;
    let created = false;
    const get = () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    let res = await get().catch((err) => {
      if (errorName(err) !== "NoSuchEntity" && errorName(err) !== "NoSuchEntityException") throw err;
      return undefined;
    });
    if (!res?.InstanceProfile?.Roles?.length) {
      await create(iam, name);
      created = true;
      res = await get();
    }
    return { name, arn: res!.InstanceProfile!.Arn!, created };
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
      const p = await resolver.ensure(ctx);
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
      const denies = /"Effect"\s*:\s*"Deny"/.test(doc) && /"Action"\s*:\s*"\*"/.test(doc);
      // A baseline-made profile may deny through another policy name: accept it when the role exists.
      return {
        ok: true,
        detail: denies ? `${p.name} (role ${role} denies everything)` : `${p.name} (role ${role})`,
      };
    },
  };
}
