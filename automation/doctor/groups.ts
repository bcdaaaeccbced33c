/**
 * Isolation groups per protected VPC, found as the responder finds them (automation/steps/
 * isolation-groups.ts): by the ids in the config's isolationGroups, else by their standard names
 * (facts/names.ts isolationGroupNames). The untrack group must allow all traffic both ways and the
 * isolation group nothing (checkGroupRules); the forensic-egress group and the VPC's SSM interface
 * endpoints decide whether an isolated host can still be captured (lookUpForensicReach). Protected VPCs:
 * those the config names, those given with --vpc, and every VPC with a running instance.
 */
import { DescribeSecurityGroupsCommand, type SecurityGroup } from "@aws-sdk/client-ec2";
import { isolationGroupNames } from "../../facts/names";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { ResolvedSettings } from "../settings/settings";
import { checkGroupRules, describeReach, lookUpForensicReach } from "../steps/isolation-groups";
import type { VpcGroups } from "./probe-env";
import type { Check } from "./types";

export interface VpcReadiness {
  groups: VpcGroups;
  /** Untrack and isolation groups exist with the right rules. */
  containable: boolean;
  /** An isolated host can reach SSM and S3 through the forensic-egress group. */
  capturable: boolean;
  why: { containable?: string; capturable?: string };
}

const tagsOf = (g: SecurityGroup) =>
  Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

async function groupsOf(
  clients: AwsClients,
  vpcId: string,
  settings: ResolvedSettings,
): Promise<SecurityGroup[]> {
  const configured = settings.isolationGroups[vpcId];
  const res = await clients.ec2.send(
    new DescribeSecurityGroupsCommand(
      configured
        ? { GroupIds: [configured.untrack, configured.isolation, configured.forensicEgress].filter(Boolean) }
        : {
            Filters: [
              { Name: "vpc-id", Values: [vpcId] },
              { Name: "group-name", Values: Object.values(isolationGroupNames(vpcId)) },
            ],
          },
    ),
  );
  return res.SecurityGroups ?? [];
}

export async function checkVpc(
  clients: AwsClients,
  vpcId: string,
  settings: ResolvedSettings,
): Promise<{ vpc: VpcReadiness; checks: Check[] }> {
  const names = isolationGroupNames(vpcId);
  const configured = settings.isolationGroups[vpcId];
  const checks: Check[] = [];
  let found: SecurityGroup[] = [];
  try {
    found = await groupsOf(clients, vpcId, settings);
  } catch (err) {
    checks.push({
      area: "isolation groups",
      item: vpcId,
      status: "fail",
      detail: `the configured groups ${JSON.stringify(configured)} cannot be read (${errorName(err)})`,
      fix: "correct isolationGroups in the config file (pulumi stack output responderSettings)",
    });
  }
  const pick = (kind: keyof typeof names) =>
    found.find((g) => (configured ? configured[kind] === g.GroupId : g.GroupName === names[kind]));
  const [untrack, isolation, egress] = [pick("untrack"), pick("isolation"), pick("forensicEgress")];
  const reach = await lookUpForensicReach(clients.ec2, clients.region, vpcId).catch((err) => ({
    ssmEndpointGroups: [] as string[],
    ssm: false,
    problem: `could not look up the S3 prefix list and the SSM endpoints (${errorName(err)})`,
  }));
  const problem = checkGroupRules(untrack, isolation);
  const groups: VpcGroups = {
    vpcId,
    ...(untrack ? { untrack: { id: untrack.GroupId!, tags: tagsOf(untrack) } } : {}),
    ...(isolation ? { isolation: { id: isolation.GroupId!, tags: tagsOf(isolation) } } : {}),
    ...(egress ? { forensicEgress: { id: egress.GroupId!, tags: tagsOf(egress) } } : {}),
    ssmEndpointGroups: reach.ssmEndpointGroups,
  };
  checks.push(
    problem
      ? {
          area: "isolation groups",
          item: vpcId,
          status: "fail",
          detail: `${problem}: a response would have to create or fix them mid-incident`,
          fix: `deploy the baseline's IsolationGroups for ${vpcId} (or run \`ir bootstrap --vpc ${vpcId}\`)`,
        }
      : {
          area: "isolation groups",
          item: vpcId,
          status: "ok",
          detail: `untrack ${untrack!.GroupId}, isolation ${isolation!.GroupId}`,
        },
  );
  const captureWhy = !egress
    ? `no forensic-egress group (${names.forensicEgress}): an isolated host cannot upload memory or logs`
    : !reach.ssm || !("s3PrefixListId" in reach && reach.s3PrefixListId)
      ? describeReach(reach)
      : undefined;
  checks.push(
    captureWhy
      ? {
          area: "isolation groups",
          item: `${vpcId} forensic egress`,
          status: "warn",
          detail: captureWhy,
          fix: "create ssm, ssmmessages and ec2messages interface endpoints with private DNS and a group of their own, and deploy the forensic-egress group",
        }
      : {
          area: "isolation groups",
          item: `${vpcId} forensic egress`,
          status: "ok",
          detail: describeReach(reach),
        },
  );
  return {
    vpc: {
      groups,
      containable: !problem,
      capturable: !captureWhy,
      why: {
        ...(problem ? { containable: `isolation groups of ${vpcId}: ${problem}` } : {}),
        ...(captureWhy ? { capturable: `${vpcId}: ${captureWhy}` } : {}),
      },
    },
    checks,
  };
}
