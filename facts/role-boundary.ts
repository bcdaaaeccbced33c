/**
 * The permissions boundary of every role the responder creates (`ir bootstrap --forensic`'s workstation
 * role, the quarantine role when `ir` makes it itself). The responder may call `iam:CreateRole` only
 * with this boundary (`iam:PermissionsBoundary`), and holds no action that removes or replaces a boundary,
 * so a role it creates can never do more than a managed node's SSM agent, whatever policy is put on it
 * or whoever its trust admits. The baseline owns the policy (components/responder-access.ts); `ir
 * bootstrap` creates it where no baseline runs (as the administrator who bootstraps).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 */
import { NAME_PREFIX } from "./names";
import { SSM_AGENT_ACTIONS } from "./quarantine-policy";

export const ROLE_BOUNDARY_NAME = `${NAME_PREFIX}-role-boundary`;

/**
 * What AmazonSSMManagedInstanceCore grants beyond the agent's own calls (the only managed policy the
 * responder may attach to an `ir-*` role): the boundary admits exactly that policy's actions.
 */
const SSM_CORE_EXTRA = [
  "ssm:DescribeAssociation",
  "ssm:GetDeployablePatchSnapshotForInstance",
  "ssm:GetDocument",
  "ssm:GetManifest",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:ListAssociations",
  "ssm:PutComplianceItems",
  "ssm:PutConfigurePackageResult",
  "ssm:PutInventory",
  "ssm:UpdateAssociationStatus",
  "ssm:UpdateInstanceAssociationStatus",
] as const;

export const ROLE_BOUNDARY_ACTIONS: readonly string[] = [...SSM_AGENT_ACTIONS, ...SSM_CORE_EXTRA].sort();

export const roleBoundaryArn = (partition: string, accountId: string) =>
  `arn:${partition}:iam::${accountId}:policy/${ROLE_BOUNDARY_NAME}`;

/** The boundary document: the SSM agent's and Session Manager's calls, nothing else. */
export function roleBoundaryPolicy() {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ManagedNodeOnly", Effect: "Allow", Action: [...ROLE_BOUNDARY_ACTIONS], Resource: "*" },
    ],
  };
}
