import { stackPolicy } from "../../lib/define";
import { RefIndex, referrers } from "../../lib/refs";
import { str } from "../../lib/values";

const VPC = ["aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"];
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

interface Settings {
  trafficTypes: string[];
}

/** Without flow logs there is no record of where a compromised instance connected. */
export const vpcFlowLogs = stackPolicy<Settings>({
  name: "vpc-flow-logs",
  description:
    "Every VPC in the stack must have a flow log: without it there is no record of which peers a compromised instance talked to, how much it sent, or what scanned it.",
  severity: "high",
  remediationSteps:
    'Add an ec2.FlowLog with vpcId set to the VPC and trafficType "ALL", delivered to S3 or CloudWatch Logs.',
  cis: ["3.7"],
  configRule: "vpc-flow-logs-enabled",
  resourceTypes: VPC,
  settings: {
    trafficTypes: {
      type: "array",
      items: { type: "string", enum: ["ALL", "ACCEPT", "REJECT"] },
      default: ["ALL"],
      description: 'Traffic types a flow log may capture to count (CIS accepts "REJECT" too).',
    },
  },
  parse: (r) => ({
    trafficTypes: r.strings("trafficTypes", ["ALL"], (s) =>
      ["ALL", "ACCEPT", "REJECT"].includes(s) ? undefined : '"ALL", "ACCEPT" or "REJECT"',
    ),
  }),
  checkStack: (resources, s, report) => {
    const vpcs = resources.filter((r) => VPC.includes(r.type));
    if (!vpcs.length) return;
    const logsByVpc = referrers(
      new RefIndex(vpcs, []),
      resources.filter((r) => r.type === FLOW_LOG),
      "vpcId",
    );
    for (const vpc of vpcs) {
      const matches = (logsByVpc.get(vpc) ?? []).map((x) => ({ l: x.r, m: x.m }));
      const good = matches.filter((x) => {
        const t = str(x.l.props.trafficType);
        return !t.known || s.trafficTypes.includes(t.value ?? "");
      });
      if (good.some((x) => x.m === "yes")) continue;
      if (good.length)
        report.note(vpc, "a flow log may cover it, but its vpcId is not known during preview.");
      else if (matches.length)
        report.violation(
          vpc,
          `its flow log captures ${matches.map((x) => x.l.props.trafficType).join(", ")} only; ${s.trafficTypes.join(" or ")} is required.`,
        );
      else
        report.violation(
          vpc,
          'has no flow log. Add an ec2.FlowLog with vpcId set to it and trafficType "ALL".',
        );
    }
  },
});
