/**
 * The role writer's execution-role policy and the roles it never writes (components/role-writer.ts).
 * Plain values, no Pulumi: the emulated accounts give the writer the same policy.
 */
import { RESPONDER_ROLE_NAME, ROLE_WRITER_FUNCTION_NAME } from "../facts/names";
import { AUTO_CONTAIN_FUNCTION_NAME } from "./auto-containment-pattern";

/** Roles the writer never writes: the responder's, its own, and the auto-containment function's. */
export const PROTECTED_ROLES = [RESPONDER_ROLE_NAME, ROLE_WRITER_FUNCTION_NAME, AUTO_CONTAIN_FUNCTION_NAME];

/** The execution role's policy: role-policy writes everywhere but the protected roles, and the reads the checks need. */
export function roleWriterPolicy(o: { partition: string; accountId: string; logGroupArn: string }) {
  const role = (name: string) => `arn:${o.partition}:iam::${o.accountId}:role/${name}`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        // Any role: a compromised instance's role is the workload's, named by nobody in advance. The code
        // decides what is written (deny documents only); IAM decides where.
        Sid: "WriteRevokeAndQuarantinePolicies",
        Effect: "Allow",
        Action: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        Resource: role("*"),
      },
      {
        Sid: "NeverTheResponseRoles",
        Effect: "Deny",
        Action: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        Resource: [
          ...PROTECTED_ROLES.map(role),
          `arn:${o.partition}:iam::${o.accountId}:role/aws-service-role/*`,
        ],
      },
      {
        // The checks: the role's revoke policies and profiles, and whether an instance is quarantined.
        Sid: "ReadWhatTheChecksNeed",
        Effect: "Allow",
        Action: ["iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListInstanceProfilesForRole"],
        Resource: role("*"),
      },
      {
        Sid: "SeeProfileAssociations",
        Effect: "Allow",
        Action: "ec2:DescribeIamInstanceProfileAssociations",
        Resource: "*",
      },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${o.logGroupArn}:log-stream:*`,
      },
    ],
  });
}
