/**
 * Findings reach the auto-containment handler only through the rule the baseline deploys. Each finding
 * is published on the emulator's event bus as GuardDuty publishes it; the rule `ir-auto-contain`, with
 * the pattern the component deploys (components/auto-containment-pattern.ts), delivers it or not (moto's
 * EventBridge decides); what it delivered is handed to the handler, in approve and in contain mode: the
 * path the game day's findings take (automation/gameday/finding-delivery.ts). The game day's own
 * credential-exfiltration finding (resourceType AccessKey, the instance in instanceDetails) must get
 * through: a rule on `resourceType: Instance` alone never invoked the function for it.
 */
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { expect } from "chai";
import { DeployedRule } from "../../automation/gameday/finding-delivery";
import { guardDutyEvent as gamedayEvent, type Victim } from "../../automation/gameday/findings";
import { SCENARIOS } from "../../automation/gameday/scenarios";
import { createHandler } from "../../automation/lambda/handler";
import type { LogLevel } from "../../automation/lambda/log";
import { DEFAULT_MIN_SEVERITY } from "../../automation/lambda/mode";
import {
  AUTO_CONTAIN_FUNCTION_NAME,
  autoContainmentPattern,
} from "../../components/auto-containment-pattern";
import { isolationGroupNames } from "../../facts/names";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, publishSettingsParameter, setupAccount } from "../helpers/responder";
import { accessKeyFindingEvent, credentialExfiltrationEvent } from "./events";

describe("auto-containment: findings delivered by the deployed rule to the handler (moto's EventBridge)", function () {
  this.timeout(180_000);
  let a: Account;
  let rule: DeployedRule;
  const lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    log: (level: LogLevel, message: string, fields?: Record<string, unknown>) =>
      lines.push({ level, message, ...(fields ? { fields } : {}) }),
  };

  const handlerFor = (mode: "approve" | "contain") =>
    // The function's execution role is the responder role: its calls are authorised as that role.
    createHandler({
      env: {
        AWS_REGION: TEST_REGION,
        AWS_ENDPOINT_URL: a.endpoint,
        IR_AUTO_CONTAIN_MODE: mode,
        IR_STATE_DIR: a.stateDir,
        IR_MAX_ATTEMPTS: "1",
      },
      logger,
      clients: a.responder,
    });

  /** The victim as the game day reads it (automation/gameday/lifecycle.ts), from the emulated account. */
  const victimOf = async (instanceId: string): Promise<Victim> => {
    const i = (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })))
      .Reservations![0]!.Instances![0]!;
    const eni = i.NetworkInterfaces![0]!;
    return {
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      instanceId,
      imageId: i.ImageId!,
      instanceType: i.InstanceType!,
      availabilityZone: i.Placement!.AvailabilityZone!,
      launchTime: i.LaunchTime!.toISOString(),
      profileArn: a.world.profileArn,
      roleName: a.world.roleName,
      eniId: eni.NetworkInterfaceId!,
      privateIp: eni.PrivateIpAddress!,
      subnetId: eni.SubnetId!,
      vpcId: eni.VpcId!,
      groups: (eni.Groups ?? []).map((g) => ({ groupId: g.GroupId!, groupName: g.GroupName! })),
    };
  };

  before(async () => {
    a = await setupAccount();
    const topicArn = (await a.clients.sns.send(new CreateTopicCommand({ Name: "ir-alerts" }))).TopicArn!;
    // What the baseline publishes, as the function reads it.
    await publishSettingsParameter(a, topicArn);
    // The baseline's rule at its default threshold (the component's pattern: test/components/auto-containment.test.ts).
    rule = await DeployedRule.deploy(
      a.clients,
      AUTO_CONTAIN_FUNCTION_NAME,
      autoContainmentPattern(DEFAULT_MIN_SEVERITY),
    );
  });
  after(async () => {
    await rule?.remove();
    rule?.destroy();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  it("the game day's credential-exfiltration finding (AccessKey naming the instance) invokes the handler: approve mode asks about that instance", async () => {
    const victim = await victimOf(a.world.solo);
    const now = new Date();
    const spec = SCENARIOS["credential-exfiltration"]
      .findings(victim, new Date(now.getTime() - 60_000), now)
      .at(-1)!;
    const published = gamedayEvent(victim, spec);
    expect(published.detail.resource.resourceType).to.equal("AccessKey");
    const delivered = await rule.publish(published);
    expect(delivered, "events the rule delivered to the function").to.have.length(1);
    expect(delivered[0]!.detail.id).to.equal(published.detail.id);
    const before = await describeAccount(a);
    const result = await handlerFor("approve")(delivered[0], { awsRequestId: "exfil-approve" });
    expect(result.outcome, JSON.stringify(result)).to.equal("approval-requested");
    expect(result.targets).to.deep.equal([
      { instanceId: a.world.solo, region: TEST_REGION, findingId: published.detail.id, severity: 8 },
    ]);
    expect(await describeAccount(a)).to.deep.equal(before);
  });

  it("contain mode contains the instance named by an InsideAWS finding the rule delivered", async () => {
    const id = a.world.asgInstances[0]!;
    const delivered = await rule.publish(credentialExfiltrationEvent(id, "inside"));
    expect(delivered).to.have.length(1);
    const result = await handlerFor("contain")(delivered[0], { awsRequestId: "exfil-contain" });
    expect(result.outcome, JSON.stringify(result)).to.equal("responded");
    expect(result.cases.map((c) => [c.instanceId, c.status])).to.deep.equal([[id, "contained"]]);
    const enis = await a.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }),
    );
    expect(enis.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupName))).to.deep.equal([
      isolationGroupNames(a.world.vpcId).isolation,
    ]);
  });

  it("an IAM user's key finding is not delivered; handed over anyway, it is not acted on and the reason is logged", async () => {
    const event = accessKeyFindingEvent();
    expect(await rule.publish(event)).to.deep.equal([]);
    const before = await describeAccount(a);
    const result = await handlerFor("contain")(event);
    expect(result.outcome).to.equal("ignored");
    const reason =
      'the finding is about access key "AKIAQEXAMPLEUSERKEY" of IAMUser ci-deploy (resourceType AccessKey) and names no EC2 instance (no resource.instanceDetails.instanceId): nothing to contain; deactivate or rotate the key (not done automatically)';
    expect(result.ignored).to.deep.equal([{ findingId: "finding-iam-user-key", reason }]);
    expect(lines.find((l) => l.message === "finding ignored")?.fields).to.deep.equal({
      findingId: "finding-iam-user-key",
      reason,
    });
    expect(await describeAccount(a)).to.deep.equal(before);
  });
});
