/** The shared check behind the "port open to the world" policies (security groups and NACLs). */
import type { SettingsReader } from "./config";
import type { Reporter, RuleResource } from "./define";
import { forEachWorldIngress, invalidCidrNote, rangesOverlap } from "./network";
import { portLabel, reachesService } from "./ports";

export interface PortSettings {
  ports: Array<[number, number]>;
}

export const portSettingsSchema = (dflt: readonly (number | string)[], what: string) => ({
  ports: {
    type: "array" as const,
    description: `${what}: port numbers or "from-to" ranges.`,
    items: { type: ["integer" as const, "string" as const] },
    default: [...dflt],
  },
});

export const parsePorts =
  (dflt: readonly (number | string)[]) =>
  (r: SettingsReader): PortSettings => ({
    ports: r.portRanges("ports", dflt),
  });

/** Reports each configured port whose service a world-open ingress (tcp, udp or all) reaches: protocol and port together. */
export function checkWorldPorts(
  resource: RuleResource,
  ports: Array<[number, number]>,
  report: Reporter,
  fix: string,
) {
  forEachWorldIngress(
    resource.type,
    resource.props,
    (_ing, protocol, from, to, cidr, path) => {
      if (protocol === "other") return;
      const hit = ports.filter((p) => rangesOverlap(p, from, to) && reachesService(p, protocol, from, to));
      if (!hit.length) return;
      const range =
        protocol === "all"
          ? "all protocols and ports"
          : `${protocol} ${from === to ? from : `${from}-${to}`}`;
      report.violation(
        `${path || "rule"} allows ${range} from ${cidr}, which exposes ${hit.length > 4 ? `${hit.slice(0, 4).map(portLabel).join(", ")} and ${hit.length - 4} more configured port(s)` : hit.map(portLabel).join(", ")} to the internet. ${fix}`,
      );
    },
    (path) => report.undetermined(path),
    (path, cidr) => report.note(invalidCidrNote(path, cidr)),
  );
}
