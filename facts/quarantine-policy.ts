/**
 * The policy of the role behind the quarantine ("deny-all") instance profile that containment swaps
 * onto a compromised instance. It denies everything except the SSM agent's own calls, so the agent
 * keeps taking the memory capture and the log collection while the instance is contained: the agent
 * signs with the instance profile's credentials, and a role that denies every action silences it
 * (commands are accepted and never delivered).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
 *
 * What a thief of these credentials (root on the host reads them from IMDS) can do: register the
 * instance, fetch and answer the commands sent to this instance, open Session Manager channels to it.
 * Nothing that reads or changes anything else in the account. The allow holds only for instance-role
 * credentials (`ec2:SourceInstanceARN` is carried by them, a global key) of this account, and every other
 * action is denied explicitly, so a policy attached to the role later cannot widen it.
 * Shared by the baseline (components/responder-access.ts) and `ir` when it creates the profile itself
 * (automation/steps/deny-all-profile.ts): one document.
 */

/** The agent's calls for Run Command and Session Manager (what AmazonSSMManagedInstanceCore grants them). */
export const SSM_AGENT_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssm:ListInstanceAssociations",
  "ssm:DescribeInstanceProperties",
  "ssm:DescribeDocument",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
] as const;

export const QUARANTINE_POLICY_NAME = "ir-deny-all";

/** The role's one inline policy. `partition` and `accountId` bind the allow to this account's instances. */
export function quarantinePolicy(o: { partition?: string; accountId: string }) {
  const partition = o.partition ?? "aws";
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SsmAgentOnlyFromThisAccountsInstances",
        Effect: "Allow",
        Action: [...SSM_AGENT_ACTIONS],
        Resource: "*",
        Condition: {
          ArnLike: { "ec2:SourceInstanceARN": `arn:${partition}:ec2:*:${o.accountId}:instance/*` },
        },
      },
      { Sid: "DenyEverythingElse", Effect: "Deny", NotAction: [...SSM_AGENT_ACTIONS], Resource: "*" },
    ],
  };
}

/**
 * Does this role policy let the SSM agent work? False for the deny-everything document of earlier
 * versions (`Deny *`): under it memory and logs cannot be delivered.
 */
export function admitsSsmAgent(document: string): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(document) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as {
    Effect?: string;
    Action?: string | string[];
  }[];
  const list = (a: string | string[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []);
  const denyAll = statements.some((s) => s?.Effect === "Deny" && list(s.Action).includes("*"));
  const allowsAgent = statements.some(
    (s) => s?.Effect === "Allow" && list(s.Action).includes("ec2messages:GetMessages"),
  );
  return allowsAgent && !denyAll;
}
