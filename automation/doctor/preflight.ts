/**
 * Before any check: who is asking (credentials) and where (the Region). Each failure is bad input
 * (InputError: exit 2, nothing checked, nothing changed) with what went wrong, the bad value and what to
 * do. Both questions go to the partition's home Region, never to the Region asked about: an unknown
 * Region has no endpoint to ask (its name does not resolve).
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import { actionableProblem } from "../aws/problems";
import { InputError } from "../input/targets";
import type { Check } from "./types";

export interface Caller {
  accountId: string;
  /** The caller's ARN. */
  arn: string;
  partition: string;
}

/** The error as bad input when it is one (credentials, an unresolvable Region, a dead endpoint), else undefined. */
export function inputProblem(err: unknown, region: string, endpoint?: string): InputError | undefined {
  const p = actionableProblem(err, region, endpoint);
  return p && new InputError(`${p.message}; ir doctor checked nothing and changed nothing`);
}

/** A Region of the same partition that always exists: where the Region asked about is looked up. */
export function homeRegion(region: string): string {
  if (region.startsWith("cn-")) return "cn-north-1";
  if (region.startsWith("us-gov-")) return "us-gov-west-1";
  if (region.startsWith("us-isob-")) return "us-isob-east-1";
  if (region.startsWith("us-iso-")) return "us-iso-east-1";
  return "us-east-1";
}

/** Who is calling; bad credentials are bad input. */
export async function whoAmI(clients: AwsClients): Promise<Caller> {
  try {
    const id = await clients.sts.send(new GetCallerIdentityCommand({}));
    const arn = id.Arn ?? "";
    return { accountId: id.Account ?? "", arn, partition: arn.split(":")[1] || "aws" };
  } catch (err) {
    throw inputProblem(err, clients.region, clients.endpoint) ?? err;
  }
}

/**
 * The Region exists in the partition and is enabled for the account (EC2's own list, opt-in status
 * included). A caller who may not list Regions gets a warning, not a refusal.
 */
export async function checkRegion(home: AwsClients, region: string, accountId: string): Promise<Check> {
  const clients = home;
  let listed: { RegionName?: string; OptInStatus?: string }[];
  try {
    listed = (await clients.ec2.send(new DescribeRegionsCommand({ AllRegions: true }))).Regions ?? [];
  } catch (err) {
    const bad = inputProblem(err, clients.region, clients.endpoint);
    if (bad) throw bad;
    return {
      area: "account",
      item: region,
      status: "warn",
      detail: `could not list the Regions (${errorName(err)}): the Region was not checked`,
      fix: "allow ec2:DescribeRegions to whoever runs ir doctor",
    };
  }
  const mine = listed.find((r) => r.RegionName === region);
  if (!mine) {
    const names = listed.map((r) => r.RegionName).filter(Boolean);
    throw new InputError(
      `region "${region}" is not a region of this partition (EC2 lists ${names.length}: ${names.slice(0, 8).join(", ")}...): pass --region with one of them`,
    );
  }
  if (mine.OptInStatus === "not-opted-in")
    throw new InputError(
      `region "${region}" is not enabled in account ${accountId}: enable it (Account, AWS Regions) or pass --region with an enabled Region`,
    );
  return { area: "account", item: region, status: "ok", detail: `account ${accountId}, Region enabled` };
}
