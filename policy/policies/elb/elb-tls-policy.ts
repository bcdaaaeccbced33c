import { resourcePolicy } from "../../lib/define";
import { ELB } from "../../lib/elb";
import { list, type Props, str } from "../../lib/values";

const LISTENER = ELB.listeners;
const CLASSIC_POLICY = ELB.classicPolicy;

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
