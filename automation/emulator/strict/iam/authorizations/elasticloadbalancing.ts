/**
 * Elastic Load Balancing (both APIs share the SigV4 service name): target groups and load balancers by
 * ARN (v2), classic load balancers by name; Describe* supports no resource-level permission.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, each, listOf, memberTags, requestTagContext } from "./common";

export function elbAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const action = `elasticloadbalancing:${op}`;
  const p = req.params;
  const arn = (suffix: string) => `arn:aws:elasticloadbalancing:${req.region}:${req.accountId}:${suffix}`;
  if (op.startsWith("Describe")) return [{ action, resource: "*" }];
  const tags = requestTagContext(memberTags(p));
  if (op === "CreateLoadBalancer" && p.Version === "2015-12-01")
    return [
      {
        action,
        resource: arn(`loadbalancer/${p.Type === "network" ? "net" : "app"}/${p.Name}/*`),
        context: tags,
      },
    ];
  if (op === "CreateTargetGroup")
    return [{ action, resource: arn(`targetgroup/${p.Name}/*`), context: tags }];
  if (op === "CreateListener" && p.LoadBalancerArn)
    return [
      { action, resource: `${p.LoadBalancerArn.replace(":loadbalancer/", ":listener/")}/*`, context: tags },
    ];
  if (op === "AddTags" || op === "RemoveTags") {
    const arns = listOf(p, "ResourceArns");
    if (arns.length) return each(action, arns, tags);
    return each(
      action,
      listOf(p, "LoadBalancerNames").map((n) => arn(`loadbalancer/${n}`)),
      tags,
    );
  }
  const named = p.TargetGroupArn ?? p.LoadBalancerArn ?? p.ListenerArn ?? p.RuleArn;
  if (named) return [{ action, resource: named }];
  // Classic load balancers (API 2012-06-01) are named.
  if (p.LoadBalancerName)
    return [{ action, resource: arn(`loadbalancer/${p.LoadBalancerName}`), context: tags }];
  return undefined;
}
