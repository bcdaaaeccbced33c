/**
 * Pulumi mocks for unit tests: records every resource the program registers (type, name, inputs,
 * parent) and answers the few invokes the program makes. An unexpected invoke throws, so a test never
 * passes on a silently faked value.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  /** The inputs exactly as the program passed them (outputs resolved). */
  inputs: Record<string, any>;
  /** false for component resources (which the mocks see too). */
  custom: boolean;
  /** Provider reference (explicit regional providers). */
  provider?: string;
  urn: string;
  id: string;
}

export interface MockOptions {
  accountId?: string;
  region?: string;
  /** Extra invoke answers, by token (e.g. "aws:ec2/getAmi:getAmi"). */
  invokes?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
  project?: string;
  stack?: string;
  preview?: boolean;
}

export const ACCOUNT_ID = "111122223333";

/** Records of every `setMocks` call in this process (mocha runs all files in one process). */
export const recorded: RecordedResource[] = [];

function outputProps(
  type: string,
  name: string,
  inputs: Record<string, any>,
  o: Required<Pick<MockOptions, "accountId" | "region">>,
) {
  const service = type.split(":")[1]?.split("/")[0] ?? "x";
  const state: Record<string, any> = {
    ...inputs,
    arn: inputs.arn ?? `arn:aws:${service}:${o.region}:${o.accountId}:${name}`,
  };
  if (type === "aws:s3/bucket:Bucket" || type === "aws:s3/bucketV2:BucketV2") {
    state.bucket = inputs.bucket ?? name;
    state.arn = `arn:aws:s3:::${state.bucket}`;
  }
  if (type === "aws:iam/role:Role" || type === "aws:iam/instanceProfile:InstanceProfile") {
    state.name = inputs.name ?? name;
    const kind = type.endsWith("Role") ? "role" : "instance-profile";
    state.arn = `arn:aws:iam::${o.accountId}:${kind}/${state.name}`;
  }
  if (type === "aws:lambda/function:Function") {
    state.name = inputs.name ?? name;
    state.arn = `arn:aws:lambda:${o.region}:${o.accountId}:function:${state.name}`;
  }
  if (type === "aws:kms/key:Key") state.keyId = `${name}-key-id`;
  if (type === "aws:sns/topic:Topic") state.name = inputs.name ?? name;
  if (type === "aws:dynamodb/table:Table") state.name = inputs.name ?? name;
  if (type === "aws:cloudwatch/logGroup:LogGroup") state.name = inputs.name ?? name;
  if (type === "aws:ec2/vpc:Vpc") state.defaultRouteTableId = `${name}-default-rt`;
  if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") state.prefixListId = `pl-${name}`;
  return state;
}

/**
 * Installs the mocks. Call before importing (or constructing) the code under test. The returned array
 * is the list of resources registered since this call.
 */
export async function installMocks(options: MockOptions = {}): Promise<RecordedResource[]> {
  const o = { accountId: options.accountId ?? ACCOUNT_ID, region: options.region ?? "us-east-1" };
  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = args.inputs ?? {};
        const state = outputProps(args.type, args.name, inputs, o);
        const id = inputs.name && typeof inputs.name === "string" ? inputs.name : `${args.name}-id`;
        const rec: RecordedResource = {
          type: args.type,
          name: args.name,
          inputs,
          provider: args.provider,
          urn: `urn:pulumi:${options.stack ?? "test"}::${options.project ?? "incident-ready"}::${args.type}::${args.name}`,
          id,
          custom: args.custom !== false,
        };
        resources.push(rec);
        recorded.push(rec);
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        const extra = options.invokes?.[args.token];
        if (extra) return extra(args.inputs);
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: o.accountId,
              arn: `arn:aws:iam::${o.accountId}:user/test`,
              userId: "AIDATEST",
            };
          case "aws:index/getRegion:getRegion":
            return { name: args.inputs.region ?? o.region, region: args.inputs.region ?? o.region };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com" };
          case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const r = o.region;
            return { names: [`${r}a`, `${r}b`, `${r}c`], zoneIds: ["use1-az1", "use1-az2", "use1-az3"] };
          }
          case "aws:ec2/getManagedPrefixList:getManagedPrefixList": {
            // The AWS-managed S3 prefix list that isolation groups look up (com.amazonaws.<region>.s3).
            const name = String(args.inputs.name ?? "");
            if (!/^com\.amazonaws\.[a-z0-9-]+\.(s3|dynamodb)$/.test(name))
              throw new Error(`unexpected prefix list lookup ${JSON.stringify(args.inputs)} in a unit test`);
            return {
              id: `pl-${name.split(".").slice(2).join("-")}`,
              name,
              ownerId: "AWS",
              addressFamily: "IPv4",
              entries: [],
            };
          }
          default:
            throw new Error(
              `unexpected invoke ${args.token} in a unit test: add an answer to installMocks({ invokes })`,
            );
        }
      },
    },
    options.project ?? "incident-ready",
    options.stack ?? "test",
    options.preview ?? false,
  );
  return resources;
}

/** Resolves an Output (or plain value) to its value under mocks. */
export function outputValue<T>(output: pulumi.Input<T> | undefined): Promise<T> {
  return new Promise((resolve) => pulumi.output(output as pulumi.Input<T>).apply((v) => resolve(v as T)));
}

/**
 * Waits until the program has stopped registering resources (no new registration for several turns of
 * the event loop). Programs create resources inside `apply` callbacks, so a fixed wait is not enough.
 */
export async function settle(resources: RecordedResource[], quietTurns = 5): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < quietTurns) {
    await new Promise((r) => setTimeout(r, 20));
    if (resources.length === last) quiet++;
    else {
      quiet = 0;
      last = resources.length;
    }
  }
}

/** All recorded resources of a type token (e.g. "aws:kms/key:Key"). */
export const ofType = (resources: RecordedResource[], type: string) =>
  resources.filter((r) => r.type === type);

/** Parses a JSON policy input whether it was passed as a string or an object. */
export function policyDoc(value: unknown): { Statement: any[]; [k: string]: any } {
  const doc = typeof value === "string" ? JSON.parse(value) : value;
  if (!doc || !Array.isArray((doc as any).Statement))
    throw new Error(`not a policy document: ${String(value)}`);
  return doc as any;
}
