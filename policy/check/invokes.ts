/**
 * Answers to the data-source calls (invokes) a program makes under mocks. Only calls whose answer is
 * plausible offline are answered (the caller's account, the region, partitions, availability zones,
 * prefix lists, AMI look-ups, policy documents rendered from their inputs); every other call is
 * recorded as unanswered so the report can say the check is incomplete, rather than fake a pass.
 */

export interface InvokeContext {
  accountId: string;
  region: string;
}

export interface InvokeRecord {
  token: string;
  /** How it was answered: a short description, or undefined when it could not be. */
  answer?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: invoke inputs are untyped JSON from the program
type Json = Record<string, any>;
type Answer = (inputs: Json, ctx: InvokeContext) => Record<string, unknown>;

const partitionOf = (region: string) =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";

/** Renders aws.iam.getPolicyDocument inputs into the JSON AWS would return. */
export function renderPolicyDocument(inputs: Json): string {
  const list = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v);
  const principals = (ps?: Array<{ type: string; identifiers: string[] }>) => {
    if (!ps?.length) return undefined;
    if (ps.length === 1 && ps[0].type === "*") return "*";
    const out: Record<string, unknown> = {};
    for (const p of ps) out[p.type] = list(p.identifiers);
    return out;
  };
  const statements = (inputs.statements ?? []).map((s: Json) => {
    const conditions: Record<string, Record<string, unknown>> = {};
    for (const c of s.conditions ?? []) {
      conditions[c.test] = conditions[c.test] ?? {};
      conditions[c.test][c.variable] = list(c.values);
    }
    const stmt: Record<string, unknown> = {
      Sid: s.sid,
      Effect: s.effect ?? "Allow",
      Action: list(s.actions),
      NotAction: list(s.notActions),
      Resource: list(s.resources),
      NotResource: list(s.notResources),
      Principal: principals(s.principals),
      NotPrincipal: principals(s.notPrincipals),
      Condition: Object.keys(conditions).length ? conditions : undefined,
    };
    for (const k of Object.keys(stmt)) if (stmt[k] === undefined) delete stmt[k];
    return stmt;
  });
  return JSON.stringify({ Version: inputs.version ?? "2012-10-17", Statement: statements });
}

export const ANSWERS: Record<string, { describe: string; answer: Answer }> = {
  "aws:index/getCallerIdentity:getCallerIdentity": {
    describe: "the check's placeholder account",
    answer: (_i, c) => ({
      accountId: c.accountId,
      arn: `arn:${partitionOf(c.region)}:iam::${c.accountId}:user/policy-check`,
      userId: "AIDAPOLICYCHECK",
      id: c.accountId,
    }),
  },
  "aws:index/getRegion:getRegion": {
    describe: "the provider's region",
    answer: (i, c) => {
      const r = i.region ?? i.name ?? c.region;
      return { name: r, region: r, id: r, description: r, endpoint: `ec2.${r}.amazonaws.com` };
    },
  },
  "aws:index/getPartition:getPartition": {
    describe: "the region's partition",
    answer: (_i, c) => ({
      partition: partitionOf(c.region),
      id: partitionOf(c.region),
      dnsSuffix: "amazonaws.com",
      reverseDnsPrefix: "com.amazonaws",
    }),
  },
  "aws:index/getAvailabilityZones:getAvailabilityZones": {
    describe: "three zones a, b, c",
    answer: (i, c) => {
      const r = i.region ?? c.region;
      return {
        names: [`${r}a`, `${r}b`, `${r}c`],
        zoneIds: [`${r}-az1`, `${r}-az2`, `${r}-az3`],
        id: r,
        groupNames: [r],
      };
    },
  },
  "aws:ec2/getManagedPrefixList:getManagedPrefixList": {
    describe: "a placeholder AWS-managed prefix list",
    answer: (i) => ({
      id: `pl-${String(i.name ?? "check")
        .replace(/[^a-z0-9]/gi, "")
        .slice(-8)}`,
      name: i.name,
      ownerId: "AWS",
      addressFamily: "IPv4",
      entries: [],
    }),
  },
  "aws:ec2/getAmi:getAmi": {
    describe: "a placeholder AMI id (the owner filter cannot be verified offline)",
    answer: (i) => ({
      id: "ami-0000000000c0ffee0",
      imageId: "ami-0000000000c0ffee0",
      owners: i.owners ?? [],
      architecture: "x86_64",
      name: "placeholder",
    }),
  },
  "aws:iam/getPolicyDocument:getPolicyDocument": {
    describe: "rendered from its inputs",
    answer: (i) => {
      const json = renderPolicyDocument(i);
      return { json, minifiedJson: json, id: "policy-document" };
    },
  },
};
