/**
 * Picks the AMI to rebuild from: the newest version of the workload's known-good parameter
 * (`/ir/known-good-ami/<workload>`, facts) published BEFORE the compromise began. A version published
 * after that moment may have been built by the attacker's hands or from a poisoned pipeline; the
 * parameter's history with its timestamps is the record of what was known good when.
 */
import {
  GetParameterHistoryCommand,
  type GetParameterHistoryCommandOutput,
  type SSMClient,
} from "@aws-sdk/client-ssm";

export interface AmiVersion {
  amiId: string;
  /** Parameter version number. */
  version: number;
  publishedAt: Date;
  /** Who published it (IAM ARN), when SSM recorded it. */
  publishedBy?: string;
}

const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Every version of the parameter, oldest first (SSM keeps the last 100). */
export async function knownGoodHistory(ssm: SSMClient, parameterName: string): Promise<AmiVersion[]> {
  const versions: AmiVersion[] = [];
  let NextToken: string | undefined;
  do {
    let page: GetParameterHistoryCommandOutput;
    try {
      page = await ssm.send(
        new GetParameterHistoryCommand({ Name: parameterName, NextToken, MaxResults: 50 }),
      );
    } catch (e) {
      if ((e as { name?: string }).name === "ParameterNotFound")
        throw new Error(
          `known-good AMI parameter "${parameterName}" does not exist: publish the workload's golden AMI id there first (docs/known-good-amis.md), or pass --ami`,
        );
      throw e;
    }
    for (const p of page.Parameters ?? []) {
      // A value that is not an AMI id cannot be rebuilt from: skip it, never guess.
      if (!p.Value || !AMI_ID.test(p.Value) || !p.LastModifiedDate) continue;
      versions.push({
        amiId: p.Value,
        version: Number(p.Version),
        publishedAt: new Date(p.LastModifiedDate),
        publishedBy: p.LastModifiedUser,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return versions.sort((a, b) => a.version - b.version);
}

export interface PickOptions {
  /** Start of the compromise (the finding's first-seen time, or --before). */
  before: Date;
  /** AMI the compromised instance runs: refused unless allowed. */
  compromisedAmiId?: string;
  /** --allow-ami: accept the compromised instance's own AMI. */
  allowCompromisedAmi?: boolean;
}

export interface PickedAmi {
  ami: AmiVersion;
  /** Why this one: for the journal and the report. */
  reason: string;
  /** Versions published at or after the compromise, ignored (possibly attacker-made). */
  ignoredAfter: AmiVersion[];
}

/** Chooses the AMI, or throws an error that says why none qualifies and what to do. */
export function pickKnownGood(parameterName: string, history: AmiVersion[], o: PickOptions): PickedAmi {
  if (Number.isNaN(o.before.getTime()))
    throw new Error(`compromise time is not a valid date: pass --before as ISO-8601 UTC`);
  const before = history.filter((v) => v.publishedAt < o.before);
  const ignoredAfter = history.filter((v) => v.publishedAt >= o.before);
  const newest = before.at(-1);
  if (!newest)
    throw new Error(
      `no version of "${parameterName}" was published before the compromise began (${o.before.toISOString()}): ` +
        (history.length
          ? `its ${history.length} version(s) start at ${history[0].publishedAt.toISOString()}; pass --before with an earlier time only if you trust them, or --ami`
          : "the parameter has no AMI versions; publish one or pass --ami"),
    );
  if (o.compromisedAmiId && newest.amiId === o.compromisedAmiId && !o.allowCompromisedAmi) {
    const older = [...before].reverse().find((v) => v.amiId !== o.compromisedAmiId);
    throw new Error(
      `the newest known-good AMI before the compromise, ${newest.amiId} (version ${newest.version}), is the compromised instance's own AMI: ` +
        `rebuilding from it may bring the attacker's way in back. ` +
        (older
          ? `The previous one is ${older.amiId} (version ${older.version}): pass --ami ${older.amiId} to use it, `
          : "") +
        `or --allow-ami if the image itself is known not to be the cause`,
    );
  }
  return {
    ami: newest,
    reason: `newest version of ${parameterName} published before ${o.before.toISOString()} (version ${newest.version}, ${newest.publishedAt.toISOString()})`,
    ignoredAfter,
  };
}
