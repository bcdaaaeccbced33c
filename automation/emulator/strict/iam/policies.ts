/**
 * The policies AWS evaluates for a request, read from moto: a role's identity policies (inline, attached
 * managed, permissions boundary) and a resource's own policy (bucket policy, key policy, trust policy,
 * DynamoDB table policy). Cached in the layer's state; `forgetOnWrite` drops what an IAM, S3, KMS or
 * DynamoDB write passing through the layer changes (writes straight to moto are not seen).
 */

import { GetResourcePolicyCommand } from "@aws-sdk/client-dynamodb";
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { bucketPolicyOf } from "../bucket-policies";
import type { RuleContext, StrictRequest } from "../types";

export interface NamedPolicy {
  /** How a refusal names it: "inline policy responder of role ir-responder", "bucket policy of ir-evidence"... */
  name: string;
  policy: unknown;
}

export interface RolePolicies {
  /** AROA... id: a role session's aws:userid is "<role id>:<session name>". */
  roleId?: string;
  identity: NamedPolicy[];
  boundary?: NamedPolicy;
}

interface Cache {
  /** Bumped on every write that may change a decision: decisions cached under an older one are stale. */
  generation: number;
  roles: Map<string, Promise<RolePolicies>>;
  /** Resource policies by "<kind>:<arn>" (undefined: the resource has none). */
  resources: Map<string, Promise<NamedPolicy | undefined>>;
  kms: Map<string, KMSClient>;
}

export const policyCache = (ctx: RuleContext): Cache =>
  ctx.state.of("iam-authorize/policies", () => ({
    generation: 0,
    roles: new Map(),
    resources: new Map(),
    kms: new Map(),
  }));

/** IAM answers policy documents URL-encoded (GetRolePolicy, GetPolicyVersion). */
const doc = (text: string | undefined): unknown => JSON.parse(decodeURIComponent(text ?? "{}"));

const memo = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
  let p = map.get(key);
  if (!p) {
    p = load();
    map.set(key, p);
    // A failed load (moto restarting, throttled) is not remembered.
    p.catch(() => map.delete(key));
  }
  return p;
};

async function loadRole(ctx: RuleContext, accountId: string, roleName: string): Promise<RolePolicies> {
  const iam = ctx.moto(accountId, "us-east-1").iam;
  const identity: NamedPolicy[] = [];
  const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const name of inline.PolicyNames ?? []) {
    const p = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
    identity.push({ name: `inline policy ${name} of role ${roleName}`, policy: doc(p.PolicyDocument) });
  }
  const managed = async (arn: string): Promise<NamedPolicy> => {
    const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const v = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId ?? "v1" }),
    );
    return { name: arn, policy: doc(v.PolicyVersion?.Document) };
  };
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
    for (const a of page.AttachedPolicies ?? []) if (a.PolicyArn) identity.push(await managed(a.PolicyArn));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  const boundaryArn = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
  return {
    roleId: role.Role?.RoleId,
    identity,
    ...(boundaryArn ? { boundary: await managed(boundaryArn) } : {}),
  };
}

/** The role's identity policies and boundary (cached until an IAM write on it passes the layer). */
export const rolePolicies = (ctx: RuleContext, accountId: string, roleName: string) =>
  memo(policyCache(ctx).roles, `${accountId}/${roleName}`, () => loadRole(ctx, accountId, roleName));

const errorName = (e: unknown) => (e as { name?: string }).name ?? "";

/** A KMS client straight to moto in the account (the layer's AwsClients has none). */
export function kmsOf(ctx: RuleContext, accountId: string, region: string): KMSClient {
  const cache = policyCache(ctx);
  const key = `${accountId}/${region}`;
  let c = cache.kms.get(key);
  if (!c) {
    const admin = ctx.moto(accountId, region);
    c = new KMSClient({
      region,
      endpoint: admin.endpoint,
      credentials: admin.options.credentials,
      maxAttempts: 1,
    });
    // moto picks the account from this header, as the layer's other admin clients send it.
    c.middlewareStack.add(
      (next) => async (args) => {
        const r = args.request as { headers?: Record<string, string> };
        if (r.headers) r.headers["x-moto-account-id"] = accountId;
        return next(args);
      },
      { step: "build", name: "strictMotoAccount" },
    );
    cache.kms.set(key, c);
  }
  return c;
}

/**
 * The policy of the resource an action is authorised on, or undefined when the resource has none
 * (a bucket without a bucket policy, a table without a resource policy, any other service's resource).
 * A trust policy counts only for the AssumeRole actions (it is not the role's policy for iam:*).
 */
export function resourcePolicy(
  ctx: RuleContext,
  action: string,
  resource: string,
  /** The request's account: an S3 ARN names none. */
  accountId: string,
): Promise<NamedPolicy | undefined> {
  const [, , service, region = "", account = "", rest = ""] = resource.split(":");
  const cache = policyCache(ctx).resources;
  if (service === "s3") {
    const bucket = rest.split("/")[0] ?? "";
    if (!bucket) return Promise.resolve(undefined);
    // Kept by the layer when its bucket-policy shim runs (rules/moto-s3-bucket-policy.ts: moto misreads
    // them); a layer without the shim (a rule's own test) leaves them in moto. A bucket's ARN names no
    // account: ask in the request's account.
    return memo(cache, `s3:${bucket}`, async () => {
      const kept = bucketPolicyOf(ctx, accountId, bucket);
      if (kept) return { name: `bucket policy of ${bucket}`, policy: JSON.parse(kept) };
      try {
        const p = await ctx
          .moto(accountId, "us-east-1")
          .s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
        return p.Policy ? { name: `bucket policy of ${bucket}`, policy: JSON.parse(p.Policy) } : undefined;
      } catch (e) {
        if (["NoSuchBucketPolicy", "NoSuchBucket"].includes(errorName(e))) return undefined;
        throw e;
      }
    });
  }
  if (service === "kms" && rest.startsWith("key/")) {
    return memo(cache, `kms:${resource}`, async () => {
      try {
        const p = await kmsOf(ctx, account, region).send(
          new GetKeyPolicyCommand({ KeyId: rest.slice(4), PolicyName: "default" }),
        );
        return p.Policy ? { name: `key policy of ${resource}`, policy: JSON.parse(p.Policy) } : undefined;
      } catch (e) {
        if (errorName(e) === "NotFoundException") return undefined;
        throw e;
      }
    });
  }
  if (service === "iam" && rest.startsWith("role/") && /^sts:AssumeRole/.test(action)) {
    const roleName = rest.split("/").pop() ?? "";
    return memo(cache, `trust:${resource}`, async () => {
      try {
        const r = await ctx.moto(account, "us-east-1").iam.send(new GetRoleCommand({ RoleName: roleName }));
        const text = r.Role?.AssumeRolePolicyDocument;
        return text ? { name: `trust policy of role ${roleName}`, policy: doc(text) } : undefined;
      } catch (e) {
        if (errorName(e) === "NoSuchEntity") return undefined;
        throw e;
      }
    });
  }
  if (service === "dynamodb" && rest.startsWith("table/")) {
    const tableArn = resource.replace(/\/(index|stream)\/.*$/, "");
    return memo(cache, `dynamodb:${tableArn}`, async () => {
      try {
        const r = await ctx
          .moto(account, region)
          .dynamodb.send(new GetResourcePolicyCommand({ ResourceArn: tableArn }));
        return r.Policy
          ? { name: `resource policy of ${tableArn}`, policy: JSON.parse(r.Policy) }
          : undefined;
      } catch (e) {
        if (["PolicyNotFoundException", "ResourceNotFoundException"].includes(errorName(e))) return undefined;
        throw e;
      }
    });
  }
  return Promise.resolve(undefined);
}

/** IAM writes that change a role's identity policies, and the other policy writes the layer can see. */
const ROLE_WRITES =
  /^(PutRolePolicy|DeleteRolePolicy|AttachRolePolicy|DetachRolePolicy|PutRolePermissionsBoundary|DeleteRolePermissionsBoundary|DeleteRole|UpdateAssumeRolePolicy)$/;
const POLICY_WRITES = /^(CreatePolicyVersion|SetDefaultPolicyVersion|DeletePolicyVersion|DeletePolicy)$/;

/** Drops what a successful write passing through the layer changed. True when something was dropped. */
export function forgetOnWrite(ctx: RuleContext, req: StrictRequest): boolean {
  const cache = policyCache(ctx);
  const op = req.operation;
  const drop = (f: (key: string) => boolean, map: Map<string, unknown>) => {
    for (const k of map.keys()) if (f(k)) map.delete(k);
  };
  if (req.service === "iam" && ROLE_WRITES.test(op)) {
    const name = req.params.RoleName ?? "";
    drop((k) => k.endsWith(`/${name}`), cache.roles);
    drop((k) => k.startsWith("trust:") && k.endsWith(`:role/${name}`), cache.resources);
  } else if (req.service === "iam" && POLICY_WRITES.test(op)) {
    // Which roles attach the policy is not known here: every role's set is read again.
    cache.roles.clear();
  } else if (req.service === "s3" && /^(PutBucketPolicy|DeleteBucketPolicy|DeleteBucket)$/.test(op)) {
    cache.resources.delete(`s3:${req.s3?.bucket ?? ""}`);
  } else if (req.service === "kms" && /^(PutKeyPolicy|ScheduleKeyDeletion)$/.test(op)) {
    drop((k) => k.startsWith("kms:"), cache.resources);
  } else if (
    req.service === "dynamodb" &&
    /^(PutResourcePolicy|DeleteResourcePolicy|DeleteTable)$/.test(op)
  ) {
    drop((k) => k.startsWith("dynamodb:"), cache.resources);
  } else {
    return false;
  }
  cache.generation += 1;
  return true;
}
