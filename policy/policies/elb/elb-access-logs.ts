import { resourcePolicy } from "../../lib/define";
import { ELB } from "../../lib/elb";
import { bool, obj, str } from "../../lib/values";

const LB = ELB.loadBalancers;
const CLASSIC = ELB.classic;

interface LogSettings {
  loadBalancerTypes: string[];
}

/** Without access logs, the requests that exploited the service are gone. */
export const elbAccessLogs = resourcePolicy<LogSettings>({
  name: "elb-access-logs",
  description:
    "Application and classic load balancers must write access logs: they are the only record of the requests that probed and exploited the service behind them.",
  severity: "medium",
  remediationSteps:
    "Set accessLogs: { bucket, enabled: true } (the bucket policy must allow the ELB log delivery principal).",
  configRule: "elb-logging-enabled",
  resourceTypes: [...LB, CLASSIC],
  settings: {
    loadBalancerTypes: {
      type: "array",
      items: { type: "string", enum: ["application", "network", "gateway", "classic"] },
      default: ["application", "classic"],
      description: "Load balancer types that must log (network load balancers log only TLS listeners).",
    },
  },
  parse: (r) => ({
    loadBalancerTypes: r.strings("loadBalancerTypes", ["application", "classic"], (s) =>
      ["application", "network", "gateway", "classic"].includes(s)
        ? undefined
        : '"application", "network", "gateway" or "classic"',
    ),
  }),
  check: (r, s, report) => {
    let kind = "classic";
    if (r.type !== CLASSIC) {
      const t = str(r.props.loadBalancerType);
      if (!t.known) return report.undetermined("loadBalancerType");
      kind = t.value ?? "application";
    }
    if (!s.loadBalancerTypes.includes(kind)) return;
    const logs = obj(r.props.accessLogs);
    if (!logs.known) return report.undetermined("accessLogs");
    const enabled = bool(logs.value?.enabled);
    if (!enabled.known) return report.undetermined("accessLogs.enabled");
    // The classic ELB's accessLogs.enabled defaults to true when the block is present.
    const on =
      enabled.value === true ||
      (r.type === CLASSIC && logs.value !== undefined && enabled.value === undefined);
    if (!on)
      report.violation(
        `accessLogs ${logs.value ? "is disabled" : "is not set"}: requests are not recorded. Set accessLogs: { bucket, enabled: true }.`,
      );
  },
});
