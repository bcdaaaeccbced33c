/**
 * Change history from AWS Config and CloudTrail, both mocked (moto serves neither) with answers in
 * their real formats: Config items carry `configuration` as a JSON string and name their CloudTrail
 * events in `relatedEvents`; LookupEvents pages carry the record as a JSON string.
 */
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  ConfigServiceClient,
  type ConfigurationItem,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
} from "@aws-sdk/client-config-service";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { changeHistory } from "../../automation/analyze/change-history";
import { renderTimeline } from "../../automation/analyze/render";
import { ACCOUNT, ENI, INSTANCE_ID, ROLE_ARN, ROLE_NAME, trailEvent } from "../fixtures/analyze/cloudtrail";

const SG = "sg-0a1b2c3d";
const SG_UNRECORDED = "sg-0e0e0e0e";
const ROLE_ID = "AROAEXAMPLEROLEID";
const WINDOW = { start: "2026-11-28T02:00:00Z", end: "2026-11-28T06:00:00Z" };

const rule = (port: number) => ({
  fromPort: port,
  toPort: port,
  ipProtocol: "tcp",
  ipv4Ranges: [{ cidrIp: "0.0.0.0/0" }],
  ipv6Ranges: [],
  prefixListIds: [],
  userIdGroupPairs: [],
});
const sgConfig = (ports: number[]) =>
  JSON.stringify({
    groupId: SG,
    groupName: "web",
    description: "web",
    vpcId: "vpc-0a1b2c3d4e5f60718",
    ownerId: ACCOUNT,
    ipPermissions: ports.map(rule),
    ipPermissionsEgress: [],
    tags: [],
  });

function item(
  type: string,
  id: string,
  time: string,
  configuration: string,
  stateId: string,
  relatedEvents: string[] = [],
): ConfigurationItem {
  return {
    version: "1.3",
    accountId: ACCOUNT,
    configurationItemCaptureTime: new Date(time),
    configurationItemStatus: "OK",
    configurationStateId: stateId,
    configurationItemMD5Hash: "",
    arn: `arn:aws:ec2:eu-central-1:${ACCOUNT}:${type === "AWS::EC2::Instance" ? "instance" : "security-group"}/${id}`,
    resourceType: type as ConfigurationItem["resourceType"],
    resourceId: id,
    awsRegion: "eu-central-1",
    availabilityZone: "Not Applicable",
    tags: {},
    relatedEvents,
    relationships: [],
    configuration,
    supplementaryConfiguration: {},
  };
}

describe("analyze: change history timeline (Config + CloudTrail writes)", () => {
  // Class-level stubs (the test checks which client instance was called), made per suite and restored.
  let config: AwsClientStub<ConfigServiceClient>;
  let trail: AwsClientStub<CloudTrailClient>;
  before(() => {
    config = mockClient(ConfigServiceClient);
    trail = mockClient(CloudTrailClient);
  });
  after(() => {
    config.restore();
    trail.restore();
  });
  const regional = {
    config: new ConfigServiceClient({ region: "eu-central-1" }),
    cloudTrail: new CloudTrailClient({ region: "eu-central-1" }),
  };
  const global = {
    globalConfig: new ConfigServiceClient({ region: "us-east-1" }),
    globalCloudTrail: new CloudTrailClient({ region: "us-east-1" }),
  };

  const authorize = trailEvent({
    time: "2026-11-28T03:05:00Z",
    name: "AuthorizeSecurityGroupIngress",
    source: "ec2.amazonaws.com",
    sourceIp: "203.0.113.66",
    readOnly: false,
    resources: [{ type: "AWS::EC2::SecurityGroup", name: SG }],
    requestParameters: {
      groupId: SG,
      ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22 }] },
    },
  });
  const describe_ = trailEvent({
    time: "2026-11-28T03:04:00Z",
    name: "DescribeSecurityGroups",
    source: "ec2.amazonaws.com",
    sourceIp: "203.0.113.66",
    resources: [{ type: "AWS::EC2::SecurityGroup", name: SG }],
  });
  const trustPolicy = trailEvent({
    time: "2026-11-28T03:30:00Z",
    name: "UpdateAssumeRolePolicy",
    source: "iam.amazonaws.com",
    sourceIp: "203.0.113.66",
    readOnly: false,
    errorCode: "AccessDenied",
    resources: [{ type: "AWS::IAM::Role", name: ROLE_NAME }],
  });
  const stop = trailEvent({
    time: "2026-11-28T04:00:00Z",
    name: "ModifyInstanceAttribute",
    source: "ec2.amazonaws.com",
    sourceIp: "192.0.2.1",
    readOnly: false,
    user: { arn: `arn:aws:iam::${ACCOUNT}:user/oncall`, name: "oncall" },
    resources: [{ type: "AWS::EC2::Instance", name: INSTANCE_ID }],
  });

  const isolate = trailEvent({
    time: "2026-11-28T05:00:00Z",
    name: "ModifyNetworkInterfaceAttribute",
    source: "ec2.amazonaws.com",
    sourceIp: "192.0.2.1",
    readOnly: false,
    user: { arn: `arn:aws:iam::${ACCOUNT}:user/oncall`, name: "oncall" },
    resources: [{ type: "AWS::EC2::NetworkInterface", name: ENI }],
  });

  beforeEach(() => {
    config.reset();
    trail.reset();
    config.on(ListDiscoveredResourcesCommand).resolves({
      resourceIdentifiers: [{ resourceType: "AWS::IAM::Role", resourceId: ROLE_ID, resourceName: ROLE_NAME }],
    });
    config.on(GetResourceConfigHistoryCommand).callsFake((input) => {
      const inWindow = input.earlierTime !== undefined;
      if (input.resourceId === SG_UNRECORDED)
        throw Object.assign(new Error(`Resource ${SG_UNRECORDED} is not discovered`), {
          name: "ResourceNotDiscoveredException",
        });
      if (input.resourceId === SG) {
        if (!inWindow)
          return {
            configurationItems: [
              item("AWS::EC2::SecurityGroup", SG, "2026-11-27T10:00:00Z", sgConfig([443]), "100"),
            ],
          };
        return {
          configurationItems: [
            item("AWS::EC2::SecurityGroup", SG, "2026-11-28T03:06:00Z", sgConfig([443, 22]), "101", [
              authorize.EventId!,
            ]),
          ],
        };
      }
      if (input.resourceId === INSTANCE_ID) {
        if (!inWindow) return { configurationItems: [] };
        const conf = (shutdown: string) =>
          JSON.stringify({
            instanceId: INSTANCE_ID,
            instanceInitiatedShutdownBehavior: shutdown,
            state: { name: "running" },
          });
        return input.nextToken
          ? {
              configurationItems: [
                item("AWS::EC2::Instance", INSTANCE_ID, "2026-11-28T04:01:00Z", conf("stop"), "201", [
                  stop.EventId!,
                ]),
              ],
            }
          : {
              configurationItems: [
                item("AWS::EC2::Instance", INSTANCE_ID, "2026-11-28T02:10:00Z", conf("terminate"), "200"),
              ],
              nextToken: "instance-page-2",
            };
      }
      if (input.resourceId === ROLE_ID) return { configurationItems: [] };
      if (input.resourceId === ENI) {
        const conf = (groups: string[]) =>
          JSON.stringify({ networkInterfaceId: ENI, groups: groups.map((groupId) => ({ groupId })) });
        return inWindow
          ? {
              configurationItems: [
                item(
                  "AWS::EC2::NetworkInterface",
                  ENI,
                  "2026-11-28T05:00:30Z",
                  conf(["sg-0150a7ed"]),
                  "301",
                  [isolate.EventId!],
                ),
              ],
            }
          : {
              configurationItems: [
                item("AWS::EC2::NetworkInterface", ENI, "2026-11-20T10:00:00Z", conf([SG]), "300"),
              ],
            };
      }
      throw new Error(`unexpected resource ${input.resourceId}`);
    });
    trail.on(LookupEventsCommand).callsFake((input) => {
      const name = input.LookupAttributes[0].AttributeValue;
      if (name === SG)
        return input.NextToken ? { Events: [authorize] } : { Events: [describe_], NextToken: "sg-2" };
      if (name === INSTANCE_ID) return { Events: [stop] };
      if (name === ROLE_NAME) return { Events: [trustPolicy] };
      if (name === ENI) return { Events: [isolate] };
      return { Events: [] };
    });
  });

  const run = () =>
    changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: [SG, SG_UNRECORDED],
      role: ROLE_ARN,
      window: WINDOW,
      clients: { ...regional, ...global },
    });

  it("1. GIVEN changes to the group, the instance and the role THEN one timeline, sorted, with who and what", async () => {
    const t = await run();
    expect(t.entries.map((e) => `${e.time} ${e.source} ${e.resource.id} ${e.summary}`)).to.deep.equal([
      `2026-11-28T02:10:00.000Z config ${INSTANCE_ID} configuration recorded (OK; no earlier item to compare)`,
      `2026-11-28T03:05:00.000Z cloudtrail ${SG} ec2:AuthorizeSecurityGroupIngress`,
      `2026-11-28T03:06:00.000Z config ${SG} configuration changed (OK): 1 difference`,
      `2026-11-28T03:30:00.000Z cloudtrail ${ROLE_NAME} iam:UpdateAssumeRolePolicy failed (AccessDenied)`,
      `2026-11-28T04:00:00.000Z cloudtrail ${INSTANCE_ID} ec2:ModifyInstanceAttribute`,
      `2026-11-28T04:01:00.000Z config ${INSTANCE_ID} configuration changed (OK): 1 difference`,
    ]);
    const sgChange = t.entries[2]!;
    expect(sgChange.changes).to.deep.equal([{ path: "configuration.ipPermissions[+]", after: rule(22) }]);
    // The Config item names the CloudTrail event behind it: that gives its "who".
    expect(sgChange.who).to.deep.include({
      sourceIp: "203.0.113.66",
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/${INSTANCE_ID}`,
    });
    expect(t.entries[5]!.changes).to.deep.equal([
      { path: "configuration.instanceInitiatedShutdownBehavior", before: "terminate", after: "stop" },
    ]);
    expect(t.entries[5]!.who!.arn).to.equal(`arn:aws:iam::${ACCOUNT}:user/oncall`);
    expect(t.entries[1]!.request).to.contain('"fromPort":22');
    expect(JSON.parse(JSON.stringify(t))).to.deep.equal(t);
  });

  it("2. read-only events are left out; pages of both APIs are followed", async () => {
    const t = await run();
    expect(t.entries.some((e) => e.eventName === "DescribeSecurityGroups")).to.equal(false);
    const sgLookups = trail
      .commandCalls(LookupEventsCommand)
      .filter((c) => c.args[0].input.LookupAttributes![0]!.AttributeValue === SG);
    expect(sgLookups.map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, "sg-2"]);
    const instanceHistory = config
      .commandCalls(GetResourceConfigHistoryCommand)
      .filter((c) => c.args[0].input.resourceId === INSTANCE_ID && c.args[0].input.earlierTime);
    expect(instanceHistory.map((c) => c.args[0].input.nextToken)).to.deep.equal([
      undefined,
      "instance-page-2",
    ]);
  });

  it("3. the role is read from the global-region clients, by its Config id found from its name", async () => {
    await run();
    const roleHistory = config
      .commandCalls(GetResourceConfigHistoryCommand)
      .filter((c) => c.args[0].input.resourceId === ROLE_ID);
    expect(roleHistory.length).to.equal(2);
    expect(roleHistory.every((c) => c.thisValue === global.globalConfig)).to.equal(true);
    const roleLookup = trail
      .commandCalls(LookupEventsCommand)
      .find((c) => c.args[0].input.LookupAttributes![0]!.AttributeValue === ROLE_NAME)!;
    expect(roleLookup.thisValue).to.equal(global.globalCloudTrail);
  });

  it("4. a resource Config never recorded, or a failing lookup, becomes a gap and not a failure", async () => {
    trail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: SG_UNRECORDED }],
      })
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const t = await run();
    expect(t.gaps).to.deep.equal([
      `AWS::EC2::SecurityGroup ${SG_UNRECORDED}: CloudTrail lookup failed (ThrottlingException: Rate exceeded)`,
      `AWS::EC2::SecurityGroup ${SG_UNRECORDED}: not recorded by AWS Config (the recorder does not cover this resource type, or it was never recorded)`,
    ]);
    expect(t.entries).to.have.length(6);
    expect(renderTimeline(t)).to.match(/gap: AWS::EC2::SecurityGroup sg-0e0e0e0e/);
  });

  it("4b. a service that is down is asked once, not again for every resource (its retries take seconds each)", async () => {
    const down = Object.assign(new Error("We encountered an internal error."), { name: "InternalFailure" });
    trail.on(LookupEventsCommand).rejects(down);
    config.on(GetResourceConfigHistoryCommand).rejects(down);
    const t = await changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: [SG, SG_UNRECORDED],
      networkInterfaceIds: [ENI],
      window: WINDOW,
      clients: regional,
    });
    expect(trail.commandCalls(LookupEventsCommand)).to.have.length(1);
    expect(config.commandCalls(GetResourceConfigHistoryCommand)).to.have.length(1);
    expect(t.gaps.filter((g) => /CloudTrail lookup failed/.test(g))).to.have.length(4);
    expect(t.gaps[2]).to.match(
      /InternalFailure: We encountered an internal error\. \(as for the resources before\)/,
    );
    expect(t.entries).to.deep.equal([]);
  });

  it("5. the instance's ENIs: the group swap on the interface, with who made it", async () => {
    const t = await changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: [SG],
      networkInterfaceIds: [ENI],
      window: WINDOW,
      clients: regional,
    });
    const eni = t.entries.filter((e) => e.resource.type === "AWS::EC2::NetworkInterface");
    expect(eni.map((e) => `${e.source} ${e.summary}`)).to.deep.equal([
      "cloudtrail ec2:ModifyNetworkInterfaceAttribute",
      "config configuration changed (OK): 2 differences",
    ]);
    expect(eni[1]!.changes).to.deep.equal([
      { path: "configuration.groups[-]", before: { groupId: SG } },
      { path: "configuration.groups[+]", after: { groupId: "sg-0150a7ed" } },
    ]);
    expect(eni[1]!.who!.arn).to.equal(`arn:aws:iam::${ACCOUNT}:user/oncall`);
    const bad = await changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: [],
      networkInterfaceIds: ["eni-x"],
      window: WINDOW,
      clients: regional,
    }).catch((e: Error) => e);
    expect((bad as Error).message).to.equal(
      'network interface id "eni-x" is not valid: expected eni- followed by 8 or 17 hex digits',
    );
  });

  it("6. bad input: a window with the end first, a malformed group id", async () => {
    const err = await changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: [],
      window: { start: WINDOW.end, end: WINDOW.start },
      clients: regional,
    }).catch((e: Error) => e);
    expect((err as Error).message).to.match(/^window end .* is not after its start/);
    const err2 = await changeHistory({
      instanceId: INSTANCE_ID,
      securityGroupIds: ["web"],
      window: WINDOW,
      clients: regional,
    }).catch((e: Error) => e);
    expect((err2 as Error).message).to.equal(
      'security group id "web" is not valid: expected sg- followed by 8 or 17 hex digits',
    );
    expect(config.calls()).to.have.length(0);
  });
});
