/**
 * What `recover --via pulumi` may apply: the preview of the workload's stack (run without refresh: the
 * state still holds what the stack deployed, not what containment changed) is split into the changes
 * that follow from the new AMI, which `up` then targets, and everything else, which makes recovery
 * refuse and apply nothing. Refused: any change to a resource of the contained instance (its groups,
 * profile, addresses, target registration: applying them undoes containment, and replacing the instance
 * deletes it before the health gate and the evidence check), and any change the AMI does not explain
 * (an undeployed program change, a deletion, a new resource that is not capacity on the selected AMI).
 * Pure: the Automation API sits behind pulumi-workload.ts.
 */

/** One step of a preview, as the Automation API's engine events describe it. */
export interface PreviewStep {
  urn: string;
  /** Resource type token, e.g. "aws:ec2/instance:Instance". */
  type: string;
  /** Pulumi's operation: same, create, update, replace, create-replacement, delete-replaced, delete... */
  op: string;
  /** Top-level properties that change (the step's diffs and the keys that force a replacement). */
  changed: string[];
  /** Of `changed`, those whose new value the preview does not know: computed from another change. */
  unknown: string[];
  /** Provider id before the step (absent for a create). */
  id?: string;
  /** Inputs the program asks for after the step. */
  inputs?: Record<string, unknown>;
  /** The resource before the step (inputs and outputs), to find references to the contained instance. */
  old?: Record<string, unknown>;
}

/** What names the contained instance in a stack's resources. */
export interface ContainedInstance {
  instanceId: string;
  eniIds: string[];
  /** Its private IPv4 and IPv6 addresses. */
  addresses: string[];
  profileArn?: string;
  profileName?: string;
  roleName?: string;
  allocationIds: string[];
}

export interface Refusal {
  urn: string;
  type: string;
  op: string;
  properties: string[];
  why: string;
}

export interface PreviewVerdict {
  /** URNs `up` targets: what changes because of the AMI. */
  targets: string[];
  refused: Refusal[];
}

/** The unknown marker of Pulumi's serialized property values. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Properties that carry the AMI, by resource type (a change of them is the recovery itself). */
export const AMI_PROPERTIES: Record<string, string[]> = {
  "aws:ec2/instance:Instance": ["ami"],
  "aws:ec2/spotInstanceRequest:SpotInstanceRequest": ["ami"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["imageId"],
  "aws:ec2/launchConfiguration:LaunchConfiguration": ["imageId"],
};

/** Resources that register capacity with a load balancer, and the property naming what they register. */
const REGISTRATIONS: Record<string, string> = {
  "aws:lb/targetGroupAttachment:TargetGroupAttachment": "targetId",
  "aws:alb/targetGroupAttachment:TargetGroupAttachment": "targetId",
  "aws:elb/attachment:Attachment": "instance",
};

/** Operations that change nothing in the cloud. */
const NO_CHANGE = new Set(["same", "read", "read-replacement", "refresh", "discard", "discard-replaced"]);
/** Steps of a replacement, judged with it. */
const REPLACEMENT = new Set(["replace", "create-replacement", "delete-replaced"]);

const isUnknown = (v: unknown): boolean =>
  v === UNKNOWN ||
  (Array.isArray(v) ? v.some(isUnknown) : !!v && typeof v === "object" && Object.values(v).some(isUnknown));

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * Which part of the contained instance a step changes, or undefined. A resource that IS part of it (the
 * instance, its ENIs, profile, role, Elastic IP, its target registration) counts whatever changes; any
 * other resource only when a value that changes (or, for a new resource, any input) names it: a launch
 * template that carries the same profile as the instance, and changes only its image, does not.
 */
function touches(s: PreviewStep, c: ContainedInstance): string | undefined {
  const names = (v: string | undefined, x: string | undefined) =>
    !!v && !!x && (v === x || v.endsWith(`/${x}`));
  const parts: [string, (v: string | undefined) => boolean][] = [
    ["its network interface (security groups)", (v) => c.eniIds.some((x) => names(v, x))],
    ["its instance profile", (v) => names(v, c.profileArn) || names(v, c.profileName)],
    ["its role", (v) => names(v, c.roleName)],
    ["its Elastic IP", (v) => c.allocationIds.some((x) => names(v, x))],
  ];
  if (s.id === c.instanceId) return "the contained instance itself";
  const registers = REGISTRATIONS[s.type];
  if (registers) {
    const target = [s.old?.[registers], s.inputs?.[registers]];
    if (target.some((t) => t === c.instanceId || c.addresses.includes(t as string)))
      return "its target registration";
  }
  const identity = [s.id, s.old?.arn as string | undefined];
  for (const [part, match] of parts) if (identity.some(match)) return part;
  const changing =
    s.op === "create"
      ? strings(s.inputs)
      : s.changed.flatMap((p) => [...strings(s.inputs?.[p]), ...strings(s.old?.[p])]);
  if (changing.some((v) => names(v, c.instanceId) || c.addresses.includes(v)))
    return `a resource that refers to it (${s.type})`;
  for (const [part, match] of parts) if (changing.some(match)) return part;
  return undefined;
}

const LABELS: Record<string, string> = {
  vpcSecurityGroupIds: "security groups",
  securityGroups: "security groups",
  iamInstanceProfile: "instance profile",
  ami: "AMI",
};

/** Why an AMI-free step of the contained instance is refused. */
function containedWhy(s: PreviewStep, part: string, c: ContainedInstance): string {
  const props = s.changed.filter((p) => !(AMI_PROPERTIES[s.type] ?? []).includes(p));
  if (s.id === c.instanceId && (REPLACEMENT.has(s.op) || s.op === "delete"))
    return `pulumi would delete the contained instance ${c.instanceId} (${s.op}), before the health gate and the evidence check`;
  const what = [...new Set(props.map((p) => LABELS[p] ?? p))];
  return `changes ${part === "the contained instance itself" ? `the contained instance ${c.instanceId}'s ${what.join(", ") || "state"}` : `${part} (${c.instanceId})`}: applying it undoes containment`;
}

/** Is this step explained by the AMI alone? */
function amiDependent(s: PreviewStep, amiId: string): boolean {
  const amiProps = AMI_PROPERTIES[s.type] ?? [];
  if (s.op === "create") {
    // New capacity on the selected AMI, or the registration of capacity this update creates.
    if (amiProps.some((p) => s.inputs?.[p] === amiId)) return true;
    const registers = REGISTRATIONS[s.type];
    return registers !== undefined && isUnknown(s.inputs?.[registers]);
  }
  if (s.op !== "update" && !REPLACEMENT.has(s.op)) return false;
  if (s.changed.length === 0) return s.op === "delete-replaced" || s.op === "create-replacement";
  return s.changed.every((p) => amiProps.includes(p) || s.unknown.includes(p));
}

export function judgePreview(steps: PreviewStep[], c: ContainedInstance, amiId: string): PreviewVerdict {
  const targets = new Set<string>();
  const refused: Refusal[] = [];
  // A replacement shows as several steps of one URN: judged together, by the step that carries the diff.
  const byUrn = new Map<string, PreviewStep[]>();
  for (const s of steps) {
    if (NO_CHANGE.has(s.op) || s.type === "pulumi:pulumi:Stack") continue;
    byUrn.set(s.urn, [...(byUrn.get(s.urn) ?? []), s]);
  }
  for (const [urn, group] of byUrn) {
    const main = group.find((s) => s.op === "replace") ?? group[0]!;
    const s: PreviewStep = {
      ...main,
      changed: [...new Set(group.flatMap((g) => g.changed))],
      unknown: [...new Set(group.flatMap((g) => g.unknown))],
      id: group.find((g) => g.id)?.id,
    };
    const part = touches(s, c);
    const refuse = (why: string) => refused.push({ urn, type: s.type, op: s.op, properties: s.changed, why });
    if (part) refuse(containedWhy(s, part, c));
    else if (amiDependent(s, amiId)) targets.add(urn);
    else
      refuse(
        s.op === "delete"
          ? "deletes a resource the program no longer declares: an undeployed program change"
          : s.op === "create"
            ? "creates a resource that is not capacity on the selected AMI: an undeployed program change"
            : "the AMI does not explain this change: an undeployed program change",
      );
  }
  return { targets: [...targets], refused };
}

/** The refusal, naming each resource, its properties and why, then what to do. */
export function describeRefusal(
  where: string,
  workDir: string,
  verdict: PreviewVerdict,
  c: ContainedInstance,
): string {
  const lines = verdict.refused.map(
    (r) => `${r.urn} (${r.op}${r.properties.length ? ` of ${r.properties.join(", ")}` : ""}): ${r.why}`,
  );
  const deletes = verdict.refused.filter((r) => r.why.startsWith("pulumi would delete"));
  const contained = verdict.refused.filter((r) => r.why.includes("undoes containment"));
  const program = verdict.refused.filter((r) => r.why.includes("program change"));
  const todo = [
    ...(deletes.length
      ? [
          `to let the stack build a new instance without deleting ${c.instanceId}, take it out of the stack's state (it keeps running, isolated; ir terminates it after the gate): \`pulumi state delete '${deletes[0]!.urn}' --target-dependents\` in ${workDir}`,
        ]
      : []),
    ...(contained.length
      ? [
          `make the program declare what containment set for ${c.instanceId}, or leave it out of this update by hand (\`pulumi up --target\` with the AMI-dependent resources only); never refresh this stack while the case is open`,
        ]
      : []),
    ...(program.length
      ? [`deploy or revert the program changes first (\`pulumi preview --diff\` in ${workDir} shows them)`]
      : []),
  ];
  return `the preview of ${where} changes more than the resources that depend on the AMI; nothing was deployed (the stack's config now pins the AMI): ${lines.join("; ")}. What to do: ${todo.join("; ")}; then run ir recover again, or use --via asg`;
}
