/**
 * SNS: topic calls are authorised on the topic's ARN; a topic being created on the ARN it will have.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, memberTags, requestTagContext } from "./common";

export function snsAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const action = `sns:${op}`;
  const p = req.params;
  if (/^List(Topics|Subscriptions|PlatformApplications)$/.test(op)) return [{ action, resource: "*" }];
  if (op === "CreateTopic" && p.Name)
    return [
      {
        action,
        resource: `arn:aws:sns:${req.region}:${req.accountId}:${p.Name}`,
        context: requestTagContext(memberTags(p)),
      },
    ];
  const topic = p.TopicArn ?? p.TargetArn ?? p.ResourceArn;
  return topic ? [{ action, resource: topic }] : undefined;
}
