/**
 * A moto bug worked around, not an AWS refusal: AWS takes an S3 flow-log destination with a folder
 * (`arn:aws:s3:::bucket/vpc-flow-logs`, as the baseline sets it); moto 5.2 looks the whole
 * `bucket/prefix` up as a bucket name and refuses it. The layer creates the flow log with the bare
 * bucket and shows the destination AWS would (with its folder) in DescribeFlowLogs, so the responder
 * reads the flow logs where the baseline puts them and its policy (which grants that folder only) holds.
 */
import type { StrictRule } from "../types";

const SLOT = "moto-flow-log-s3-prefix";
const S3_WITH_FOLDER = /^(arn:[^:]+:s3:::[^/]+)\/(.+?)\/?$/;

export const motoFlowLogS3Prefix: StrictRule = {
  id: "moto-flow-log-s3-prefix",
  title:
    "an S3 flow-log destination may name a folder (arn:aws:s3:::bucket/folder); DescribeFlowLogs shows it as given",
  source: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-create.html",
  matches: (req) =>
    req.service === "ec2" && (req.operation === "CreateFlowLogs" || req.operation === "DescribeFlowLogs"),
  async answer(req, ctx) {
    if (req.operation !== "CreateFlowLogs") return undefined;
    const m = S3_WITH_FOLDER.exec(req.params.LogDestination ?? "");
    if (!m) return undefined;
    const body = new URLSearchParams({ ...req.params, LogDestination: m[1]! }).toString();
    const answer = await ctx.forward(req, Buffer.from(body));
    const destinations = ctx.state.of(SLOT, () => new Map<string, string>());
    for (const [, id] of answer.body.toString("utf8").matchAll(/<item>(fl-[0-9a-f]+)<\/item>/g))
      destinations.set(id!, `${m[1]}/${m[2]}`);
    return answer;
  },
  after(req, answer, ctx) {
    if (req.operation !== "DescribeFlowLogs" || answer.status !== 200) return undefined;
    const destinations = ctx.state.of(SLOT, () => new Map<string, string>());
    if (destinations.size === 0) return undefined;
    let xml = answer.body.toString("utf8");
    for (const [id, destination] of destinations) {
      const at = xml.indexOf(`<flowLogId>${id}</flowLogId>`);
      if (at < 0) continue;
      const open = xml.indexOf("<logDestination>", at);
      const close = xml.indexOf("</logDestination>", open);
      const next = xml.indexOf("<flowLogId>", at + 1);
      // The destination of this flow log: after its id and before the next flow log's.
      if (open < 0 || close < 0 || (next >= 0 && open > next)) continue;
      xml = `${xml.slice(0, open)}<logDestination>${destination}${xml.slice(close)}`;
    }
    return { ...answer, body: Buffer.from(xml) };
  },
};
