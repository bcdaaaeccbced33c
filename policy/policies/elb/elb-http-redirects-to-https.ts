import { resourcePolicy } from "../../lib/define";
import { ELB } from "../../lib/elb";
import { isUnknown } from "../../lib/unknown";
import { list, type Props, str } from "../../lib/values";

const CLASSIC = ELB.classic;
const LISTENER = ELB.listeners;

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
