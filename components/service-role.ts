import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./tags";

/**
 * An IAM role that one AWS service assumes (CloudTrail, Config, EventBridge, flow-log delivery), with
 * one inline policy: the pattern every delivery role of the baseline follows.
 */
export function serviceRole(
  name: string,
  service: string,
  policy: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
  managedPolicyArns?: string[],
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      }),
      managedPolicyArns,
      tags: baseTags(),
    },
    opts,
  );
  return { role, policy: new aws.iam.RolePolicy(name, { role: role.name, policy }, opts) };
}

/** A policy document with the given statements. */
export const policyJson = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
