/**
 * resolve: the instance's load-balancer targets (by instance id, and by ENI private IP for IP targets)
 * and the role behind its instance profile. Read-only; runs beside the snapshot call.
 */
import type { Json, Step } from "../engine/types";
import { facts, type RespondContext, type ResolvedDeps } from "../respond/context";
import type { Discovery } from "../respond/discovery";

export function resolveStep(discovery: Discovery): Step<RespondContext> {
  return {
    id: "resolve",
    title: "Find the instance's load-balancer targets and role",
    readOnly: true,
    after: ["discover"],
    async plan() {
      return [];
    },
    async run(ctx) {
      const f = facts(ctx);
      const ips = new Set(f.enis.flatMap((e) => e.privateIps));
      const perGroup = await Promise.all(
        f.targetGroupArns.map(async (arn) =>
          (await discovery.targetsOf(arn))
            .filter((t) => t.id === f.instanceId || ips.has(t.id))
            .map((t) => ({
              targetGroupArn: arn,
              id: t.id,
              ...(t.port ? { port: t.port } : {}),
              ...(t.az ? { availabilityZone: t.az } : {}),
            })),
        ),
      );
      const role = f.profile ? await discovery.roleOf(f.profile.arn) : undefined;
      const record: ResolvedDeps = {
        targets: perGroup.flat(),
        ...(role && f.profile ? { role: { ...role, profileName: f.profile.arn.split("/").pop()! } } : {}),
      };
      return { status: "done", record: record as unknown as Json };
    },
    async verify() {
      return { ok: true };
    },
  };
}
