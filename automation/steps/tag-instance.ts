/** tag-instance: the instance carries its case id and status, so people and tools find the case. */
import { CreateTagsCommand, DescribeTagsCommand } from "@aws-sdk/client-ec2";
import { TAG } from "../../facts/tags";
import type { CaseContext } from "../case/context";
import type { Step } from "../engine/types";

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
      await ctx.clients.ec2.send(
        new CreateTagsCommand({
          Resources: [ctx.instanceId],
          Tags: [
            { Key: TAG.caseId, Value: ctx.caseId },
            { Key: TAG.status, Value: status },
          ],
        }),
      );
      return { status: "done" };
    },
    async verify(ctx) {
      const res = await ctx.clients.ec2.send(
        new DescribeTagsCommand({
          Filters: [
            { Name: "resource-id", Values: [ctx.instanceId] },
            { Name: "key", Values: [TAG.status] },
          ],
        }),
      );
      const value = res.Tags?.[0]?.Value;
      return value === status
        ? { ok: true }
        : { ok: false, detail: `${TAG.status} is ${value ?? "missing"}` };
    },
  };
}
