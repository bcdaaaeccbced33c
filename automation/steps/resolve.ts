/**
 * resolve: the instance's load-balancer targets (by instance id, and for IP targets by any address of
 * its ENIs: private IPv4 and IPv6 alike, compared in one spelling) and the role behind its instance
 * profile. Read-only; runs beside the snapshot call.
 */

import { type CaseContext, facts, type ResolvedDeps } from "../case/context";
import type { Discovery } from "../case/discovery";
import type { Json, Step } from "../engine/types";

/**
 * An address in one spelling, so a target registered as 2600:1F18:0:0::A matches the ENI's
 * 2600:1f18::a: IPv6 compressed and lower-case (RFC 5952, as URLs write it); IPv4 as it is.
 */
export function canonicalIp(ip: string): string {
  if (!ip.includes(":")) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

export function resolveStep(discovery: Discovery): Step<CaseContext> {
  return {
    id: "resolve",
    title: "Find the instance's load-balancer targets and role",
    effect: "reads",
    needs: ["discover"],
    async plan() {
      return [];
    },
    async run(ctx) {
      const f = facts(ctx);
      const ips = new Set(f.enis.flatMap((e) => [...e.privateIps, ...e.ipv6]).map(canonicalIp));
      const [perGroup, role, classic] = await Promise.all([
        Promise.all(
          f.targetGroupArns.map(async (arn) =>
            (await discovery.targetsOf(arn))
              .filter((t) => t.id === f.instanceId || ips.has(canonicalIp(t.id)))
              .map((t) => ({
                targetGroupArn: arn,
                id: t.id,
                ...(t.port ? { port: t.port } : {}),
                ...(t.az ? { availabilityZone: t.az } : {}),
              })),
          ),
        ),
        f.profile ? discovery.roleOf(f.profile.arn) : Promise.resolve(undefined),
        discovery.classicElbs().then(
          (lbs) => ({ names: lbs.filter((lb) => lb.instances.includes(f.instanceId)).map((lb) => lb.name) }),
          (err) => ({ names: [] as string[], error: `${(err as Error).name}: ${(err as Error).message}` }),
        ),
      ]);
      const record: ResolvedDeps = {
        targets: perGroup.flat(),
        classicElbs: classic.names,
        ...("error" in classic && classic.error ? { classicElbError: classic.error } : {}),
        ...(role && f.profile ? { role: { ...role, profileName: f.profile.arn.split("/").pop()! } } : {}),
      };
      return { status: "done", record: record as unknown as Json };
    },
    async verify() {
      return { ok: true };
    },
  };
}
