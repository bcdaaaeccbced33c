import { resourcePolicy } from "../../lib/define";
import { ELB } from "../../lib/elb";
import { RECOMMENDED_CLASSIC_TLS_POLICY, RECOMMENDED_TLS_POLICY, tlsPolicyFacts } from "../../lib/elb-tls";
import { list, type Props, str } from "../../lib/values";

const LISTENER = ELB.listeners;
const CLASSIC_POLICY = ELB.classicPolicy;

interface TlsSettings {
  allowedPolicies: string[];
  requireForwardSecrecy: boolean;
}

/**
 * The verdict on a predefined policy name: undefined when it passes, else why not. Judged by what the
 * policy allows (lib/elb-tls.ts: AWS's table, or AWS's naming for policies published later); an
 * explicit allowedPolicies list replaces that judgement.
 */
function judge(name: string, s: TlsSettings, recommended: string): string | undefined {
  if (s.allowedPolicies.length)
    return s.allowedPolicies.includes(name)
      ? undefined
      : `"${name}" is not in allowedPolicies. Use one of: ${s.allowedPolicies.slice(0, 3).join(", ")}${s.allowedPolicies.length > 3 ? "..." : ""}.`;
  const facts = tlsPolicyFacts(name);
  if (!facts)
    return `"${name}" is not a predefined ELB security policy this pack knows, so what it allows cannot be judged. Use "${recommended}" (or list the name in allowedPolicies).`;
  if (facts.minTls === "1.0" || facts.minTls === "1.1")
    return `"${name}" accepts TLS ${facts.minTls}, which is deprecated and open to downgrade attacks. Use "${recommended}".`;
  if (s.requireForwardSecrecy && !facts.forwardSecrecyOnly)
    return `"${name}" also offers cipher suites without forward secrecy (RSA key exchange), and requireForwardSecrecy is set. Use a policy with only TLS 1.3 / ECDHE suites, such as "${RECOMMENDED_TLS_POLICY}".`;
  return undefined;
}

/** Old TLS policies accept TLS 1.0/1.1 and weak ciphers that can be downgraded and broken. */
export const elbTlsPolicy = resourcePolicy<TlsSettings>({
  name: "elb-tls-policy",
  description:
    "HTTPS and TLS listeners must use a security policy that accepts only TLS 1.2 or later (judged by the protocols and forward secrecy AWS publishes for it, or by AWS's naming for newer policies): the API default ELBSecurityPolicy-2016-08 still accepts TLS 1.0/1.1 and weak ciphers.",
  severity: "medium",
  remediationSteps: `Set sslPolicy to "${RECOMMENDED_TLS_POLICY}" (AWS's console default), or another TLS 1.2+ policy; classic load balancers reference "${RECOMMENDED_CLASSIC_TLS_POLICY}".`,
  configRule: "elb-predefined-security-policy-ssl-check",
  resourceTypes: [...LISTENER, CLASSIC_POLICY],
  settings: {
    allowedPolicies: {
      type: "array",
      items: { type: "string" },
      default: [],
      description:
        "When not empty, the only sslPolicy names accepted (replaces the judgement by protocols). Empty: any policy that accepts only TLS 1.2+.",
    },
    requireForwardSecrecy: {
      type: "boolean",
      default: false,
      description:
        "Also reject policies that offer any cipher suite without forward secrecy (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06).",
    },
  },
  parse: (r) => ({
    allowedPolicies: r.strings("allowedPolicies", []),
    requireForwardSecrecy: r.boolean("requireForwardSecrecy", false),
  }),
  check: (r, s, report) => {
    if (r.type === CLASSIC_POLICY) return checkClassicPolicy(r.props, s, report);
    const protocol = str(r.props.protocol);
    if (!protocol.known) return report.undetermined("protocol");
    if (!["HTTPS", "TLS"].includes(protocol.value?.toUpperCase() ?? "")) return;
    const policy = str(r.props.sslPolicy);
    if (!policy.known) return report.undetermined("sslPolicy");
    if (!policy.value)
      report.violation(
        `sslPolicy is not set, so the load balancer uses ELBSecurityPolicy-2016-08 (TLS 1.0+). Set "${RECOMMENDED_TLS_POLICY}".`,
      );
    else {
      const problem = judge(policy.value, s, RECOMMENDED_TLS_POLICY);
      if (problem) report.violation(`sslPolicy ${problem}`);
    }
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
        `policyAttributes enables ${(a as Props).name}: the listener accepts a deprecated protocol. Reference "${RECOMMENDED_CLASSIC_TLS_POLICY}" instead.`,
      );
    return;
  }
  const value = str(ref.value);
  if (!value.known) return report.undetermined("policyAttributes.Reference-Security-Policy");
  const problem = value.value
    ? judge(value.value, s, RECOMMENDED_CLASSIC_TLS_POLICY)
    : `"" names no policy. Reference "${RECOMMENDED_CLASSIC_TLS_POLICY}".`;
  if (problem)
    report.violation(
      `Reference-Security-Policy ${problem} (Classic load balancers do not support TLS 1.3 policies.)`,
    );
}
