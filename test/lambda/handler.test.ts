/**
 * The auto-containment handler, invoked with sample events against moto: approve mode changes nothing
 * and publishes one approval request; contain mode contains (isolated, credentials revoked, case
 * journaled) and publishes the outcome; findings below the threshold or not about an instance are
 * ignored, bad events answered with the reason; a redelivered event acts nothing twice.
 */

import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { DescribeNetworkInterfacesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { type AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { provisionResponderRole } from "../../automation/emulator/responder-role";
import { createHandler, TransientError } from "../../automation/lambda/handler";
import { caseStatus } from "../../automation/respond/status";
import { isolationGroupNames, revokePolicyName, SSM } from "../../facts/names";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { TAG } from "../../facts/tags";
import { motoClients, responderClients, TEST_ACCOUNT, TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, publishSettingsParameter, setupAccount } from "../helpers/responder";
import { seedWorld } from "../helpers/world";
import { accessKeyFindingEvent, guardDutyEvent, securityHubEvent } from "./events";

interface Received {
  subject: string;
  message: string;
  kind: string;
}

describe("auto-containment handler against moto (integration)", function () {
  this.timeout(240_000);
  let a: Account;
  let sqs: SQSClient;
  let queueUrl: string;
  const quiet = { log: () => undefined };

  const env = (mode: string, extra: Record<string, string> = {}) => ({
    AWS_REGION: TEST_REGION,
    AWS_ENDPOINT_URL: a.endpoint,
    IR_AUTO_CONTAIN_MODE: mode,
    IR_STATE_DIR: a.stateDir,
    IR_MAX_ATTEMPTS: "1",
    ...extra,
  });
  const handlerFor = (mode: string, extra: Record<string, string> = {}, clients?: AwsClients) =>
    // The function's execution role is the responder role: its calls are authorised as that role.
    createHandler({ env: env(mode, extra), logger: quiet, clients: clients ?? a.responder });

  /** Messages the alert topic delivered to the test queue since the last call. */
  const drain = async (): Promise<Received[]> => {
    const out: Received[] = [];
    for (;;) {
      const res = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!res.Messages?.length) return out;
      for (const m of res.Messages) {
        const body = JSON.parse(m.Body!);
        out.push({
          subject: body.Subject,
          message: body.Message,
          kind: body.MessageAttributes?.["ir:kind"]?.Value,
        });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };

  const caseSnapshots = async (caseId: string) =>
    (
      await a.clients.ec2.send(
        new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
      )
    ).Snapshots ?? [];

  before(async () => {
    a = await setupAccount();
    sqs = new SQSClient({
      endpoint: a.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const topicArn = (await a.clients.sns.send(new CreateTopicCommand({ Name: "ir-alerts" }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "alert-subscriber" }))).QueueUrl!;
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
    await a.clients.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }),
    );
    // What the baseline publishes, as the function reads it.
    await publishSettingsParameter(a, topicArn);
  });

  after(() => sqs.destroy());

  it("approve mode changes nothing in the account and publishes one approval request with the command", async () => {
    const before = await describeAccount(a);
    const result = await handlerFor("approve")(guardDutyEvent(a.world.solo), { awsRequestId: "req-approve" });
    expect(result.outcome).to.equal("approval-requested");
    expect(result.targets).to.deep.equal([
      { instanceId: a.world.solo, region: TEST_REGION, findingId: `finding-${a.world.solo}`, severity: 8 },
    ]);
    expect(await describeAccount(a)).to.deep.equal(before);
    const messages = await drain();
    expect(messages).to.have.length(1);
    expect(messages[0]!.kind).to.equal("approval-request");
    expect(messages[0]!.subject).to.equal(`[ir] approval needed: contain ${a.world.solo}`);
    expect(messages[0]!.message).to.include(`ir respond ${a.world.solo} --region ${TEST_REGION}`);
    expect(messages[0]!.message).to.include("UnauthorizedAccess:EC2/SSHBruteForce, severity 8");
  });

  it("approve mode takes Security Hub findings, on the normalized scale (80 is 8)", async () => {
    const result = await handlerFor("approve")(securityHubEvent(a.world.noProfile, 80));
    expect(result.outcome).to.equal("approval-requested");
    expect(result.targets.map((t) => t.instanceId)).to.deep.equal([a.world.noProfile]);
    expect((await drain()).map((m) => m.kind)).to.deep.equal(["approval-request"]);
    const low = await handlerFor("approve")(securityHubEvent(a.world.noProfile, 40));
    expect(low.outcome).to.equal("ignored");
    expect(low.reason).to.match(/severity 4 is below the auto-containment threshold 7/);
  });

  it("ignores findings below the threshold, about other resources or other accounts: nothing changes, nothing is sent", async () => {
    const before = await describeAccount(a);
    const contain = handlerFor("contain");
    const low = await contain(guardDutyEvent(a.world.solo, { fixture: "guardduty-low" }));
    expect(low.outcome).to.equal("ignored");
    expect(low.reason).to.match(/severity 2 is below the auto-containment threshold 7/);
    const medium = await contain(guardDutyEvent(a.world.solo, { fixture: "guardduty-medium-6.9" }));
    expect(medium.reason).to.match(/severity 6.9 is below/);
    const stricter = await handlerFor("contain", { IR_AUTO_CONTAIN_MIN_SEVERITY: "8.5" })(
      guardDutyEvent(a.world.solo),
    );
    expect(stricter.reason).to.match(/severity 8 is below the auto-containment threshold 8.5/);
    const key = await contain(accessKeyFindingEvent());
    expect(key.outcome).to.equal("ignored");
    expect(key.reason).to.match(
      /about access key "AKIAQEXAMPLEUSERKEY" of IAMUser ci-deploy .* names no EC2 instance/,
    );
    const foreign = await contain(guardDutyEvent(a.world.solo, { account: "210987654321" }));
    expect(foreign.outcome).to.equal("ignored");
    expect(foreign.reason).to.match(/account 210987654321, this function acts in account 123456789012/);
    expect(await describeAccount(a)).to.deep.equal(before);
    expect(await drain()).to.deep.equal([]);
  });

  it("answers malformed events with the reason instead of throwing", async () => {
    const contain = handlerFor("contain");
    const cases: [unknown, RegExp][] = [
      [null, /event is null, not an object/],
      ["i-0123456789abcdef0", /not an object/],
      [{}, /event is not a finding/],
      [
        { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: {} },
        /from "aws.ec2"/,
      ],
      [{ source: "aws.securityhub", detail: { findings: [] } }, /carries no findings/],
    ];
    const badId = guardDutyEvent("i-12");
    for (const [event, reason] of cases) {
      const r = await contain(event);
      expect(r.outcome, JSON.stringify(event)).to.equal("rejected");
      expect(r.reason).to.match(reason);
    }
    const r = await contain(badId);
    expect(r.outcome).to.equal("rejected");
    expect(r.reason).to.match(/instance id "i-12" is not valid/);
    expect(await drain()).to.deep.equal([]);
  });

  it("refuses to run with a bad mode or threshold (a deployment error: the event goes to the dead-letter queue)", async () => {
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: Error) => e,
      );
    const badMode = await failure(handlerFor("isolate")(guardDutyEvent(a.world.solo)));
    expect(badMode?.message).to.match(
      /IR_AUTO_CONTAIN_MODE "isolate" is not valid: expected "contain" or "approve"/,
    );
    const badSeverity = await failure(
      handlerFor("contain", { IR_AUTO_CONTAIN_MIN_SEVERITY: "high" })(guardDutyEvent(a.world.solo)),
    );
    expect(badSeverity?.message).to.match(/IR_AUTO_CONTAIN_MIN_SEVERITY "high" is not valid/);
  });

  let caseId: string;
  it("contain mode contains: isolated, credentials revoked, case journaled, outcome published; only listed actions", async () => {
    const id = a.world.asgInstances[0]!;
    const recorder = new MemoryRecorder();
    const clients = responderClients(a.endpoint, a.responderCredentials, { recorder });
    const result = await handlerFor("contain", {}, clients)(guardDutyEvent(id), { awsRequestId: "req-1" });
    expect(result.outcome).to.equal("responded");
    expect(result.cases).to.have.length(1);
    const c = result.cases[0]!;
    expect(c.status, JSON.stringify(c)).to.equal("contained");
    expect(c.timeToContainmentMs).to.be.a("number");
    caseId = c.caseId!;
    const iso = (
      await a.clients.ec2.send(
        new (
          await import("@aws-sdk/client-ec2")
        ).DescribeSecurityGroupsCommand({
          Filters: [{ Name: "group-name", Values: [isolationGroupNames(a.world.vpcId).isolation] }],
        }),
      )
    ).SecurityGroups![0]!.GroupId!;
    const enis = await a.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }),
    );
    expect(enis.NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).to.deep.equal([[iso]]);
    const pol = await a.clients.iam.send(
      new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: revokePolicyName(caseId) }),
    );
    expect(JSON.parse(decodeURIComponent(pol.PolicyDocument!)).Statement[0].Effect).to.equal("Deny");
    const status = await caseStatus({ ref: caseId, settings: a.settings, clients: a.responder });
    expect(JSON.stringify(status)).to.include(id);
    const messages = await drain();
    expect(messages).to.have.length(1);
    expect(messages[0]!.kind).to.equal("containment-outcome");
    expect(messages[0]!.subject).to.equal(`[ir] contained: ${id}`);
    expect(messages[0]!.message).to.include(`case ${caseId}`);
    expect(messages[0]!.message).to.match(/contained in \d+ ms/);
    const unlisted = recorder.actions().filter((x) => !RESPONDER_ACTIONS.includes(x));
    expect(unlisted, "called but missing from RESPONDER_ACTIONS").to.deep.equal([]);
    clients.destroy();
  });

  it("a redelivered event reports the same case and acts nothing twice", async () => {
    const id = a.world.asgInstances[0]!;
    const snapshotsBefore = await caseSnapshots(caseId);
    const policiesBefore = await a.clients.iam.send(
      new ListRolePoliciesCommand({ RoleName: a.world.roleName }),
    );
    const again = await handlerFor("contain")(guardDutyEvent(id), { awsRequestId: "req-1" });
    expect(again.cases.map((c) => [c.caseId, c.status, c.resumed])).to.deep.equal([
      [caseId, "contained", true],
    ]);
    expect((await caseSnapshots(caseId)).length).to.equal(snapshotsBefore.length);
    expect(
      (await a.clients.iam.send(new ListRolePoliciesCommand({ RoleName: a.world.roleName }))).PolicyNames,
    ).to.deep.equal(policiesBefore.PolicyNames);
    // Nothing changed, and the outcome was published when it was contained: no second message.
    expect(again.notification).to.deep.equal({
      skipped: "nothing changed: every case was already contained (reported then)",
    });
    expect(await drain()).to.deep.equal([]);
  });

  it("approve mode asks nobody about an instance that already has a case", async () => {
    const id = a.world.asgInstances[0]!;
    const result = await handlerFor("approve")(guardDutyEvent(id));
    expect(result.outcome).to.equal("ignored");
    expect(result.reason).to.equal(
      `instance ${id} already has case ${caseId}: follow it with \`ir status ${caseId}\``,
    );
    expect(await drain()).to.deep.equal([]);
  });

  it("two deliveries at once: one contains, the other reports the running case", async () => {
    const contain = handlerFor("contain");
    const [one, two] = await Promise.all([
      contain(guardDutyEvent(a.world.twoEni), { awsRequestId: "dup" }),
      contain(guardDutyEvent(a.world.twoEni), { awsRequestId: "dup" }),
    ]);
    const statuses = [one.cases[0]!, two.cases[0]!].map((c) => c.status).sort();
    expect(statuses).to.deep.equal(["busy", "contained"]);
    expect(one.cases[0]!.caseId).to.equal(two.cases[0]!.caseId);
    const busy = [one, two].find((r) => r.cases[0]!.status === "busy")!;
    expect(busy.notification).to.deep.equal({
      skipped: "another run holds every case: it reports the outcome",
    });
    expect((await drain()).map((m) => m.kind)).to.deep.equal(["containment-outcome"]);
  });

  it("contains an instance named by a finding from another region there, journaled in the home region's table", async () => {
    // The baseline deploys the responder for every configured Region: here the home Region and us-west-2
    // (the strict layer refuses a call in a Region the role's aws:RequestedRegion does not list).
    await provisionResponderRole(a.clients, {
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      regions: [TEST_REGION, "us-west-2"],
      workloadRoleArns: [`arn:aws:iam::${TEST_ACCOUNT}:role/${a.world.roleName}`],
    });
    const west = motoClients(a.endpoint, { region: "us-west-2" });
    const w = await seedWorld(west, "west");
    const event = guardDutyEvent(w.solo);
    event.region = event.detail.region = "us-west-2";
    const result = await handlerFor("contain")(event);
    const c = result.cases[0]!;
    expect([c.region, c.status], JSON.stringify(c)).to.deep.equal(["us-west-2", "contained"]);
    const enis = await west.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [w.solo] }],
      }),
    );
    expect(enis.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupName))).to.deep.equal([
      isolationGroupNames(w.vpcId).isolation,
    ]);
    const items = await a.clients.dynamodb.send(new ScanCommand({ TableName: a.settings.journalTable }));
    expect((items.Items ?? []).some((i) => i.pk?.S === `case#${c.caseId}`)).to.equal(true);
    west.destroy();
    await drain();
  });

  it("stops waiting before the function's timeout and throws, so the retry resumes the case", async () => {
    const contain = handlerFor("contain", { IR_AUTO_CONTAIN_RESERVE_SECONDS: "60" });
    // 61 s left and 60 s reserved: one second for a containment that dwells two seconds in the untrack group.
    let err: unknown;
    await contain(guardDutyEvent(a.world.noProfile), { getRemainingTimeInMillis: () => 61_000 }).catch(
      (e) => (err = e),
    );
    expect(err).to.be.instanceOf(TransientError);
    expect((err as Error).message).to.match(
      /containment did not finish within 1000 ms: the retry resumes the case/,
    );
    // Lambda's retry: busy while the first attempt still holds the lease, then it finds the case contained.
    // (A TransientError is what Lambda retries too: the emulator sometimes answers 500 under load.)
    // The first attempt keeps the lease until its evidence steps end (the quarantined host's agent now
    // answers, so the log collection runs): up to two minutes on a loaded machine.
    const deadline = Date.now() + 120_000;
    const attempt = () =>
      contain(guardDutyEvent(a.world.noProfile)).catch((e) => {
        if (e instanceof TransientError) return undefined;
        throw e;
      });
    let retry = await attempt();
    while (retry?.cases[0]?.status !== "contained" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      retry = await attempt();
    }
    expect(retry?.cases[0]?.status).to.equal("contained");
    await drain();
  });

  it("throws (the event is kept for a retry or the dead-letter queue) when the settings parameter is broken", async () => {
    await a.clients.ssm.send(
      new PutParameterCommand({
        Name: SSM.responderConfig,
        Type: "String",
        Value: "{not json",
        Overwrite: true,
      }),
    );
    const err = await handlerFor("contain")(guardDutyEvent(a.world.solo)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(
      /settings parameter "\/ir\/responder-config" is not usable: config file "\/ir\/responder-config" is not valid JSON/,
    );
  });
});
