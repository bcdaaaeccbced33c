/**
 * What `--whole-role` costs, said before it is done: the deny covers every session of the role issued
 * before now, and IMDS keeps handing an instance the same credentials until shortly before they expire
 * (hours), so every other instance running with the role loses AWS access for up to that long.
 * Siblings are found as the instances associated with the same instance profile.
 */
import { DescribeIamInstanceProfileAssociationsCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import type { AwsClients } from "../aws/clients";

export interface WholeRoleImpact {
  /** Instance profile ARN → the other instances that hold it now. */
  siblings: Map<string, string[]>;
  /** Targets with no instance profile (nothing to deny). */
  noProfile: string[];
}

export async function wholeRoleImpact(clients: AwsClients, instanceIds: string[]): Promise<WholeRoleImpact> {
  const res = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
  const profileOf = new Map<string, string>();
  for (const i of (res.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    if (i.IamInstanceProfile?.Arn) profileOf.set(i.InstanceId!, i.IamInstanceProfile.Arn);
  }
  const profiles = new Set(profileOf.values());
  const siblings = new Map<string, string[]>([...profiles].map((p) => [p, []]));
  let token: string | undefined;
  do {
    const page = await clients.ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "state", Values: ["associated"] }],
        NextToken: token,
      }),
    );
    for (const a of page.IamInstanceProfileAssociations ?? []) {
      const p = a.IamInstanceProfile?.Arn;
      if (p && profiles.has(p) && a.InstanceId && !instanceIds.includes(a.InstanceId))
        siblings.get(p)!.push(a.InstanceId);
    }
    token = page.NextToken;
  } while (token);
  return { siblings, noProfile: instanceIds.filter((id) => !profileOf.has(id)) };
}

/** The outage in words, for the confirmation prompt (and stderr when --yes skips it). */
export function describeWholeRoleImpact(
  impact: WholeRoleImpact | undefined,
  unknownBecause?: string,
): string {
  if (!impact)
    return `--whole-role denies every session of the role issued before now: every other instance with the role loses AWS access for up to about 6 hours (its siblings could not be listed: ${unknownBecause})`;
  const lines = [...impact.siblings].map(([profile, others]) => {
    const name = profile.split("/").pop();
    if (others.length === 0) return `no other instance holds instance profile ${name}`;
    const shown =
      others.slice(0, 10).join(", ") + (others.length > 10 ? `, and ${others.length - 10} more` : "");
    return `${others.length} other instance(s) with instance profile ${name} (${shown}) lose AWS access: IMDS keeps their current credentials, now denied, until shortly before they expire (up to about 6 hours)`;
  });
  return `--whole-role denies every session of the role issued before now: ${lines.join("; ")}`;
}
