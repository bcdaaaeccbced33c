/** tag-instance: the instance carries its case id and status, so people and tools find the case. */
import { CreateTagsCommand, DescribeTagsCommand } from "@aws-sdk/client-ec2";
import { TAG } from "../../facts/tags";
import type { CaseContext } from "../case/context";
import type { Step } from "../engine/types";

/** The instance's value of one tag key, or undefined. */
async function tagOf(ctx: CaseContext, key: string): Promise<string | undefined> {
  const res = await ctx.clients.ec2.send(
    new DescribeTagsCommand({
      Filters: [
        { Name: "resource-id", Values: [ctx.instanceId] },
        { Name: "key", Values: [key] },
      ],
    }),
  );
  return res.Tags?.[0]?.Value;
}

export function tagInstanceStep(status: "contained" | "released", needs: string[]): Step<CaseContext> {
  return {
    id: status === "contained" ? "tag-instance" : "tag-released",
    title: `Tag the instance ${TAG.status}=${status}`,
    needs,
    async plan(ctx) {
      return [
        {
          action: "ec2:CreateTags",
          target: ctx.instanceId,
          detail: `${TAG.caseId}=${ctx.caseId}, ${TAG.status}=${status}`,
        },
      ];
    },
    async run(ctx) {
      // The responder may put a case id only on an instance that has none, and never rewrites one
      // (components/responder-policy.ts): a resumed run, the release, or a later case of an instance
      // released before writes the status alone. The earlier case's id then stays on the instance.
      const caseTag = await tagOf(ctx, TAG.caseId);
      await ctx.clients.ec2.send(
        new CreateTagsCommand({
          Resources: [ctx.instanceId],
          Tags: [
            ...(caseTag === undefined ? [{ Key: TAG.caseId, Value: ctx.caseId }] : []),
            { Key: TAG.status, Value: status },
          ],
        }),
      );
      return caseTag === undefined || caseTag === ctx.caseId
        ? { status: "done" }
        : { status: "done", record: { keptCaseId: caseTag } };
    },
    async verify(ctx) {
      const value = await tagOf(ctx, TAG.status);
      return value === status
        ? { ok: true }
        : { ok: false, detail: `${TAG.status} is ${value ?? "missing"}` };
    },
  };
}
