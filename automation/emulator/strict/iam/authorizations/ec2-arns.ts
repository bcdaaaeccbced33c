/**
 * EC2 resource ARNs (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies):
 * `arn:aws:ec2:<region>:<account>:<type>/<id>`, except snapshots and images, whose ARN names no account.
 * A resource being created is `<type>/*` (its id does not exist yet when AWS authorises the call).
 */
import type { StrictRequest } from "../../types";
import type { Context } from "../context";
import { type Authorization, requestTagContext } from "./common";

const UNOWNED = new Set(["snapshot", "image"]);

export const ec2Arn = (req: StrictRequest, type: string, id: string) =>
  `arn:aws:ec2:${req.region}:${UNOWNED.has(type) ? "" : req.accountId}:${type}/${id}`;

/** Resource type of an EC2 id, by its prefix. */
const BY_PREFIX: [string, string][] = [
  ["i-", "instance"],
  ["vol-", "volume"],
  ["snap-", "snapshot"],
  ["ami-", "image"],
  ["sg-", "security-group"],
  ["eni-", "network-interface"],
  ["subnet-", "subnet"],
  ["vpc-", "vpc"],
  ["vpce-", "vpc-endpoint"],
  ["lt-", "launch-template"],
  ["eipalloc-", "elastic-ip"],
  ["rtb-", "route-table"],
  ["igw-", "internet-gateway"],
  ["nat-", "natgateway"],
  ["acl-", "network-acl"],
  ["key-", "key-pair"],
  ["fl-", "vpc-flow-log"],
  ["sgr-", "security-group-rule"],
];

export function arnOfId(req: StrictRequest, id: string): string | undefined {
  const type = BY_PREFIX.find(([p]) => id.startsWith(p))?.[1];
  return type ? ec2Arn(req, type, id) : undefined;
}

/** TagSpecification.N.ResourceType / .Tag.M.Key / .Value, by resource type. */
export function tagSpecs(params: Record<string, string>): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const [k, v] of Object.entries(params)) {
    const m = /^TagSpecification\.(\d+)\.Tag\.(\d+)\.Key$/.exec(k);
    if (!m) continue;
    const type = params[`TagSpecification.${m[1]}.ResourceType`] ?? "";
    const tags = out.get(type) ?? {};
    tags[v] = params[`TagSpecification.${m[1]}.Tag.${m[2]}.Value`] ?? "";
    out.set(type, tags);
  }
  return out;
}

/**
 * A resource the call creates: the create action on `<type>/*` with the request tags meant for it, and,
 * when it is tagged on creation, ec2:CreateTags on it with ec2:CreateAction naming the call
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html).
 */
export function created(req: StrictRequest, type: string, extra: Context = {}): Authorization[] {
  const tags = tagSpecs(req.params).get(type) ?? {};
  const resource = ec2Arn(req, type, "*");
  const context = { ...requestTagContext(tags), ...extra };
  const out: Authorization[] = [{ action: `ec2:${req.operation}`, resource, context }];
  if (Object.keys(tags).length > 0)
    out.push({
      action: "ec2:CreateTags",
      resource,
      context: { ...context, "ec2:CreateAction": req.operation },
    });
  return out;
}
