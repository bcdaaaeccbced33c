/**
 * Readiness per instance and the score (docs/doctor.md defines each term):
 * - containable: in a VPC whose untrack and isolation groups exist with the right rules, no network
 *   interface requester-managed, and the responder allowed every containment call on its resources;
 * - capturable: its SSM agent Online, an instance profile, forensic egress in its VPC that reaches SSM
 *   and S3, and the responder allowed every capture call;
 * - preservable: an EBS root, the evidence bucket, journal and keys without a failed check, and the
 *   responder allowed every preservation call.
 * The score is the share of running instances that are each (and all three).
 */
import type { VpcReadiness } from "./groups";
import type { InstanceFacts } from "./probes-instance";
import type { Check, InstanceReadiness, ProbeResult, Purpose, Share, Status } from "./types";

const SHOWN = 3;

/** Denied (or undecided) probes of a purpose that concern this instance: its own and the account-wide ones. */
function denials(results: ProbeResult[], purpose: Purpose, instanceId: string): string[] {
  const bad = results.filter(
    (r) =>
      r.purpose === purpose &&
      r.decision !== "allowed" &&
      (r.instanceId === undefined || r.instanceId === instanceId),
  );
  const lines = bad.map((r) =>
    r.decision === "error"
      ? `${r.action} on ${r.resource} could not be simulated`
      : `the responder may not call ${r.action} on ${r.resource} (${r.decision})`,
  );
  return lines.length > SHOWN
    ? [...lines.slice(0, SHOWN), `and ${lines.length - SHOWN} more denied calls`]
    : lines;
}

export function readinessOf(
  i: InstanceFacts,
  vpc: VpcReadiness | undefined,
  results: ProbeResult[],
  storeProblems: string[],
): InstanceReadiness {
  const containable = [
    ...(!i.vpcId ? ["not in a VPC"] : vpc?.why.containable ? [vpc.why.containable] : []),
    ...i.enis
      .filter((n) => n.requesterManaged)
      .map(
        (n) => `network interface ${n.id} is requester-managed: it cannot be moved to the isolation group`,
      ),
    ...denials(results, "contain", i.instanceId),
  ];
  const capturable = [
    ...(i.ssm === "Online" ? [] : [`SSM agent: ${i.ssm}`]),
    ...(i.profileArn ? [] : ["no instance profile: the SSM agent has no credentials"]),
    ...(vpc?.why.capturable ? [vpc.why.capturable] : []),
    ...denials(results, "capture", i.instanceId),
  ];
  const preservable = [
    ...storeProblems,
    ...(i.rootDeviceType && i.rootDeviceType !== "ebs"
      ? [`root device is ${i.rootDeviceType}: its disks cannot be snapshotted`]
      : []),
    ...denials(results, "preserve", i.instanceId),
  ];
  return {
    instanceId: i.instanceId,
    ...(i.vpcId ? { vpcId: i.vpcId } : {}),
    instanceType: i.instanceType,
    ...(i.hypervisor ? { hypervisor: i.hypervisor } : {}),
    ssm: i.ssm,
    ...(i.profileArn ? { instanceProfile: i.profileArn } : {}),
    ...(i.rootDeviceType ? { rootDeviceType: i.rootDeviceType } : {}),
    containable: containable.length === 0,
    capturable: capturable.length === 0,
    preservable: preservable.length === 0,
    why: { containable, capturable, preservable },
  };
}

const share = (count: number, of: number): Share => ({
  count,
  of,
  percent: of === 0 ? 100 : Math.round((100 * count) / of),
});

export function scoreOf(instances: InstanceReadiness[]) {
  const n = instances.length;
  return {
    containable: share(instances.filter((i) => i.containable).length, n),
    capturable: share(instances.filter((i) => i.capturable).length, n),
    preservable: share(instances.filter((i) => i.preservable).length, n),
    all: share(instances.filter((i) => i.containable && i.capturable && i.preservable).length, n),
  };
}

/** Purposes whose denial only weakens a setup the baseline already covers. */
const SOFT: ReadonlySet<Purpose> = new Set(["bootstrap", "notify"]);
const ORDER: Purpose[] = [
  "contain",
  "capture",
  "preserve",
  "release",
  "recover",
  "investigate",
  "analyze",
  "notify",
  "bootstrap",
];

/** One row per purpose: how many calls are allowed, and the first denied ones. */
export function permissionChecks(results: ProbeResult[], roleArn: string): Check[] {
  return ORDER.flatMap((purpose): Check[] => {
    const mine = results.filter((r) => r.purpose === purpose);
    if (mine.length === 0) return [];
    const bad = mine.filter((r) => r.decision !== "allowed");
    const actions = new Set(mine.map((r) => r.action)).size;
    if (bad.length === 0)
      return [
        {
          area: "permissions",
          item: purpose,
          status: "ok",
          detail: `all ${mine.length} calls of ${actions} actions allowed`,
        },
      ];
    const shown = [...new Map(bad.map((r) => [`${r.action} ${r.resource}`, r])).values()].slice(0, 4);
    const status: Status = SOFT.has(purpose) ? "warn" : "fail";
    return [
      {
        area: "permissions",
        item: purpose,
        status,
        detail: `${bad.length} of ${mine.length} calls not allowed: ${shown
          .map(
            (r) =>
              `${r.action} on ${r.resource} (${r.decision}${r.matched?.length ? ` by ${r.matched.join(", ")}` : ""}${r.error ? `: ${r.error}` : ""})`,
          )
          .join("; ")}${bad.length > shown.length ? "; ..." : ""}`,
        fix: `give ${roleArn} these calls as the baseline's responder policy does (components/responder-policy.ts), or lift the deny`,
      },
    ];
  });
}
