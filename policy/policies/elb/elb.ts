import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { bool, list, obj, type Props, str } from "../../lib/values";

const LB = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const CLASSIC = "aws:elb/loadBalancer:LoadBalancer";
const LISTENER = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const CLASSIC_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy";

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

/** Plain HTTP exposes sessions and credentials on the wire. */
export const elbHttpRedirectsToHttps = resourcePolicy({
  name: "elb-http-redirects-to-https",
  description:
    "HTTP listeners must only redirect to HTTPS (and classic load balancers must not serve HTTP): otherwise sessions, cookies and credentials travel in clear text.",
  severity: "medium",
  remediationSteps:
    'Make the HTTP listener\'s only default action { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }, and serve the application on an HTTPS listener.',
  configRule: "alb-http-to-https-redirection-check",
  resourceTypes: [...LISTENER, CLASSIC],
  check: (r, _s, report) => {
    if (r.type === CLASSIC) {
      const listeners = list(r.props.listeners);
      if (!listeners.known) return report.undetermined("listeners");
      listeners.value?.forEach((l, i) => {
        const p = str(isUnknown(l) ? l : (l as Props)?.lbProtocol);
        if (!p.known) report.undetermined(`listeners[${i}].lbProtocol`);
        else if (p.value?.toLowerCase() === "http")
          report.violation(
            `listeners[${i}] serves HTTP: a classic load balancer cannot redirect. Use HTTPS, or move to an ALB with a redirect.`,
          );
      });
      return;
    }
    const protocol = str(r.props.protocol);
    if (!protocol.known) return report.undetermined("protocol");
    if (protocol.value?.toUpperCase() !== "HTTP") return;
    const actions = list(r.props.defaultActions);
    if (!actions.known) return report.undetermined("defaultActions");
    const all = actions.value ?? [];
    if (all.some((a) => isUnknown(a) || isUnknown((a as Props)?.type) || isUnknown((a as Props)?.redirect)))
      return report.undetermined("defaultActions");
    const redirects = all.every((a) => {
      const action = (a ?? {}) as Props;
      const target = action.redirect as Props | undefined;
      return (
        action.type === "redirect" &&
        (isUnknown(target?.protocol) || String(target?.protocol).toUpperCase() === "HTTPS")
      );
    });
    if (!all.length || !redirects)
      report.violation(
        'the HTTP listener does not redirect to HTTPS. Make its default action a redirect with protocol "HTTPS".',
      );
  },
});

const DEFAULT_TLS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
];

interface TlsSettings {
  allowedPolicies: string[];
}

/** Old TLS policies accept TLS 1.0/1.1 and weak ciphers that can be downgraded and broken. */
export const elbTlsPolicy = resourcePolicy<TlsSettings>({
  name: "elb-tls-policy",
  description:
    "HTTPS and TLS listeners must use a modern security policy (TLS 1.2+ with forward secrecy): the API default ELBSecurityPolicy-2016-08 still accepts TLS 1.0/1.1 and weak ciphers.",
  severity: "medium",
  remediationSteps:
    'Set sslPolicy to "ELBSecurityPolicy-TLS13-1-2-2021-06" (or another policy in allowedPolicies).',
  configRule: "elb-predefined-security-policy-ssl-check",
  resourceTypes: [...LISTENER, CLASSIC_POLICY],
  settings: {
    allowedPolicies: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_TLS_POLICIES,
      description: "Accepted sslPolicy names.",
    },
  },
  parse: (r) => ({ allowedPolicies: r.strings("allowedPolicies", DEFAULT_TLS_POLICIES) }),
  check: (r, s, report) => {
    if (r.type === CLASSIC_POLICY) return checkClassicPolicy(r.props, s, report);
    const protocol = str(r.props.protocol);
    if (!protocol.known) return report.undetermined("protocol");
    if (!["HTTPS", "TLS"].includes(protocol.value?.toUpperCase() ?? "")) return;
    const policy = str(r.props.sslPolicy);
    if (!policy.known) return report.undetermined("sslPolicy");
    if (!policy.value)
      report.violation(
        'sslPolicy is not set, so the load balancer uses ELBSecurityPolicy-2016-08 (TLS 1.0+). Set "ELBSecurityPolicy-TLS13-1-2-2021-06".',
      );
    else if (!s.allowedPolicies.includes(policy.value))
      report.violation(
        `sslPolicy "${policy.value}" is not an approved TLS policy. Use one of: ${s.allowedPolicies.slice(0, 3).join(", ")}...`,
      );
  },
});

/** Classic load balancers: an SSL negotiation policy must reference an approved predefined policy. */
function checkClassicPolicy(
  props: Props,
  s: TlsSettings,
  report: { violation(m: string): void; undetermined(p: string): void },
) {
  const type = str(props.policyTypeName);
  if (!type.known) return report.undetermined("policyTypeName");
  if (type.value !== "SSLNegotiationPolicyType") return;
  const attrs = list(props.policyAttributes);
  if (!attrs.known) return report.undetermined("policyAttributes");
  const ref = (attrs.value ?? []).find(
    (a) => (a as Props | undefined)?.name === "Reference-Security-Policy",
  ) as Props | undefined;
  if (!ref) {
    // Custom cipher lists: protocol attributes such as Protocol-TLSv1 = true are the risk.
    const old = (attrs.value ?? []).filter((a) => {
      const attr = (a ?? {}) as Props;
      return (
        ["Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1"].includes(String(attr.name)) &&
        String(attr.value) === "true"
      );
    });
    for (const a of old)
      report.violation(
        `policyAttributes enables ${(a as Props).name}: the listener accepts a deprecated protocol. Reference "ELBSecurityPolicy-TLS-1-2-2017-01" instead.`,
      );
    return;
  }
  const value = str(ref.value);
  if (!value.known) return report.undetermined("policyAttributes.Reference-Security-Policy");
  if (!value.value || !s.allowedPolicies.includes(value.value))
    report.violation(
      `Reference-Security-Policy "${value.value ?? ""}" is not an approved TLS policy. Reference "ELBSecurityPolicy-TLS-1-2-2017-01" (classic load balancers do not support TLS 1.3 policies).`,
    );
}
